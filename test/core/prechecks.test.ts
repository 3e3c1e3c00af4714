import {describe, expect, it} from 'vitest';
import {ms, riskOf, runPrechecks} from '../../src/core/index.js';
import {FROM, Fixture, SERVICE} from './helpers.js';

const start = (f: Fixture, leaseId: string) => f.refuse(f.startCmd(leaseId));

describe('pre-checks (stage 0)', () => {
	it('runs six checks and says what each found', () => {
		const f = new Fixture();
		const leaseId = f.signedLease();
		const lease = f.lease(leaseId);
		const intent = f.intentOf(lease.intentId);
		const {ok, checks} = runPrechecks(f.state, lease, intent, {target: f.target, now: f.clock.now(), risk: riskOf(f.state, intent, f.clock.now()), trust: f.trust});
		expect(ok).toBe(true);
		expect(checks).toEqual([
			{name: 'intent status', ok: true, detail: `${intent.id} is leased`},
			{name: 'service free', ok: true, detail: `no other deployment is live on ${SERVICE}`},
			{name: 'resource load', ok: true, detail: 'load 42% < 85%'},
			{name: 'lease verified', ok: true, detail: 'two keys verified: human:alice, agent:ci-bot'},
			{name: 'risk within policy', ok: true, detail: 'risk low (15) within policy'},
			{name: 'target version', ok: true, detail: `target runs ${FROM}`},
		]);
	});

	it('records the passed checks when the canary starts', () => {
		const f = new Fixture();
		const id = f.canary();
		const passed = f.events.find(e => e.kind === 'canary.prechecks_passed')!;
		expect(passed.subject).toBe(id);
		expect((passed.data.checks as Array<{ok: boolean}>).map(c => c.ok)).toEqual([true, true, true, true, true, true]);
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
		f.target.addService(SERVICE, '1.3.9');
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
		f.target.addService(SERVICE, '1.3.9', {load: 90});
		f.run({type: 'config.set', actor: 'human:alice', config: {...f.state.config, risk: {...f.state.config.risk, maxScore: 10}}});
		f.clock.set(ms(f.lease(leaseId).expiresAt));
		const error = start(f, leaseId);
		expect(error).toMatchObject({kind: 'refused', code: 'PRECHECK_FAILED'});
		expect(error.reasons.map(r => r.code)).toEqual(['RESOURCE_LOAD', 'LEASE_VERIFIED', 'RISK_WITHIN_POLICY', 'TARGET_VERSION']);
		for (const name of ['resource load', 'lease verified', 'risk within policy', 'target version']) expect(error.message).toContain(name);
		expect(error.message).not.toContain('intent status');
		// The refusal is worth an audit line: the store records it with every check's result.
		expect(error.audit).toMatchObject({kind: 'canary.start_refused', subject: leaseId, actor: 'human:alice', reason: error.message});
		expect((error.audit!.data.checks as Array<{name: string; ok: boolean}>).map(c => c.ok)).toEqual([true, true, false, false, false, false]);
		expect(f.target.world.services[SERVICE]!.fleet.canary).toBeNull();
	});

	it('refuses a second canary on a service that already has a live one, whatever the intent', () => {
		const f = new Fixture().registerKeys();
		const first = f.canary();
		const other = f.intent();
		const leaseId = f.issue(other);
		f.sign(leaseId, 'human', 'agent');
		const error = start(f, leaseId);
		expect(error.reasons).toEqual([{code: 'SERVICE_FREE', message: `${first} is running on ${SERVICE}: finish, roll back or repair it first`}]);
	});
});
