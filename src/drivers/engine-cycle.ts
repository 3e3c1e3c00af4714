/**
 * One cycle of the leading engine, in the order that keeps side effects after the decisions that
 * caused them: finish the targets' pending work (a decision a dead leader left), record fresh
 * samples (the simulator's, Prometheus' polls), tick (the engine decides: promote, halt, roll
 * back), then carry out what the tick decided. Every call to the outside world happens here, never inside a command.
 */
import {systemClock, type Clock} from '../core/clock.js';
import type {TickAction} from '../core/engine/tick.js';
import {sourceOf} from '../core/metric-specs.js';
import {ACTIVE} from '../core/engine/transitions.js';
import type {BatchStore} from '../store/api.js';
import type {State} from '../core/model/index.js';
import type {Command} from '../core/engine/commands.js';
import {reconcileOnce, type ReconcileOptions, type ReconcileOutcome} from './reconciler.js';
import type {ResolveEnv} from './targets/resolve.js';
import {sampleServices} from './targets/simulated.js';
import {SimWorldFile} from '../store/sim-world.js';
import {pollCommands, type PollOptions} from './metrics/poll.js';
import type {MetricsPoller} from './metrics/poller.js';

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

/** A sample from every live canary whose target makes them (the simulator), as commands to record. */
export async function sampleCommands(state: State, env: ResolveEnv): Promise<Command[]> {
	const live = state.deployments.filter(d => ACTIVE.includes(d.status) && sourceOf(d) === 'simulated');
	if (live.length === 0) return [];
	const samples = await sampleServices(new SimWorldFile(env.dataDir), live.map(d => d.service));
	return live.map((d, i) => ({type: 'metrics.record', actor: 'engine', id: d.id, source: 'simulated', sample: samples[i]!}));
}

export async function engineCycle(store: BatchStore, env: ResolveEnv, opts: Pick<ReconcileOptions, 'clock' | 'policy' | 'signal'> & Pick<PollOptions, 'query'> & {poller?: MetricsPoller} = {}): Promise<CycleOutcome> {
	const clock = opts.clock ?? systemClock;
	const before = new Map((await store.read()).deployments.map(d => [d.id, d.status]));
	const reconciled = await reconcileOnce(store, env, opts);
	// The samples and the tick in one commit: a leader that wrote each apart would take the lock
	// several times a second, and an operator's confirmation would keep losing the race to it.
	// The leading loop's poller never holds the tick for a slow source; alone (engine --once), every poll is awaited.
	const state = await store.read();
	const polls = opts.poller ? await opts.poller.due(state) : await pollCommands(state, store.trust, opts);
	const samples = [...(await sampleCommands(state, env)), ...polls];
	const batch = await store.runMany<unknown>([...samples, {type: 'tick', actor: 'engine'}], {clock});
	const sampled = Math.min(batch.results.length, samples.length);
	// A deployment halted by another process between the read and the commit refuses its sample and
	// ends the batch: this cycle then has no tick, and the next one has.
	const ticked = batch.failed ? undefined : (batch.results.at(-1) as {actions: TickAction[]});
	if (batch.failed && !(batch.failed.error.code === 'NOT_ACTIVE' || batch.failed.error.code === 'NOT_FOUND')) throw batch.failed.error;
	const result = {actions: ticked?.actions ?? []};
	reconciled.push(...(await reconcileOnce(store, env, opts)));
	// A halt comes from a sample, an end from the target's answer: said as the tick's moves are.
	// One that ended has left the document for the archive: looked up there.
	const after = await store.read();
	const live = new Set(after.deployments.map(d => d.id));
	const gone = await Promise.all([...before.keys()].filter(id => !live.has(id)).map(id => store.deployment(id)));
	const ended: CycleAction[] = [...after.deployments, ...gone.flatMap(g => (g ? [g.deployment] : []))]
		.filter(d => ENDINGS.has(d.status) && before.has(d.id) && before.get(d.id) !== d.status)
		.map(d => ({id: d.id, action: d.status as CycleAction['action'], percent: d.percent, detail: (['rolling_back', 'rolled_back', 'rollback_failed'].includes(d.status) ? (d.rollback?.reason ?? d.halt?.reason) : (d.halt?.reason ?? d.rollback?.reason)) ?? `${d.service} runs ${d.toVersion}`}));
	return {actions: [...result.actions, ...ended], reconciled, sampled};
}
