import {iso, type Clock, type Split, type TargetReading} from '../src/core/index.js';
import {reconcileOnce} from '../src/drivers/reconciler.js';
import type {Store} from '../src/store/api.js';

/** A simulated service at rest: all traffic on `version`, none on a canary. */
export const restingSplit = (version = '1.4.0'): Split => ({percent: 0, stable: {weight: 100, version}, canary: {weight: 0}});

/** What `canary start` would read from the simulated target of a service running `version`, now. */
export const readingAt = (clock: Clock, version = '1.4.0', load = 42): TargetReading => ({kind: 'simulated', split: restingSplit(version), load, at: iso(clock.now())});

/** The store's pending target work done on the simulated driver of its directory, as the engine loop would. */
export const settleTargets = (store: Store, clock: Clock) => reconcileOnce(store, {dataDir: store.dir, now: () => clock.now()}, {clock});

/**
 * Reconciles until the store has no target work left (each tier's apply, then its sanity check), or
 * `rounds` passes: what a watching engine leaves behind between its cycles. Returns every outcome.
 */
export async function settleAllTargets(store: Store, clock: Clock, rounds = 5) {
	const all: Awaited<ReturnType<typeof settleTargets>> = [];
	for (let i = 0; i < rounds; i++) {
		const done = await settleTargets(store, clock);
		if (done.length === 0) break;
		all.push(...done);
	}
	return all;
}
