/**
 * One cycle of the leading engine, in the order that keeps side effects after the decisions that
 * caused them: finish the targets' pending work (a decision a dead leader left), record fresh
 * samples, tick (the engine decides: promote, halt, roll back), then carry out what the tick
 * decided. Every call to the outside world happens here, never inside a command.
 */
import {systemClock, type Clock} from '../core/clock.js';
import {EngineError} from '../core/errors.js';
import type {TickAction} from '../core/engine/tick.js';
import {ACTIVE} from '../core/engine/transitions.js';
import type {Store} from '../store/api.js';
import {reconcileOnce, type ReconcileOptions, type ReconcileOutcome} from './reconciler.js';
import {resolveTarget, type ResolveEnv} from './targets/resolve.js';

/** What a cycle did to a deployment: a tick's action, or an end the samples or the target brought. */
export interface CycleAction extends Omit<TickAction, 'action'> {
	action: TickAction['action'] | 'halted' | 'rolled_back' | 'rollback_failed' | 'completed';
}

const ENDINGS = new Set(['halted', 'rolled_back', 'rollback_failed', 'completed']);

export interface CycleOutcome {
	actions: CycleAction[];
	reconciled: ReconcileOutcome[];
	sampled: number;
}

/** A sample from every live canary whose target makes them (the simulator), recorded as pushed ones are. */
export async function sampleOnce(store: Store, env: ResolveEnv, clock: Clock): Promise<number> {
	const state = await store.read();
	const live = state.deployments.filter(d => ACTIVE.includes(d.status));
	let recorded = 0;
	for (const dep of live) {
		const sample = resolveTarget(dep.service, env).sample;
		if (!sample || dep.target !== 'simulated') continue;
		try {
			await store.run({type: 'metrics.record', actor: 'engine', id: dep.id, sample: await sample()}, {clock});
			recorded += 1;
		} catch (error) {
			// Halted or finished between the read and the sample: nothing to record.
			if (!(error instanceof EngineError) || error.code !== 'NOT_ACTIVE') throw error;
		}
	}
	return recorded;
}

export async function engineCycle(store: Store, env: ResolveEnv, opts: Pick<ReconcileOptions, 'clock' | 'policy' | 'signal'> = {}): Promise<CycleOutcome> {
	const clock = opts.clock ?? systemClock;
	const before = new Map((await store.read()).deployments.map(d => [d.id, d.status]));
	const reconciled = await reconcileOnce(store, env, opts);
	const sampled = await sampleOnce(store, env, clock);
	const {result} = await store.run<{actions: TickAction[]}>({type: 'tick', actor: 'engine'}, {clock});
	reconciled.push(...(await reconcileOnce(store, env, opts)));
	// A halt comes from a sample, an end from the target's answer: said as the tick's moves are.
	const ended: CycleAction[] = (await store.read()).deployments
		.filter(d => ENDINGS.has(d.status) && before.has(d.id) && before.get(d.id) !== d.status)
		.map(d => ({id: d.id, action: d.status as CycleAction['action'], percent: d.percent, detail: d.halt?.reason ?? d.rollback?.reason ?? `${d.service} runs ${d.toVersion}`}));
	return {actions: [...result.actions, ...ended], reconciled, sampled};
}
