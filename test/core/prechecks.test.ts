import {describe, expect, it} from 'vitest';
import {iso, ms, riskOf, runPrechecks, type TargetReading} from '../../src/core/index.js';
import {FROM, Fixture, SERVICE, TO} from './helpers.js';

const start = (f: Fixture, leaseId: string) => f.refuse(f.startCmd(leaseId));

/** The pre-checks of a signed lease against a given reading of the target (or none). */
const checksWith = (f: Fixture, leaseId: string, reading: TargetReading | undefined) => {
	const lease = f.lease(leaseId);
	const intent = f.intentOf(lease.intentId);
	return runPrechecks(f.state, lease, intent, {reading, now: f.clock.now(), risk: riskOf(f.state, intent, f.clock.now()), trust: f.trust});
};

/** A router's reading: weights, no versions, no load. */
const routerReading = (f: Fixture, percent = 0): TargetReading => ({
	kind: 'haproxy',
	split: {percent, stable: {weight: 100 - percent}, canary: {weight: percent}},
	at: iso(f.clock.now()),
});

describe('pre-checks (stage 0)', () => {
	it('runs nine checks on the reading of the target and says what each found', () => {
		const f = new Fixture();
		const leaseId = f.signedLease();
		const intent = f.intentOf(f.lease(leaseId).intentId);
		const {ok, checks} = checksWith(f, leaseId, f.reading());
		expect(ok).toBe(true);
		expect(checks).toEqual([
			{name: 'intent status', ok: true, detail: `${intent.id} is leased`},
			{name: 'service free', ok: true, detail: `no other deployment is live on ${SERVICE}`},
			{name: 'resource load', ok: true, detail: 'load 42% < 85%'},
			{name: 'lease verified', ok: true, detail: 'two keys verified: human:alice, agent:ci-bot'},
			{name: 'risk within policy', ok: true, detail: 'risk low (15) within policy'},
			{name: 'plan fits risk', ok: true, detail: 'the plan meets what low risk demands (nothing beyond the two keys)'},
			{name: 'configuration recorded', ok: true, detail: 'the configuration is as the audit trail last recorded it'},
			{name: 'target version', ok: true, detail: `target runs ${FROM}`},
			{name: 'target at rest', ok: true, detail: 'the canary side gets no traffic'},
		]);
	});

	it('fails the target\'s checks without a reading: the engine reads no target itself', () => {
		const f = new Fixture();
		const leaseId = f.signedLease();
		const {ok, checks} = checksWith(f, leaseId, undefined);
		expect(ok).toBe(false);
		// One detail for all three, saying the target is not read (the console replaces it while it reads).
		const unread = checks.find(c => c.name === 'resource load')!.detail;
		expect(unread).toMatch(/reading the target|not been read/);
		expect(checks.filter(c => !c.ok)).toEqual([
			{name: 'resource load', ok: false, detail: unread},
			{name: 'target version', ok: false, detail: unread},
			{name: 'target at rest', ok: false, detail: unread},
		]);
		// The same eight checks either way: a screen that showed them reviews the same list.
		expect(checks.map(c => c.name)).toEqual(checksWith(f, leaseId, f.reading()).checks.map(c => c.name));
	});

	it('passes the load check, saying it was not checked, when the target reports no load', () => {
		const f = new Fixture({load: 97});
		const leaseId = f.signedLease();
		const {ok, checks} = checksWith(f, leaseId, routerReading(f));
		expect(ok).toBe(true);
		expect(checks.find(c => c.name === 'resource load')).toEqual({name: 'resource load', ok: true, detail: 'the haproxy target reports no load: not checked'});
		// A reported load is held to the limit whatever the target's kind.
		expect(checksWith(f, leaseId, {...routerReading(f), load: 85}).checks.find(c => c.name === 'resource load')).toEqual({name: 'resource load', ok: false, detail: 'load 85% ≥ 85%'});
	});

	it('checks the version only where the split reports versions', () => {
		const f = new Fixture();
		const leaseId = f.signedLease();
		expect(checksWith(f, leaseId, routerReading(f)).checks.find(c => c.name === 'target version')).toEqual({
			name: 'target version',
			ok: true,
			detail: `the haproxy target reports no versions: the intent says ${FROM}`,
		});
		const other = {...routerReading(f), split: {percent: 0, stable: {weight: 100, version: '1.3.9'}, canary: {weight: 0}}};
		expect(checksWith(f, leaseId, other).checks.find(c => c.name === 'target version')).toEqual({
			name: 'target version',
			ok: false,
			detail: `target runs 1.3.9, the intent expects ${FROM}`,
		});
	});

	it('needs the target at rest: a canary share already in force refuses the start (the snapshot would not be the service before the change)', () => {
		const f = new Fixture();
		const leaseId = f.signedLease();
		expect(checksWith(f, leaseId, routerReading(f, 12.5)).checks.filter(c => !c.ok)).toEqual([
			{name: 'target at rest', ok: false, detail: 'the target sends 12.5% to the canary side already: finish or undo that first'},
		]);
		// Through the engine, on a simulated fleet left at 10% by someone else.
		f.fleet.apply(SERVICE, {percent: 10, step: 'tier', versions: {stable: FROM, canary: TO}});
		const error = start(f, leaseId);
		expect(error.reasons).toEqual([
			{code: 'TARGET_VERSION', message: `target runs a split of two versions, the intent expects ${FROM}`},
			{code: 'TARGET_AT_REST', message: 'the target sends 10% to the canary side already: finish or undo that first'},
		]);
		expect(f.state.deployments).toEqual([]);
	});

	it('records the passed checks when the canary starts', () => {
		const f = new Fixture();
		const id = f.canary();
		const passed = f.events.find(e => e.kind === 'canary.prechecks_passed')!;
		expect(passed.subject).toBe(id);
		expect((passed.data.checks as Array<{ok: boolean}>).map(c => c.ok)).toEqual([true, true, true, true, true, true, true, true, true]);
		// The snapshot says when the target was read.
		expect(f.events.find(e => e.kind === 'rollback.pack_created')!.data).toMatchObject({readAt: f.dep(id).createdAt});
	});

	it.each([
		[84.9, true],
		[85, false],
		[97, false],
	])('needs resource load below 85%%: %d%% passes: %s', (load, ok) => {
		const f = new Fixture({load});
		const leaseId = f.signedLease();
		if (ok) {
			expect(f.start(leaseId)).toMatch(/^DEP-/);
			return;
		}
		expect(start(f, leaseId).reasons).toEqual([{code: 'RESOURCE_LOAD', message: `load ${load}% ≥ 85%`}]);
	});

	it('reads the load limit from the config', () => {
		const f = new Fixture({load: 90, config: {maxResourceLoad: 95}});
		expect(f.canary()).toMatch(/^DEP-/);
	});

	it('needs the target to run the from-version', () => {
		const f = new Fixture();
		const leaseId = f.signedLease();
		f.fleet.addService(SERVICE, '1.3.9');
		const error = start(f, leaseId);
		expect(error.reasons).toEqual([{code: 'TARGET_VERSION', message: `target runs 1.3.9, the intent expects ${FROM}`}]);
	});

	it('needs the intent approved and leased under this lease: an older lease cannot start a second deployment', () => {
		const f = new Fixture().registerKeys();
		const intentId = f.intent();
		const first = f.issue(intentId);
		f.sign(first, 'human', 'agent');
		const second = f.issue(intentId);
		f.sign(second, 'human', 'agent');
		f.start(second);
		const error = start(f, first);
		expect(error.reasons.map(r => r.code)).toEqual(expect.arrayContaining(['INTENT_STATUS', 'SERVICE_FREE']));
		expect(JSON.stringify(error.reasons)).toContain('VOIDED');
		expect(error.reasons.find(r => r.code === 'INTENT_STATUS')!.message).toBe(`${intentId} is deploying, not approved pending human`);
	});

	it('needs the risk within policy at the time of the start', () => {
		const f = new Fixture();
		const leaseId = f.signedLease();
		f.run({type: 'config.set', actor: 'human:alice', config: {...f.state.config, risk: {...f.state.config.risk, maxScore: 10}}});
		expect(start(f, leaseId).reasons).toEqual([{code: 'RISK_WITHIN_POLICY', message: 'risk 15 exceeds the policy maximum 10'}]);
	});

	it('names every failing check at once, not just the first', () => {
		const f = new Fixture({load: 90});
		const leaseId = f.signedLease();
		f.fleet.addService(SERVICE, '1.3.9', {load: 90});
		f.run({type: 'config.set', actor: 'human:alice', config: {...f.state.config, risk: {...f.state.config.risk, maxScore: 10}}});
		f.clock.set(ms(f.lease(leaseId).expiresAt));
		const error = start(f, leaseId);
		expect(error).toMatchObject({kind: 'refused', code: 'PRECHECK_FAILED'});
		expect(error.reasons.map(r => r.code)).toEqual(['RESOURCE_LOAD', 'LEASE_VERIFIED', 'RISK_WITHIN_POLICY', 'TARGET_VERSION']);
		for (const name of ['resource load', 'lease verified', 'risk within policy', 'target version']) expect(error.message).toContain(name);
		expect(error.message).not.toContain('intent status');
		// The refusal is worth an audit line: the store records it with every check's result.
		expect(error.audit).toMatchObject({kind: 'canary.start_refused', subject: leaseId, actor: 'human:alice', reason: error.message});
		expect((error.audit!.data.checks as Array<{name: string; ok: boolean}>).map(c => c.ok)).toEqual([true, true, false, false, false, true, true, false, true]);
		expect(f.fleetOf().canary).toBeNull();
	});

	it('refuses a second canary on a service that already has a live one, whatever the intent', () => {
		const f = new Fixture().registerKeys();
		const first = f.canary();
		const other = f.intent();
		const leaseId = f.issue(other);
		f.sign(leaseId, 'human', 'agent');
		const error = start(f, leaseId);
		// The live canary's traffic also fails the target's checks: the reading shows its split.
		expect(error.reasons).toEqual([
			{code: 'SERVICE_FREE', message: `${first} is running on ${SERVICE}: finish, roll back or repair it first`},
			{code: 'TARGET_VERSION', message: `target runs a split of two versions, the intent expects ${FROM}`},
			{code: 'TARGET_AT_REST', message: 'the target sends 5% to the canary side already: finish or undo that first'},
		]);
	});
});

describe('the target reading a start carries', () => {
	const startWith = (f: Fixture, leaseId: string, reading: unknown) =>
		f.refuse({type: 'canary.start', actor: 'human:alice', leaseId, reading: reading as TargetReading});

	it('snapshots the reading: the rollback pack holds the split read, and the deployment the target\'s kind', () => {
		const f = new Fixture();
		const leaseId = f.signedLease();
		const reading = f.reading();
		const id = f.run<{id: string}>({type: 'canary.start', actor: 'human:alice', leaseId, reading}).id;
		expect(f.dep(id).pack.snapshot).toEqual(reading.split);
		expect(f.dep(id).target).toBe('simulated');
		expect(f.events.find(e => e.kind === 'canary.started')!.data).toMatchObject({target: 'simulated'});
	});

	it.each([
		['one minute and one second old', -61_000, 'the target was read 61 s ago: a snapshot must be at most 60 s old; read it again'],
		['dated ahead of the engine\'s clock', 61_000, 'the target reading is dated 61 s ahead of the engine\'s clock: a snapshot must be at most 60 s old; read it again'],
	])('refuses a reading %s (STALE_READING)', (_name, offset, message) => {
		const f = new Fixture();
		const leaseId = f.signedLease();
		const error = startWith(f, leaseId, {...f.reading(), at: iso(f.clock.now() + offset)});
		expect(error).toMatchObject({kind: 'refused', code: 'STALE_READING', message});
		expect(f.lease(leaseId).consumedAt).toBeUndefined();
	});

	it('refuses a reading of another kind of target than the service runs on (WRONG_TARGET)', () => {
		const f = new Fixture();
		const leaseId = f.signedLease();
		const error = startWith(f, leaseId, {...f.reading(), kind: 'haproxy'});
		expect(error).toMatchObject({kind: 'refused', code: 'WRONG_TARGET', message: `the reading is of a haproxy target, but ${SERVICE} runs on simulated: read its own target`});
		expect(f.state.deployments).toEqual([]);
	});

	it('takes a reading exactly 60 s old', () => {
		const f = new Fixture();
		const leaseId = f.signedLease();
		const reading = f.reading();
		f.clock.advance(60_000);
		expect(f.run({type: 'canary.start', actor: 'human:alice', leaseId, reading})).toMatchObject({status: 'running'});
	});

	it('without a reading, refuses with every pre-check that fails, the target\'s unread ones among them', () => {
		const f = new Fixture();
		const leaseId = f.signedLease();
		const error = startWith(f, leaseId, undefined);
		expect(error).toMatchObject({kind: 'refused', code: 'PRECHECK_FAILED'});
		expect(error.reasons.map(r => r.code)).toEqual(['RESOURCE_LOAD', 'TARGET_VERSION', 'TARGET_AT_REST']);
		expect(f.state.deployments).toEqual([]);
	});

	it('says how to get a reading when a malformed one is sent', () => {
		const f = new Fixture();
		const leaseId = f.signedLease();
		expect(startWith(f, leaseId, null).message).toBe('reading.(all): Invalid input: expected object, received null (read the target first: calyx canary start reads it for you)');
	});

	it.each([
		['an unknown kind of target', {kind: 'kubernetes'}, /^reading\.kind: /],
		['a share above 100%', {split: {percent: 101, stable: {}, canary: {}}}, /^reading\.split\.percent: /],
		['a negative weight', {split: {percent: 5, stable: {weight: -1}, canary: {weight: 5}}}, /^reading\.split\.stable\.weight: /],
		['a negative load', {load: -1}, /^reading\.load: /],
		['a time that is not one', {at: 'just now'}, /^reading\.at: /],
		['a field it does not know', {extra: true}, /^reading\.\(all\): Unrecognized key: "extra"/],
		['a version with a terminal escape', {split: {percent: 0, stable: {weight: 100, version: '1.4.0\u001b[2J'}, canary: {weight: 0}}}, /^reading\.split\.stable\.version: contains a control character \(\\x1b at character 6\)/],
	])('refuses %s (INVALID_READING), naming the field', (_name, change, message) => {
		const f = new Fixture();
		const leaseId = f.signedLease();
		const reading = change === undefined ? undefined : {...f.reading(), ...change};
		const error = startWith(f, leaseId, reading);
		expect(error).toMatchObject({kind: 'invalid', code: 'INVALID_READING'});
		expect(error.message).toMatch(message);
		expect(error.message).not.toMatch(/[\u0000-\u001f\u007f-\u009f]/);
	});
});
