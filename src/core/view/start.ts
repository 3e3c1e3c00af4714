import {riskOf} from '../engine/leases.js';
import type {Lease, State} from '../model/index.js';
import {runPrechecks, type Precheck} from '../precheck.js';
import {SimTarget} from '../sim/sim-target.js';
import type {Trust} from '../trust.js';
import {emptyWorld, type SimWorld} from '../sim/world.js';

export interface StartPreview {
	ok: boolean;
	checks: Precheck[];
}

/**
 * The pre-checks `canary start` would run on a lease now, run read-only, so a console can show
 * pass or fail per check before the operator confirms. They read the target, and a simulated
 * target learns a service it has not seen as it reads it: they run over a copy of the one service
 * they read, never over the state's world. The engine runs them again when the command arrives:
 * this shows its answer, it does not replace it.
 */
export function startPreview(state: State, lease: Lease, now: number, trust: Trust): StartPreview {
	const intent = state.intents.find(i => i.id === lease.intentId);
	if (!intent) return {ok: false, checks: [{name: 'intent status', ok: false, detail: `intent ${lease.intentId} does not exist`}]};
	const world = (state.world ?? emptyWorld()) as SimWorld;
	const service = world.services[intent.service];
	const target = new SimTarget({...world, services: service ? {[intent.service]: structuredClone(service)} : {}});
	return runPrechecks(state, lease, intent, {target, now, risk: riskOf(state, intent, now), trust});
}
