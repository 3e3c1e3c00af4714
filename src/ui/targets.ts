import type {Clock, Deployment, State, TargetReading} from '../core/index.js';
import {reconcileDeployment} from '../drivers/reconciler.js';
import {readForStart} from '../drivers/start-reading.js';
import type {Store} from '../store/api.js';
import {findDeployment} from '../store/find.js';

/**
 * What the console asks of the targets, through the drivers and never inside a command: a reading
 * for the start dialog's pre-checks and snapshot, and carrying a decision to the router at once
 * after a confirmed action (an engine leading elsewhere may do the same; the engine keeps one record).
 */
export interface ConsoleTargets {
	read(state: State, leaseId: string): Promise<TargetReading>;
	/** Applies what the deployment's last decision asks, and returns the deployment as recorded after. */
	settle(id: string): Promise<Deployment | undefined>;
}

export function driverTargets(store: Store, clock: Clock): ConsoleTargets {
	const env = {dataDir: store.dir, now: () => clock.now()};
	return {
		async read(state, leaseId) {
			const reading = await readForStart(state, store.trust, leaseId, env);
			if (!reading) throw new Error(`${leaseId} does not verify (see its pre-checks): its target is read only for a lease that can start`);
			return reading;
		},
		async settle(id) {
			await reconcileDeployment(store, env, id, {clock});
			return findDeployment(store, id);
		},
	};
}
