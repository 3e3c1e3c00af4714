import {iso, type Clock, type Split, type TargetReading} from '../src/core/index.js';
import {reconcileOnce} from '../src/drivers/reconciler.js';
import type {Store} from '../src/store/api.js';

/** A simulated service at rest: all traffic on `version`, none on a canary. */
export const restingSplit = (version = '1.4.0'): Split => ({percent: 0, stable: {weight: 100, version}, canary: {weight: 0}});

/** What `canary start` would read from the simulated target of a service running `version`, now. */
export const readingAt = (clock: Clock, version = '1.4.0', load = 42): TargetReading => ({kind: 'simulated', split: restingSplit(version), load, at: iso(clock.now())});

/** The store's pending target work done on the simulated driver of its directory, as the engine loop would. */
export const settleTargets = (store: Store, clock: Clock) => reconcileOnce(store, {dataDir: store.dir, now: () => clock.now()}, {clock});
