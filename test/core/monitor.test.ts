import {describe, expect, it} from 'vitest';
import {DEFAULT_THRESHOLDS, DEFAULT_PLAN, evaluateSample, levelOf, type MetricName} from '../../src/core/index.js';
import {CLEAN, CRIT, Fixture, WARN} from './helpers.js';

describe('auto-halt monitor: evaluating one sample', () => {
	it('defaults to the guide\'s bands', () => {
		expect(DEFAULT_THRESHOLDS).toEqual({
			tesDelta: {warning: -2, critical: -5},
			errorRate: {warning: 1, critical: 2},
			cpu: {warning: 110, critical: 120},
			memory: {warning: 90, critical: 95},
		});
	});

	it('says "CRITICAL: TES drop > 5%" for a TES delta of -6.0 and recommends a halt', () => {
		const e = evaluateSample({tesDelta: -6.0}, DEFAULT_THRESHOLDS);
		expect(e.level).toBe('critical');
		expect(e.verdict).toBe('HALT');
		expect(e.reasons).toEqual(['CRITICAL: TES drop > 5%']);
		expect(e.recommendation).toBe('HALT deployment and initiate rollback');
		expect(e.readings[0]!.detail).toBe('TES -6% (warning < -2%, critical < -5%)');
	});

	it('says what a warning is and recommends holding promotion', () => {
		const e = evaluateSample({errorRate: 1.5}, DEFAULT_THRESHOLDS);
		expect(e).toMatchObject({level: 'warning', verdict: 'WARNING', reasons: ['WARNING: error rate > 1%']});
		expect(e.recommendation).toBe('HOLD promotion until a clean window of samples');
	});

	it('passes a clean sample with no reasons', () => {
		const e = evaluateSample(CLEAN, DEFAULT_THRESHOLDS);
		expect(e).toMatchObject({level: 'ok', verdict: 'OK', reasons: [], recommendation: 'PROCEED: within thresholds'});
		expect(e.readings.map(r => r.metric)).toEqual(['tesDelta', 'errorRate', 'cpu', 'memory']);
	});

	// Each band's edge belongs to the milder side: exactly -5 is a warning, exactly -2 is ok.
	const edges: Array<[MetricName, number, 'ok' | 'warning' | 'critical']> = [
		['tesDelta', -1.99, 'ok'],
		['tesDelta', -2, 'ok'],
		['tesDelta', -2.01, 'warning'],
		['tesDelta', -5, 'warning'],
		['tesDelta', -5.01, 'critical'],
		['errorRate', 1, 'ok'],
		['errorRate', 1.01, 'warning'],
		['errorRate', 2, 'warning'],
		['errorRate', 2.01, 'critical'],
		['cpu', 110, 'ok'],
		['cpu', 110.5, 'warning'],
		['cpu', 120, 'warning'],
		['cpu', 120.01, 'critical'],
		['memory', 90, 'ok'],
		['memory', 90.1, 'warning'],
		['memory', 95, 'warning'],
		['memory', 95.1, 'critical'],
	];
	it.each(edges)('%s %d is %s', (metric, value, level) => {
		expect(levelOf(metric, value, DEFAULT_THRESHOLDS)).toBe(level);
		expect(evaluateSample({[metric]: value}, DEFAULT_THRESHOLDS).level).toBe(level);
	});

	it('words every metric\'s breach in the operator\'s terms', () => {
		const e = evaluateSample({tesDelta: -3, errorRate: 2.5, cpu: 121, memory: 91}, DEFAULT_THRESHOLDS);
		expect(e.level).toBe('critical');
		// Most serious first, so the first line is why it halts.
		expect(e.reasons).toEqual(['CRITICAL: error rate > 2%', 'CRITICAL: CPU > 120%', 'WARNING: TES drop > 2%', 'WARNING: memory > 90%']);
	});

	it('uses the thresholds it is given, not the defaults', () => {
		const strict = {...DEFAULT_THRESHOLDS, tesDelta: {warning: -0.5, critical: -1}};
		expect(evaluateSample({tesDelta: -1.5}, strict).reasons).toEqual(['CRITICAL: TES drop > 1%']);
		expect(evaluateSample({tesDelta: -1.5}, DEFAULT_THRESHOLDS).level).toBe('ok');
	});
});

describe('auto-halt monitor in the engine', () => {
	it('halts at once on a critical sample and rolls back (auto-rollback on by default)', () => {
		const f = new Fixture();
		const id = f.canary();
		const out = f.record(id, CRIT);
		// The sample halts and decides the rollback; the target's confirmation of the revert ends it.
		expect(out).toMatchObject({action: 'rolling_back', status: 'rolling_back'});
		const dep = f.dep(id);
		expect(dep.status).toBe('rolled_back');
		expect(dep.halt).toMatchObject({trigger: 'critical', reason: 'CRITICAL: TES drop > 5% (read -6%)'});
		expect(f.kinds(id).slice(-4)).toEqual(['deployment.halted', 'deployment.rolling_back', 'rollback.verified', 'deployment.rolled_back']);
	});

	it('holds promotion on a warning, showing why', () => {
		const f = new Fixture();
		const id = f.canary();
		expect(f.record(id, WARN)).toMatchObject({action: 'held', status: 'holding'});
		expect(f.dep(id).hold).toEqual({reason: expect.stringContaining('WARNING: TES drop > 2%'), since: f.dep(id).updatedAt});
	});

	it('holds, never passes, when the bake ends with too few samples', () => {
		const f = new Fixture();
		const id = f.canary();
		f.record(id, CLEAN);
		f.wait(DEFAULT_PLAN.bakeMs);
		expect(f.tick().actions[0]).toMatchObject({action: 'holding', percent: 5});
		expect(f.dep(id).hold?.reason).toBe('TES inconclusive: 1/3 samples');
	});

	const bad: Array<[string, Record<string, unknown>, RegExp]> = [
		['NaN', {tesDelta: Number.NaN}, /^tesDelta: /],
		['Infinity', {cpu: Number.POSITIVE_INFINITY}, /^cpu: /],
		['-Infinity', {tesDelta: Number.NEGATIVE_INFINITY}, /^tesDelta: /],
		['CPU above 1000%', {cpu: 4000}, /^cpu: cpu must be between 0 and 1000$/],
		['a negative error rate', {errorRate: -1}, /^errorRate: errorRate must be between 0 and 100$/],
		['memory above 100%', {memory: 100.5}, /^memory: memory must be between 0 and 100$/],
		['a TES delta below -100%', {tesDelta: -150}, /^tesDelta: tesDelta must be between -100 and 100$/],
		['a number given as text', {cpu: '50'}, /^cpu: /],
		['an unknown metric', {latency: 3}, /latency/],
		['no metric at all', {}, /a sample needs at least one of tesDelta, errorRate, cpu, memory/],
		['a malformed time', {tesDelta: 0, at: 'yesterday'}, /^at: /],
	];
	it.each(bad)('refuses %s without evaluating it or changing anything', (_name, sample, message) => {
		const f = new Fixture();
		const id = f.canary();
		const world = structuredClone(f.fleet.world);
		const error = f.refuse({type: 'metrics.record', actor: 'agent:ci-bot', id, sample: sample as never});
		expect(error).toMatchObject({kind: 'invalid', code: 'INVALID_SAMPLE'});
		expect(error.message).toMatch(message);
		expect(f.fleet.world).toEqual(world);
	});

	it('takes samples only while a canary runs', () => {
		const f = new Fixture();
		const id = f.canary();
		f.run({type: 'canary.halt', actor: 'human:alice', id, reason: 'looking into it'});
		const error = f.refuse({type: 'metrics.record', actor: 'agent:ci-bot', id, sample: CLEAN});
		expect(error).toMatchObject({kind: 'refused', code: 'NOT_ACTIVE'});
	});

	it('logs a back-dated sample but keeps it out of the current tier\'s window', () => {
		const f = new Fixture();
		const id = f.canary();
		f.clock.advance(60_000);
		f.record(id, {...CLEAN, at: '2026-11-25T09:30:00.000Z'});
		expect(f.dep(id)).toMatchObject({sampleCount: 1, window: []});
		expect(f.samples.at(-1)).toEqual({deploymentId: id, sample: {...CLEAN, at: '2026-11-25T09:30:00.000Z'}});
	});

	it('holds a -0 reading as 0, as JSON writes it: the recording process and every reader hold the same value', () => {
		const f = new Fixture();
		const id = f.canary();
		f.record(id, {...CLEAN, tesDelta: -0, cpu: -0});
		const held = f.dep(id).window.at(-1)!;
		expect([held.tesDelta, held.cpu].every(v => Object.is(v, 0))).toBe(true);
		expect(Object.is(f.samples.at(-1)!.sample.tesDelta, 0)).toBe(true);
		expect(held).toEqual(JSON.parse(JSON.stringify(held)));
	});

	it('refuses a sample whose time lies far from the engine clock, naming the allowed skew, and records nothing', () => {
		const f = new Fixture();
		const id = f.canary();
		for (const [at, how] of [
			['2026-11-25T10:02:00.000Z', '2m ahead of'],
			['2026-11-25T08:00:00.000Z', '2h behind'],
			['2001-01-01T00:00:00.000Z', 'behind'],
		] as const) {
			const error = f.refuse({type: 'metrics.record', actor: 'agent:ci-bot', id, sample: {...CLEAN, at}});
			expect(error).toMatchObject({kind: 'invalid', code: 'SAMPLE_SKEW'});
			expect(error.message).toContain(`at: ${at} is `);
			expect(error.message).toContain(how);
			expect(error.message).toContain('allowed: from 1h behind to 1m ahead');
		}
		expect(f.dep(id).sampleCount).toBe(0);
		// At the edges, taken.
		f.record(id, {...CLEAN, at: '2026-11-25T10:01:00.000Z'});
		f.record(id, {...CLEAN, at: '2026-11-25T09:00:00.000Z'});
		expect(f.dep(id).sampleCount).toBe(2);
	});

	it('takes its bands from config.set for leases issued afterwards', () => {
		const f = new Fixture();
		const thresholds = {...DEFAULT_THRESHOLDS, errorRate: {warning: 0.5, critical: 0.8}};
		f.run({type: 'config.set', actor: 'human:alice', config: {...f.state.config, plan: {...f.state.config.plan, thresholds}}});
		const id = f.canary();
		expect(f.dep(id).plan.thresholds).toEqual(thresholds);
		f.record(id, {...CLEAN, errorRate: 0.9});
		expect(f.dep(id).halt?.reason).toBe('CRITICAL: error rate > 0.8% (read 0.9%)');
	});

	it('takes its bands from the lease plan, which config.set cannot change afterwards', () => {
		const f = new Fixture();
		const thresholds = {...DEFAULT_THRESHOLDS, cpu: {warning: 70, critical: 80}};
		const id = f.canary({plan: {thresholds}});
		f.run({type: 'config.set', actor: 'human:alice', config: structuredClone(f.state.config)});
		expect(f.record(id, {...CLEAN, cpu: 75})).toMatchObject({action: 'held'});
		expect(f.dep(id).hold?.reason).toContain('WARNING: CPU > 70%');
	});

	it('refuses bands in the wrong order, naming the field', () => {
		const f = new Fixture();
		const thresholds = {...DEFAULT_THRESHOLDS, tesDelta: {warning: -5, critical: -2}};
		const error = f.refuse({type: 'config.set', actor: 'human:alice', config: {...f.state.config, plan: {...f.state.config.plan, thresholds}}});
		expect(error).toMatchObject({kind: 'invalid', code: 'INVALID_CONFIG'});
		expect(error.message).toBe('config.plan.thresholds.tesDelta: tesDelta: critical (-2) must be below warning (-5)');
		f.registerKeys();
		const lease = f.refuse({type: 'lease.issue', actor: 'human:alice', intentId: f.intent(), plan: {thresholds}});
		expect(lease).toMatchObject({kind: 'invalid', code: 'INVALID_PLAN'});
		expect(lease.message).toMatch(/^plan\.thresholds\.tesDelta: /);
	});
});
