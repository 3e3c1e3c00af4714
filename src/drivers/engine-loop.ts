import {systemClock, type Clock} from '../core/index.js';
import type {BatchStore, Leadership} from '../store/api.js';
import type {CallPolicy} from './call.js';
import {Checkpoints} from './checkpoints.js';
import {engineCycle, type CycleAction} from './engine-cycle.js';
import {reconcileOnce, type ReconcileOutcome} from './reconciler.js';
import {MetricsPoller} from './metrics/poller.js';

/** How long a cycle waits for Prometheus before it ticks without the late answers (a query takes ~4 ms). */
const POLL_WAIT_MS = 250;

export interface EngineLoop {
	readonly role: 'leader' | 'follower';
	onRoleChange(listener: (role: 'leader' | 'follower') => void): () => void;
	stop(): Promise<void>;
}

export interface EngineLoopOptions {
	intervalMs: number;
	clock?: Clock;
	/** Each tick's actions and how long its cycle took (leader only); errors are reported, never thrown out of the timer. */
	/** After each cycle: what the tick decided, and what the targets did (`reconciled`: a failed apply or revert included). */
	onTick?: (actions: CycleAction[], cycle: {durationMs: number; reconciled: ReconcileOutcome[]}) => void;
	onError?: (error: unknown) => void;
	/** The least time between signed checkpoints of the audit head (default a minute; see checkpoints.ts). */
	checkpointEveryMs?: number;
	/** The bound and retries of each call to a target (default: call.ts DEFAULT_POLICY). */
	policy?: CallPolicy;
	/** What the store's own upkeep did after a cycle (an etcd store's compaction and defragmentation). */
	onMaintenance?: (actions: Array<{at: string; kind: string; detail: string}>) => void;
}

/**
 * Drives the engine for a data directory: as leader it runs a cycle every interval (reconcile the
 * targets, sample, tick, reconcile what the tick decided; engine-cycle.ts) and signs checkpoints
 * of the audit head; as follower it waits, and takes over when the leader dies. Between cycles, a
 * change written by another process (an operator's halt or rollback, a critical sample pushed) is
 * carried to the target at once, not at the next tick. Nothing overlaps: one piece of work at a time.
 */
export async function startEngineLoop(store: BatchStore, opts: EngineLoopOptions): Promise<EngineLoop> {
	const leadership: Leadership = await store.lead();
	const controller = new AbortController();
	let timer: NodeJS.Timeout | undefined;
	let stopped = false;
	let queue: Promise<void> = Promise.resolve();
	const clock = opts.clock ?? systemClock;
	const env = {dataDir: store.dir, now: () => clock.now()};
	const callOpts = {clock, signal: controller.signal, ...(opts.policy ? {policy: opts.policy} : {})};
	const checkpoints = new Checkpoints(store, clock, opts.checkpointEveryMs);
	// A cycle waits this long for its polls; a slower one is committed alone when it answers.
	const poller = new MetricsPoller(store, {clock, signal: controller.signal, waitMs: Math.min(POLL_WAIT_MS, opts.intervalMs), onError: error => !controller.signal.aborted && opts.onError?.(error)});
	const leading = () => !stopped && leadership.role === 'leader';

	/** Runs `work` after whatever is under way, reporting its errors. */
	const serial = (work: () => Promise<void>) => {
		queue = queue.then(() => (leading() ? work() : undefined)).catch(error => opts.onError?.(error));
		return queue;
	};
	const cycle = () =>
		serial(async () => {
			const started = performance.now();
			const {actions, reconciled} = await engineCycle(store, env, {...callOpts, poller});
			opts.onTick?.(actions, {durationMs: performance.now() - started, reconciled});
			// The leader signs the audit head: at least every minute, and after a halt or rollback.
			await checkpoints.afterTick();
			// The store's upkeep (an etcd store's history), as leader only; rate-limited by the store.
			const upkeep = await store.maintain?.(clock.now());
			if (upkeep?.length) opts.onMaintenance?.(upkeep);
		});
	let nudged = false;
	const unwatch = store.watch(what => {
		if (!what.state || nudged || !leading()) return;
		nudged = true;
		void serial(async () => {
			nudged = false;
			await reconcileOnce(store, env, callOpts);
		});
	});
	const schedule = () => {
		// A leader that lost the lead and won it again later starts its cycles afresh.
		timer = undefined;
		if (!leading()) return;
		timer = setTimeout(() => void cycle().then(schedule), opts.intervalMs);
	};
	const unsubscribe = leadership.onChange(role => {
		if (role === 'leader' && !timer) schedule();
		if (role === 'follower' && timer) {
			clearTimeout(timer);
			timer = undefined;
		}
	});
	schedule();
	return {
		get role() {
			return leadership.role;
		},
		onRoleChange: listener => leadership.onChange(listener),
		async stop() {
			stopped = true;
			if (timer) clearTimeout(timer);
			unwatch();
			unsubscribe();
			controller.abort();
			await queue;
			await poller.drain();
			await leadership.release();
		},
	};
}
