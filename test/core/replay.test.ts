import {describe, expect, it} from 'vitest';
import {DEFAULT_PLAN, EngineError, type CanaryPlan, type Sample} from '../../src/core/index.js';
import {replayPlan} from '../../src/core/replay/plan.js';
import {replay} from '../../src/core/replay/replay.js';
import {replayRecorded, trackRecord, type RecordedRun} from '../../src/core/replay/track-record.js';
import {BAKE, CLEAN, CRIT, Fixture, MIN, START, WARN} from './helpers.js';
import {PROM} from './prometheus-fixture.js';

const t0 = Date.parse(START);
const HOUR = 60 * MIN;
const at = (ms: number) => new Date(t0 + ms).toISOString();
/** One sample every `every` ms from the start, `pick(i)` saying which. */
const series = (n: number, every: number, pick: (i: number) => Omit<Sample, 'at'> = () => CLEAN): Sample[] => Array.from({length: n}, (_, i) => ({at: at(i * every), ...pick(i)}));
const actions = (r: ReturnType<typeof replay>) => r.timeline.map(s => `${s.action}@${s.percent}`);

/** A canary driven by the engine itself (the core fixture): clean at 5%, then a critical at 25%. */
function haltedLive(): RecordedRun {
	const f = new Fixture();
	const id = f.canary();
	f.bake(id);
	f.tick();
	f.record(id, CLEAN);
	f.clock.advance(MIN);
	f.record(id, CRIT);
	expect(f.dep(id)).toMatchObject({status: 'rolled_back', percent: 25, halt: {trigger: 'critical'}});
	return {deployment: f.dep(id), samples: f.samples.filter(s => s.deploymentId === id).map(s => s.sample)};
}

describe('replay: a plan against recorded samples, through the engine', () => {
	it('replays a deployment the engine halted: the same halt at the same tier, time and reading', () => {
		const recorded = haltedLive();
		const result = replayRecorded(recorded, recorded.deployment.plan);
		const dep = recorded.deployment;
		expect(result.verdict).toMatchObject({outcome: 'halted', percent: 25, at: dep.halt!.at, reason: dep.halt!.reason, on: ['TES'], rolledBack: true});
		expect(actions(result)).toEqual(['started@5', 'promoted@25', 'halted@25', 'rolled_back@25']);
		expect(result.timeline[2]!.readings).toEqual([expect.objectContaining({metric: 'tesDelta', value: -6, level: 'critical'})]);
		expect(result.timeline[1]).toMatchObject({offsetMs: BAKE, reason: 'gate passed at 5%'});
		expect(result.samples).toEqual({given: 5, judged: 5, warmingUp: 0, unjudged: 0, unused: 0});
	});

	it('is deterministic: the same input gives the same result, byte for byte', () => {
		const recorded = haltedLive();
		const plan = replayPlan(DEFAULT_PLAN, {bakeMs: 0, minSamples: 1});
		expect(JSON.stringify(replayRecorded(recorded, plan))).toBe(JSON.stringify(replayRecorded(structuredClone(recorded), plan)));
	});

	it('a warning holds promotion until a clean window, then the bake decides; the final step completes', () => {
		const samples = series(12, 5 * MIN, i => (i === 5 ? WARN : CLEAN));
		const result = replay({plan: replayPlan(DEFAULT_PLAN, {bakeMs: 10 * MIN, minSamples: 2}), samples});
		expect(actions(result)).toEqual(['started@5', 'promoted@25', 'promoted@100', 'held@100', 'cleared@100', 'promoted@100', 'completed@100']);
		const held = result.timeline[3]!;
		expect(held).toMatchObject({offsetMs: 25 * MIN});
		expect(held.reason).toMatch(/^WARNING: TES drop > 2% in the last 2 samples — TES -3%/);
		expect(result.timeline[5]!.reason).toBe('gate passed at 100%: the final step');
		expect(result.verdict).toMatchObject({outcome: 'completed', offsetMs: 35 * MIN});
		expect(result.samples.unused).toBe(4);
	});

	it('says where the samples ran out, and why the gate held there', () => {
		const result = replay({plan: DEFAULT_PLAN, samples: series(4, MIN)});
		expect(result.verdict.outcome).toBe('unfinished');
		expect(result.verdict.reason).toMatch(/^the samples ran out at 25%: /);
		// After the last sample the replay runs on only while the bake could still open the gate.
		expect(result.end).toBe(at(BAKE + BAKE));
	});

	it('judges by the definition: a Prometheus source is not asked while a tier warms up, a failure budget of two halts on the second critical', () => {
		const plan = replayPlan(DEFAULT_PLAN, {bakeMs: 60_000, minSamples: 2});
		const healthy = {tesDelta: -0.1, errorRate: 0.2, cpu: 40, custom: {p99: 120}};
		const warm = replay({plan, definition: PROM, samples: series(13, 10_000, () => healthy)});
		// At 100% no sample is left: once its bake has run, the gate holds for want of readings.
		expect(actions(warm)).toEqual(['started@5', 'promoted@25', 'promoted@100', 'held@100']);
		expect(warm.verdict.reason).toMatch(/^the samples ran out at 100%: error rate inconclusive: 0\/2 samples/);
		// 0–30 s at 5% and 70–90 s at 25%: inside the warm-up (window 30 s + two 5 s scrapes) after each tier's confirmation.
		expect(warm.samples).toEqual({given: 13, judged: 6, warmingUp: 7, unjudged: 0, unused: 0});
		expect(warm.notes).toContain('polls without data and query errors are not in the metrics log: the replay judges the readings that were recorded');
		const hot = {...healthy, cpu: 130};
		const budget = replay({plan, definition: PROM, samples: series(7, 10_000, i => (i >= 4 ? hot : healthy))});
		expect(actions(budget)).toEqual(['started@5', 'held@5', 'halted@5', 'rolled_back@5']);
		expect(budget.verdict).toMatchObject({outcome: 'halted', offsetMs: 50_000, on: ['CPU']});
		expect(budget.verdict.reason).toBe('CRITICAL: CPU > 120% (read 130%; failure budget of 2 spent)');
	});

	it('halts a tier stuck past its bake and the plan\'s progress deadline, as the engine does, without rolling back', () => {
		const plan = replayPlan(DEFAULT_PLAN, {bakeMs: MIN, progressDeadlineMs: 5 * MIN});
		const result = replay({plan, samples: series(20, MIN, () => WARN)});
		expect(actions(result)).toEqual(['started@5', 'held@5', 'halted@5']);
		expect(result.verdict).toMatchObject({outcome: 'halted', trigger: 'deadline', offsetMs: 6 * MIN + 1, rolledBack: false});
		expect(result.verdict.on).toBeUndefined();
		expect(result.verdict.reason).toMatch(/^no progress at 5% for 6m \(bake 1m \+ deadline 5m\): gate holding: WARNING: TES drop > 2%/);
		expect(trackRecord(plan, 'checkout', [{deployment: haltedLive().deployment, samples: series(20, MIN, () => WARN)}]).line).toBe('this plan against the last deployment of checkout: 1 halted at 5% past its progress deadline');
	});

	it('leaves out custom values no gate metric judges, as the engine would refuse them', () => {
		const samples = [...series(4, MIN, () => ({...CLEAN, custom: {p99: 900}})), {at: at(30_000), custom: {p99: 900}}];
		const result = replay({plan: replayPlan(DEFAULT_PLAN, {bakeMs: 0, minSamples: 1}), samples});
		expect(result.verdict.outcome).toBe('completed');
		expect(result.samples).toMatchObject({judged: 3, unjudged: 1, unused: 1});
	});

	it('takes an operator to promote a manual plan at once, and per-tier keys as signed: said in its notes', () => {
		const plan: CanaryPlan = replayPlan(DEFAULT_PLAN, {bakeMs: 0, minSamples: 1, autoPromote: false, tierKeys: [25]});
		const result = replay({plan, samples: series(4, MIN)});
		expect(result.verdict.outcome).toBe('completed');
		// Without bake time a new tier holds until its first sample, as the engine's does.
		const tier = (p: number) => [`held@${p}`, `cleared@${p}`, `awaiting_promotion@${p}`, `promoted@${p === 25 ? 100 : p}`];
		expect(actions(result)).toEqual(['started@5', 'awaiting_promotion@5', 'promoted@25', ...tier(25), ...tier(100), 'completed@100']);
		expect(result.timeline[3]!.reason).toBe('TES inconclusive: 0/1 samples');
		expect(result.plan.tierKeys).toEqual([25]);
		expect(result.notes).toEqual([
			'per-tier keys at 25%: taken as signed as soon as the gate passes (a replay judges the gate, not the signers)',
			'no auto-promotion: an operator is taken to promote as soon as the gate passes',
		]);
	});

	it('stops at its horizon and says what it left out', () => {
		const result = replay({plan: DEFAULT_PLAN, samples: [...series(3, MIN, () => WARN), {at: at(HOUR + MIN), ...CLEAN}], horizonMs: HOUR});
		expect(result.samples.unused).toBe(1);
		expect(result.notes).toContain('the replay stops 1h after its start: what the samples say after that is left out');
	});

	it('refuses no samples and a plan the schema refuses, naming the field', () => {
		expect(() => replay({plan: DEFAULT_PLAN, samples: []})).toThrow(EngineError);
		expect(() => replay({plan: DEFAULT_PLAN, samples: []})).toThrow('samples: a replay needs at least one recorded sample');
		expect(() => replayPlan(DEFAULT_PLAN, {tiers: [5, 25]})).toThrow('plan.tiers: the last tier must be 100');
		expect(() => replayPlan(DEFAULT_PLAN, {thresholds: {errorRate: {warning: 3, critical: 2}}})).toThrow(/plan\.thresholds\.errorRate: errorRate: critical \(2\) must be above warning \(3\)/);
	});
});

describe('track record: a plan against a service\'s last deployments, in one line', () => {
	it('counts what completed, groups the halts by tier and metric, and names the unsampled', () => {
		const halted = haltedLive();
		const clean: RecordedRun = {deployment: {...halted.deployment, id: 'DEP-20261125-002'}, samples: series(12, 5 * MIN)};
		const empty: RecordedRun = {deployment: {...halted.deployment, id: 'DEP-20261125-003', sampleCount: 0}, samples: []};
		const record = trackRecord(halted.deployment.plan, 'checkout', [empty, clean, halted, halted]);
		expect(record.line).toBe('this plan against the last 4 deployments of checkout: 1 complete, 2 halted at 25% on TES, 1 without samples');
		expect(record).toMatchObject({completed: 1, halted: 2, unfinished: 0, unsampled: 1});
		expect(record.runs.map(r => r.deploymentId)).toEqual(['DEP-20261125-003', 'DEP-20261125-002', halted.deployment.id, halted.deployment.id]);
		expect(trackRecord(DEFAULT_PLAN, 'checkout', []).line).toBe('this plan has no past deployment of checkout to be replayed against');
		const lenient = replayPlan(DEFAULT_PLAN, {thresholds: {tesDelta: {warning: -8, critical: -10}}});
		expect(trackRecord(lenient, 'checkout', [halted]).line).toMatch(/^this plan against the last deployment of checkout: 1 (complete|unfinished at \d+%)$/);
	});
});
