import {systemClock, type Clock, type TickAction} from '../core/index.js';
import type {Leadership, Store} from '../store/api.js';
import {Checkpoints} from './checkpoints.js';

export interface EngineLoop {
	readonly role: 'leader' | 'follower';
	onRoleChange(listener: (role: 'leader' | 'follower') => void): () => void;
	stop(): Promise<void>;
}

export interface EngineLoopOptions {
	intervalMs: number;
	clock?: Clock;
	/** Each tick's actions (leader only); errors are reported, never thrown out of the timer. */
	onTick?: (actions: TickAction[]) => void;
	onError?: (error: unknown) => void;
	/** The least time between signed checkpoints of the audit head (default a minute; see checkpoints.ts). */
	checkpointEveryMs?: number;
}

/**
 * Drives the engine for a data directory: as leader it ticks every interval (polls metrics,
 * evaluates gates, promotes, halts) and signs checkpoints of the audit head; as follower it waits, and takes over when the leader dies.
 * Ticks never overlap: the next is scheduled when the previous one has finished.
 */
export async function startEngineLoop(store: Store, opts: EngineLoopOptions): Promise<EngineLoop> {
	const leadership: Leadership = await store.lead();
	let timer: NodeJS.Timeout | undefined;
	let stopped = false;
	let running: Promise<void> = Promise.resolve();

	const clock = opts.clock ?? systemClock;
	const checkpoints = new Checkpoints(store, clock, opts.checkpointEveryMs);
	const tickOnce = async () => {
		try {
			const {result} = await store.run<{actions: TickAction[]}>({type: 'tick', actor: 'engine'}, {clock});
			opts.onTick?.(result.actions);
			// The leader signs the audit head: at least every minute, and after a halt or rollback.
			await checkpoints.afterTick();
		} catch (error) {
			opts.onError?.(error);
		}
	};
	const schedule = () => {
		if (stopped || leadership.role !== 'leader') return;
		timer = setTimeout(() => {
			running = tickOnce().then(schedule);
		}, opts.intervalMs);
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
			unsubscribe();
			await running;
			await leadership.release();
		},
	};
}
