import {ManualClock, iso, ms} from '../clock.js';
import type {Command} from '../engine/commands.js';
import {gateInput} from '../engine/context.js';
import {execute, initialState} from '../engine/execute.js';
import type {SampleOutcome} from '../engine/metrics.js';
import {ACTIVE} from '../engine/transitions.js';
import {formatDuration} from '../duration.js';
import {invalid} from '../errors.js';
import {bakeElapsed, evaluateGate, WATCH_GAP_MS} from '../gate.js';
import {gateMetrics, sourceOf} from '../metric-specs.js';
import {metricsWork} from '../metrics-work.js';
import {DEFAULT_CONFIG, METRICS, type CanaryPlan, type Config, type Deployment, type Intent, type Sample, type ServiceDefinition, type Split, type State, type TargetKind} from '../model/index.js';
import {appliedCommand, targetWork, type TargetWork} from '../reconcile.js';
import {buildRollbackPack, stepSplit} from '../rollback-pack.js';
import {stepName} from '../target.js';
import {noTrust} from '../trust.js';
import {gateReadings, sampleReadings, stepsOf, type ReplayReading, type ReplayStep} from './timeline.js';

/** The replayed deployment's id: fixed, so the same input prints the same timeline byte for byte. */
export const REPLAY_ID = 'DEP-REPLAY-1';
const IDS = {deploymentId: REPLAY_ID, leaseId: 'LEASE-REPLAY-1', intentId: 'INT-REPLAY-1'};

/**
 * The longest step between two ticks of the replay's engine: the longest gap the engine still
 * counts as watched. Ticks fall on every sample and on the moment a tier's bake ends too, so no
 * decision waits on this step: it only keeps the bake accruing between samples far apart.
 */
const TICK_MS = WATCH_GAP_MS;

/**
 * How far past its start a replay runs, at most: a tick every 15 s costs what the engine's tick
 * costs, so the bound is the replay's price (about a second a day here). Canaries that ran longer
 * are replayed up to it, and said so.
 */
export const REPLAY_HORIZON_MS = 3 * 86_400_000;

/** Recorded samples, and what they were samples of; unset fields fall back to a simulated service. */
export interface ReplayInput {
	plan: CanaryPlan;
	samples: readonly Sample[];
	service?: string;
	fromVersion?: string;
	toVersion?: string;
	target?: TargetKind;
	/** The service definition the gate judges by: which metrics, their sources, budgets and warm-up. */
	definition?: ServiceDefinition;
	/** The split before the first tier (a recorded deployment's snapshot); default: all on the stable version. */
	snapshot?: Split;
	/** When the first tier began (a recorded deployment's start); default: the first sample's time. */
	startAt?: string;
	/** The configuration's sample window (how many samples a tier's window keeps). */
	config?: Config;
	/** How far past the start to replay (at most REPLAY_HORIZON_MS). */
	horizonMs?: number;
}

export interface ReplayVerdict {
	/** `unfinished`: the samples ran out before the plan completed or halted. */
	outcome: 'completed' | 'halted' | 'unfinished';
	percent: number;
	at: string;
	offsetMs: number;
	reason: string;
	/** What halted it (`critical`, or `deadline`: no progress in time), its metrics by label (`error rate`), and whether the plan rolled it back. */
	trigger?: string;
	on?: string[];
	rolledBack?: boolean;
}

export interface ReplayResult {
	id: string;
	plan: CanaryPlan;
	start: string;
	end: string;
	/**
	 * judged: recorded through the gate; warmingUp: taken while a Prometheus source would not have
	 * been asked; unjudged: holding only values no gate metric of the deployment judges; unused: after the end.
	 */
	samples: {given: number; judged: number; warmingUp: number; unjudged: number; unused: number};
	timeline: ReplayStep[];
	verdict: ReplayVerdict;
	/** Where the replay departs from a live engine, said once each. */
	notes: string[];
}

/** One in-memory deployment driven through the engine's own commands on a virtual clock. */
class Run {
	readonly steps: ReplayStep[] = [];
	readonly clock: ManualClock;
	#trust = noTrust('replay');

	constructor(
		public state: State,
		readonly startMs: number,
	) {
		this.clock = new ManualClock(startMs);
	}

	get dep(): Deployment {
		return this.state.deployments[0]!;
	}

	exec<R>(cmd: Command, readings: (result: R) => ReplayReading[] = () => []): R {
		const out = execute<R>(this.state, cmd, {clock: this.clock, trust: this.#trust});
		this.state = out.state;
		this.steps.push(...stepsOf(out.events, this.startMs, () => readings(out.result)));
		this.confirm();
		return out.result;
	}

	/** The simulated target: every decided step confirmed at once, read back as asked (no sanity check to run). */
	confirm(): void {
		for (const work of targetWork(this.state)) if (work.op === 'apply') this.exec(appliedCommand(work, {split: this.#splitFor(work), evidence: 'router'}, false));
	}

	#splitFor(work: Extract<TargetWork, {op: 'apply'}>): Split {
		const {pack, target, toVersion} = this.dep;
		if (work.step === 'snapshot') return pack.snapshot;
		return stepSplit(target, pack.snapshot, {version: toVersion, percent: work.percent, final: work.step === 'final'});
	}
}

const live = (dep: Deployment) => ACTIVE.includes(dep.status) && dep.status !== 'awaiting_cosign';

/** As `canary start` makes a deployment once its pre-checks and signatures pass: at its first tier, the target not yet confirmed. */
function startState(input: ReplayInput, plan: CanaryPlan, at: string): State {
	const service = input.service ?? 'replay';
	const fromVersion = input.fromVersion ?? 'stable';
	const toVersion = input.toVersion ?? 'canary';
	const target = input.target ?? input.definition?.target.kind ?? 'simulated';
	const snapshot = input.snapshot ?? {percent: 0, stable: {weight: 100, version: fromVersion}, canary: {weight: 0}};
	const first = {version: toVersion, percent: plan.tiers[0]!, final: false};
	const intent: Intent = {id: IDS.intentId, service, fromVersion, toVersion, title: 'replay', files: 0, lines: 0, criticality: 'low', status: 'deploying', createdAt: at, createdBy: 'replay', leaseId: IDS.leaseId, deploymentId: REPLAY_ID};
	const deployment: Deployment = {
		id: REPLAY_ID,
		leaseId: IDS.leaseId,
		intentId: IDS.intentId,
		service,
		fromVersion,
		toVersion,
		plan,
		status: 'running',
		tierIndex: 0,
		percent: first.percent,
		tierStartedAt: at,
		createdAt: at,
		updatedAt: at,
		window: [],
		sampleCount: 0,
		sanity: [],
		pack: buildRollbackPack({...IDS, service}, snapshot, plan, toVersion, target, at),
		target,
		...(input.definition ? {definition: structuredClone(input.definition)} : {}),
		desired: {generation: 1, step: stepName(first), percent: first.percent, at},
	};
	return {...initialState(input.config ?? DEFAULT_CONFIG), intents: [intent], deployments: [deployment]};
}

/** The plan as replayed, and what that changes: per-tier keys are people, not the gate. */
function planAndNotes(plan: CanaryPlan): {plan: CanaryPlan; notes: string[]} {
	const notes: string[] = [];
	let replayed = plan;
	if (plan.tierKeys) {
		const {tierKeys, ...rest} = plan;
		replayed = rest;
		notes.push(`per-tier keys at ${tierKeys.join(', ')}%: taken as signed as soon as the gate passes (a replay judges the gate, not the signers)`);
	}
	if (!plan.autoPromote) notes.push('no auto-promotion: an operator is taken to promote as soon as the gate passes');
	return {plan: replayed, notes};
}

/** A sample without the custom values this deployment's gate does not judge (the engine refuses those). */
function judgedPart(sample: Sample, dep: Deployment): Sample | undefined {
	if (!sample.custom) return sample;
	const known = new Set(gateMetrics(dep).filter(m => m.custom).map(m => m.key));
	const custom = Object.fromEntries(Object.entries(sample.custom).filter(([k]) => known.has(k)));
	const {custom: _all, ...rest} = sample;
	const kept: Sample = Object.keys(custom).length > 0 ? {...rest, custom} : rest;
	return METRICS.some(m => kept[m] !== undefined) || kept.custom ? kept : undefined;
}

/**
 * Runs a plan against recorded samples through the engine itself: the same commands a live engine
 * records (`metrics.record`, `tick`, the target's `target.applied`), on a clock that jumps from
 * one moment that could change a decision to the next. Pure and deterministic: the same input
 * gives the same result, byte for byte. What it cannot replay is said in `notes`: sanity checks,
 * polls without data and query errors are not in the metrics log.
 */
export function replay(input: ReplayInput): ReplayResult {
	if (input.samples.length === 0) throw invalid('NO_SAMPLES', 'samples: a replay needs at least one recorded sample');
	const samples = [...input.samples].sort((a, b) => ms(a.at) - ms(b.at));
	const {plan, notes} = planAndNotes(input.plan);
	const startMs = Math.min(input.startAt ? ms(input.startAt) : Number.POSITIVE_INFINITY, ms(samples[0]!.at));
	const run = new Run(startState(input, plan, iso(startMs)), startMs);
	run.steps.push({at: iso(startMs), offsetMs: 0, percent: plan.tiers[0]!, action: 'started', reason: `canary at ${plan.tiers[0]}% of ${plan.tiers.join(' → ')}%`, readings: []});
	run.confirm();
	const counts = {given: samples.length, judged: 0, warmingUp: 0, unjudged: 0, unused: 0};
	const endMs = startMs + Math.min(input.horizonMs ?? REPLAY_HORIZON_MS, REPLAY_HORIZON_MS);
	let next = 0;
	while (live(run.dep)) {
		const now = run.clock.now();
		const bakeLeft = Math.max(0, run.dep.plan.bakeMs - bakeElapsed(gateInput(run.dep), now));
		const sampleAt = next < samples.length ? ms(samples[next]!.at) : Number.POSITIVE_INFINITY;
		// Past the last sample only the bake can still change the gate: once it has run out, nothing will.
		if (sampleAt === Number.POSITIVE_INFINITY && bakeLeft === 0) break;
		const tickAt = Math.min(now + Math.min(TICK_MS, bakeLeft > 0 ? bakeLeft : TICK_MS), deadlineTick(run.dep, now));
		const at = sampleAt <= tickAt ? Math.max(now, sampleAt) : tickAt;
		if (at > endMs) {
			notes.push(`the replay stops ${formatDuration(endMs - startMs)} after its start: what the samples say after that is left out`);
			break;
		}
		run.clock.set(at);
		// The samples of one moment, then the tick: the engine loop records a cycle's samples and ticks in one batch.
		while (next < samples.length && ms(samples[next]!.at) <= run.clock.now() && live(run.dep)) record(run, samples[next++]!, counts);
		if (!live(run.dep)) break;
		// What the tick's gate judged, for a decision's readings: the deployment as it was before the tick, at the same time.
		const before = gateInput(run.dep);
		const readings = () => gateReadings(evaluateGate(before, run.clock.now()));
		run.exec({type: 'tick', actor: 'engine'}, readings);
		if (run.dep.status === 'awaiting_promotion') run.exec({type: 'canary.promote', actor: 'replay:operator', id: REPLAY_ID}, readings);
	}
	counts.unused = samples.length - next;
	if (sourceOf(run.dep) === 'prometheus') notes.push('polls without data and query errors are not in the metrics log: the replay judges the readings that were recorded');
	if (run.dep.definition?.sanity?.length) notes.push('sanity checks are not run in a replay: each tier is taken as passing its check');
	return {id: REPLAY_ID, plan: input.plan, start: iso(startMs), end: iso(run.clock.now()), samples: counts, timeline: run.steps, verdict: verdictOf(run), notes};
}

/**
 * The first moment the plan's progress deadline would halt the tier (the engine halts once the
 * tier is older than bake plus deadline): a tick falls on it, as the engine's every second would.
 */
function deadlineTick(dep: Deployment, now: number): number {
	const deadline = dep.plan.progressDeadlineMs;
	const at = deadline === undefined ? Number.POSITIVE_INFINITY : ms(dep.tierStartedAt) + dep.plan.bakeMs + deadline + 1;
	return at > now ? at : Number.POSITIVE_INFINITY;
}

function record(run: Run, sample: Sample, counts: ReplayResult['samples']): void {
	const dep = run.dep;
	// A Prometheus source is not asked while the tier warms up (the query window still holds the split before).
	if (sourceOf(dep) === 'prometheus' && metricsWork(run.state, run.clock.now()).length === 0) {
		counts.warmingUp++;
		return;
	}
	const judged = judgedPart(sample, dep);
	counts[judged ? 'judged' : 'unjudged']++;
	if (!judged) return;
	const metrics = gateMetrics(dep);
	run.exec<SampleOutcome>({type: 'metrics.record', actor: 'engine', id: REPLAY_ID, sample: judged, source: sourceOf(dep)}, out =>
		sampleReadings(metrics, out.evaluation, out.action === 'halted' || out.action === 'rolling_back'),
	);
}

function verdictOf(run: Run): ReplayVerdict {
	const dep = run.dep;
	const at = iso(run.clock.now());
	const base = {at, offsetMs: run.clock.now() - run.startMs, percent: dep.percent};
	if (dep.status === 'completed') return {...base, outcome: 'completed', reason: `completed: all traffic on ${dep.toVersion}`};
	const halt = run.steps.find(s => s.action === 'halted');
	if (halt) {
		const on = [...new Set(halt.readings.filter(r => r.level === 'critical').map(r => r.label))];
		const trigger = dep.halt?.trigger ?? dep.rollback?.trigger;
		return {...base, at: halt.at, offsetMs: halt.offsetMs, percent: halt.percent, outcome: 'halted', reason: halt.reason, ...(trigger ? {trigger} : {}), ...(on.length ? {on} : {}), rolledBack: dep.status === 'rolled_back'};
	}
	const gate = evaluateGate(gateInput(dep), run.clock.now());
	return {...base, outcome: 'unfinished', reason: `the samples ran out at ${dep.percent}%: ${dep.hold?.reason ?? gate.summary}`};
}
