import {describe, expect, it} from 'vitest';
import {DEFAULT_CONFIG, ms, riskLevel, riskOf, riskWithinPolicy, scoreRisk, verifyLease, type Criticality} from '../../src/core/index.js';
import {CRIT, Fixture, withEdited} from './helpers.js';

const policy = DEFAULT_CONFIG.risk;
const WEDNESDAY_10 = ms('2026-11-25T10:00:00Z');
const small = {files: 1, lines: 10, criticality: 'low' as Criticality};
const score = (intent: Partial<typeof small> = {}, now = WEDNESDAY_10, recentRollbacks = 0, p = policy) =>
	scoreRisk({...small, ...intent}, {now, recentRollbacks, policy: p});
const points = (name: string, risk: ReturnType<typeof score>) => risk.factors.find(f => f.name === name)!.points;

describe('risk score (CP15)', () => {
	it('names the four factors that produced it', () => {
		const r = score();
		expect(r).toMatchObject({score: 0, level: 'low'});
		expect(r.factors).toEqual([
			{name: 'change size', points: 0, detail: '10 lines in 1 files'},
			{name: 'criticality', points: 0, detail: 'low-criticality service'},
			{name: 'deploy window', points: 0, detail: 'weekday, working hours (10:00 UTC)'},
			{name: 'recent rollbacks', points: 0, detail: '0 of this service in the last 7 days'},
		]);
	});

	it.each([
		[{lines: 49}, 0],
		[{lines: 50}, 8],
		[{lines: 200}, 15],
		[{lines: 500}, 25],
		[{lines: 1000}, 35],
		[{files: 20}, 5],
		[{files: 50}, 10],
		[{lines: 1000, files: 50}, 45],
	])('scores change size %j as %d points', (size, expected) => {
		expect(points('change size', score(size))).toBe(expected);
	});

	it.each([
		['low', 0],
		['medium', 15],
		['high', 30],
	] as const)('scores a %s-criticality service %d points', (criticality, expected) => {
		expect(points('criticality', score({criticality}))).toBe(expected);
	});

	it.each([
		['2026-11-25T10:00:00Z', 0, 'weekday, working hours (10:00 UTC)'],
		['2026-11-25T21:59:59Z', 0, 'weekday, working hours (21:00 UTC)'],
		['2026-11-25T22:00:00Z', 15, 'weekday, night (22:00 UTC)'],
		['2026-11-26T05:59:59Z', 15, 'weekday, night (05:00 UTC)'],
		['2026-11-26T06:00:00Z', 0, 'weekday, working hours (06:00 UTC)'],
		['2026-11-28T10:00:00Z', 15, 'weekend, working hours (10:00 UTC)'],
		['2026-11-29T23:30:00Z', 30, 'weekend, night (23:00 UTC)'],
	])('scores the deploy window at %s as %d points', (at, expected, detail) => {
		expect(score({}, ms(at)).factors[2]).toEqual({name: 'deploy window', points: expected, detail});
	});

	it('reads the window in the configured IANA time zone, daylight saving included, and names it', () => {
		const berlin = (at: string) => scoreRisk(small, {now: ms(at), recentRollbacks: 0, policy, timeZone: 'Europe/Berlin'}).factors[2];
		// 21:30 UTC is 22:30 in Berlin in winter (night), 23:30 in summer.
		expect(berlin('2026-11-25T21:30:00Z')).toEqual({name: 'deploy window', points: 15, detail: 'weekday, night (22:00 Europe/Berlin)'});
		expect(berlin('2026-07-01T20:30:00Z')).toEqual({name: 'deploy window', points: 15, detail: 'weekday, night (22:00 Europe/Berlin)'});
		expect(berlin('2026-11-25T20:30:00Z')).toEqual({name: 'deploy window', points: 0, detail: 'weekday, working hours (21:00 Europe/Berlin)'});
		// Friday 23:30 UTC is Saturday 00:30 in Berlin: the weekend has begun there.
		expect(berlin('2026-11-27T23:30:00Z')).toEqual({name: 'deploy window', points: 30, detail: 'weekend, night (00:00 Europe/Berlin)'});
		// The zone wins over the fixed offset.
		expect(scoreRisk(small, {now: ms('2026-11-25T21:30:00Z'), recentRollbacks: 0, policy: {...policy, utcOffsetMinutes: -300}, timeZone: 'Europe/Berlin'}).factors[2]!.points).toBe(15);
	});

	it('takes the time zone from the config, and refuses one the system does not know, naming the field', () => {
		const f = new Fixture({start: '2026-11-25T21:30:00Z'}).registerKeys();
		expect(riskOf(f.state, f.intentOf(f.intent(small)), f.clock.now()).factors[2]!.detail).toBe('weekday, working hours (21:00 UTC)');
		f.run({type: 'config.set', actor: 'human:alice', config: {...f.state.config, timeZone: 'Europe/Berlin'}});
		expect(riskOf(f.state, f.intentOf(f.intent(small)), f.clock.now()).factors[2]!.detail).toBe('weekday, night (22:00 Europe/Berlin)');
		const error = f.refuse({type: 'config.set', actor: 'human:alice', config: {...f.state.config, timeZone: 'Mars/Olympus'}});
		expect([error.code, error.message]).toEqual(['INVALID_CONFIG', 'config.timeZone: must be an IANA time zone this system knows, e.g. Europe/Berlin, America/New_York, UTC']);
	});

	it('reads the window on the operators\' clock, not UTC', () => {
		// 20:00 UTC is 23:00 at UTC+3: night there.
		expect(points('deploy window', score({}, ms('2026-11-25T20:00:00Z'), 0, {...policy, utcOffsetMinutes: 180}))).toBe(15);
		// Friday 23:00 UTC is Saturday 01:00 at UTC+2: weekend and night.
		expect(points('deploy window', score({}, ms('2026-11-27T23:00:00Z'), 0, {...policy, utcOffsetMinutes: 120}))).toBe(30);
	});

	it('handles a night that does not cross midnight', () => {
		const p = {...policy, nightStartHour: 1, nightEndHour: 5};
		expect(points('deploy window', score({}, ms('2026-11-25T03:00:00Z'), 0, p))).toBe(15);
		expect(points('deploy window', score({}, ms('2026-11-25T23:00:00Z'), 0, p))).toBe(0);
	});

	it.each([
		[1, 10],
		[2, 20],
		[5, 20],
	])('scores %d recent rollbacks of the service %d points', (n, expected) => {
		expect(points('recent rollbacks', score({}, WEDNESDAY_10, n))).toBe(expected);
	});

	it('caps the score at 100', () => {
		const r = score({lines: 5000, files: 99, criticality: 'high'}, ms('2026-11-28T23:00:00Z'), 3);
		expect(r.factors.reduce((s, f) => s + f.points, 0)).toBe(125);
		expect(r).toMatchObject({score: 100, level: 'high'});
	});

	it.each([
		[0, 'low'],
		[29, 'low'],
		[30, 'medium'],
		[59, 'medium'],
		[60, 'high'],
		[100, 'high'],
	] as const)('levels %d as %s', (n, level) => {
		expect(riskLevel(n)).toBe(level);
	});
});

describe('risk policy', () => {
	const high = score({lines: 1000, files: 50, criticality: 'high'});

	it('refuses a high risk unless acknowledged', () => {
		expect(high).toMatchObject({score: 75, level: 'high'});
		expect(riskWithinPolicy(high, false, policy)).toEqual({ok: false, reason: 'risk is high (75): the lease must acknowledge it (--ack-risk)'});
		expect(riskWithinPolicy(high, true, policy)).toEqual({ok: true, reason: 'risk high (75) within policy, acknowledged'});
		expect(riskWithinPolicy(score({criticality: 'high'}), false, policy).ok).toBe(true);
	});

	it('refuses above the maximum score, acknowledged or not', () => {
		expect(riskWithinPolicy(high, true, {...policy, maxScore: 70})).toEqual({ok: false, reason: 'risk 75 exceeds the policy maximum 70'});
	});

	it('asks for acknowledgement from the configured level', () => {
		const medium = score({criticality: 'high'});
		expect(medium.level).toBe('medium');
		expect(riskWithinPolicy(medium, false, {...policy, ackRequiredAt: 'medium'}).ok).toBe(false);
	});
});

describe('risk in the engine', () => {
	const risky = {files: 50, lines: 1000, criticality: 'high' as const};

	it('refuses to issue a lease for a high-risk intent without acknowledgement', () => {
		const f = new Fixture().registerKeys();
		const intentId = f.intent(risky);
		const error = f.refuse({type: 'lease.issue', actor: 'human:alice', intentId});
		expect(error).toMatchObject({kind: 'refused', code: 'RISK_OVER_POLICY', message: 'risk is high (75): the lease must acknowledge it (--ack-risk)'});
	});

	it('does not wave a high risk through on the acknowledgement alone: the default plan is refused, naming each shortfall', () => {
		const f = new Fixture().registerKeys();
		const intentId = f.intent(risky);
		const error = f.refuse({type: 'lease.issue', actor: 'human:alice', intentId, ackRisk: true});
		expect(error).toMatchObject({kind: 'refused', code: 'PLAN_TOO_WEAK', message: 'risk high (75) demands a stronger plan: 100% must take two keys again (--tier-keys 100)'});
		const weaker = f.refuse({type: 'lease.issue', actor: 'human:alice', intentId, ackRisk: true, plan: {tiers: [10, 50, 100], bakeMs: 60_000, minSamples: 1}});
		expect(weaker.reasons.map(r => r.message)).toEqual([
			'first tier 10% is more than 5% (--tiers)',
			'bake 1m is less than 15m (--bake)',
			'1 samples per tier are fewer than 3 (--min-samples)',
			'100% must take two keys again (--tier-keys 100)',
		]);
	});

	it('reads the demands from the config, per level', () => {
		const plans = {...policy.plans, low: {maxFirstTier: 1, minBakeMs: 0, minSamples: 1}};
		const f = new Fixture({config: {risk: {...policy, plans}}}).registerKeys();
		const error = f.refuse({type: 'lease.issue', actor: 'human:alice', intentId: f.intent({files: 1, lines: 10, criticality: 'low'})});
		expect(error).toMatchObject({code: 'PLAN_TOO_WEAK', message: 'risk low (0) demands a stronger plan: first tier 5% is more than 1% (--tiers)'});
	});

	it('issues it with the acknowledgement and a plan as careful as its risk demands, which the lease records', () => {
		const f = new Fixture();
		const leaseId = f.signedLease({intent: risky, ackRisk: true, plan: {tierKeys: [100]}});
		expect(f.lease(leaseId).risk).toMatchObject({score: 75, level: 'high', acknowledged: true});
		expect(f.lease(leaseId).risk.factors).toHaveLength(4);
		expect(f.start(leaseId)).toMatch(/^DEP-/);
	});

	it('refuses above the configured maximum even when acknowledged', () => {
		const f = new Fixture({config: {risk: {...policy, maxScore: 70}}}).registerKeys();
		const error = f.refuse({type: 'lease.issue', actor: 'human:alice', intentId: f.intent(risky), ackRisk: true});
		expect(error).toMatchObject({code: 'RISK_OVER_POLICY', message: 'risk 75 exceeds the policy maximum 70'});
	});

	it('makes the acknowledgement part of what was signed: flipping it voids both signatures', () => {
		for (const [intent, ackRisk] of [[{}, false], [risky, true]] as const) {
			const f = new Fixture();
			const leaseId = f.signedLease({intent, ackRisk, plan: {tierKeys: [100]}});
			expect(verifyLease(f.state, f.trust, f.lease(leaseId), f.clock.now()).ok).toBe(true);
			f.state = withEdited(f.state, 'leases', leaseId, l => {
				l.risk.acknowledged = !l.risk.acknowledged;
			});
			const check = verifyLease(f.state, f.trust, f.lease(leaseId), f.clock.now());
			expect(check.reasons.map(r => r.code)).toEqual(['BAD_SIGNATURE', 'BAD_SIGNATURE', 'MISSING_HUMAN', 'MISSING_AGENT']);
			const error = f.refuse(f.startCmd(leaseId));
			expect(error.reasons.map(r => r.code)).toContain('LEASE_VERIFIED');
		}
	});

	it('counts recent rollbacks of the same service only, within the look-back', () => {
		const f = new Fixture();
		const id = f.canary();
		f.record(id, CRIT);
		expect(f.dep(id).status).toBe('rolled_back');
		const next = f.intentOf(f.intent());
		expect(riskOf(f.state, next, f.clock.now()).factors[3]).toMatchObject({points: 10, detail: '1 of this service in the last 7 days'});
		expect(riskOf(f.state, {...next, service: 'payments'}, f.clock.now()).factors[3]!.points).toBe(0);
		f.clock.advance(8 * 86_400_000);
		expect(riskOf(f.state, next, f.clock.now()).factors[3]!.points).toBe(0);
	});

	it('scores the risk again when the canary starts: a lease issued by day does not start at night unacknowledged', () => {
		const f = new Fixture({start: '2026-11-25T21:30:00Z'});
		const leaseId = f.signedLease({intent: {files: 20, lines: 500, criticality: 'medium'}});
		expect(f.lease(leaseId).risk).toMatchObject({score: 45, level: 'medium'});
		f.clock.set('2026-11-25T22:00:00Z');
		const error = f.refuse(f.startCmd(leaseId));
		expect(error.reasons).toEqual([
			{code: 'RISK_WITHIN_POLICY', message: 'risk is high (60): the lease must acknowledge it (--ack-risk)'},
			{code: 'PLAN_FITS_RISK', message: 'risk high (60) demands a stronger plan: 100% must take two keys again (--tier-keys 100)'},
		]);
	});
});
