import {describe, expect, it} from 'vitest';
import {iso, leaseStatus, verifyLease} from '../../src/core/index.js';
import {BAKE, CLEAN, Fixture, MIN, WARN} from './helpers.js';

describe('progress deadline: a tier that stops moving halts, saying why', () => {
	it('halts (never rolls back) a deployment held past its bake plus the deadline', () => {
		const f = new Fixture();
		const id = f.canary({plan: {progressDeadlineMs: 10 * MIN}});
		f.record(id, WARN);
		f.wait(BAKE + 10 * MIN);
		// At the deadline exactly it still holds; past it, it halts.
		expect(f.tick().actions[0]).toMatchObject({action: 'holding'});
		f.wait(1000);
		const action = f.tick().actions[0]!;
		expect(action).toMatchObject({action: 'halted', percent: 5});
		expect(f.dep(id)).toMatchObject({status: 'halted', halt: {trigger: 'deadline'}});
		expect(f.dep(id).halt!.reason).toMatch(/^no progress at 5% for 25m 1s \(bake 15m \+ deadline 10m\): gate holding: /);
		expect(f.events.find(e => e.kind === 'deployment.halted')).toMatchObject({subject: id, data: {trigger: 'deadline'}});
	});

	it('names a target that never confirmed', () => {
		const f = new Fixture({manualTarget: true});
		const id = f.canary({plan: {progressDeadlineMs: MIN}});
		f.reconcile();
		f.bake(id);
		f.run({type: 'tick', actor: 'engine'});
		// Promoted to 25%, which the target never confirms.
		expect(f.dep(id).desired.percent).toBe(25);
		f.clock.advance(BAKE + MIN + 1000);
		f.run({type: 'tick', actor: 'engine'});
		expect(f.dep(id).halt!.reason).toContain('the simulated target never confirmed 25%');
	});

	it('does not count time waiting for people, and a plan without a deadline never halts for it', () => {
		const f = new Fixture();
		const manual = f.canary({plan: {autoPromote: false, progressDeadlineMs: MIN}});
		f.bake(manual);
		f.tick();
		f.wait(BAKE * 4);
		f.tick();
		expect(f.dep(manual).status).toBe('awaiting_promotion');
		const g = new Fixture();
		const plain = g.canary();
		g.record(plain, WARN);
		g.wait(BAKE * 4);
		g.tick();
		expect(g.dep(plain).status).toBe('holding');
	});

	it('a deployment that promotes in time starts the deadline anew at each tier', () => {
		const f = new Fixture();
		const id = f.canary({plan: {progressDeadlineMs: MIN}});
		for (const percent of [25, 100]) {
			f.bake(id, CLEAN);
			expect(f.tick().actions[0]).toMatchObject({action: 'promoted', percent});
		}
		expect(f.events.some(e => e.kind === 'deployment.halted')).toBe(false);
	});
});

describe('approval deadline: the second key must come within the deadline of the first', () => {
	it('a lease with one key lapses at the deadline: refused to sign or start, and recorded once as lease.expired', () => {
		const f = new Fixture().registerKeys();
		const leaseId = f.issue(f.intent());
		f.run(f.cosignCmd(leaseId, 'human'));
		const by = f.clock.now() + f.state.config.approvalDeadlineMs;
		expect(f.lease(leaseId).secondKeyBy).toBe(iso(by));
		f.clock.set(by);
		const late = f.refuse(f.cosignCmd(leaseId, 'agent'));
		expect([late.code, late.message]).toEqual(['APPROVAL_DEADLINE', expect.stringContaining(`the second key did not sign by ${iso(by)} (human:alice signed at `)]);
		expect(leaseStatus(f.lease(leaseId), f.clock.now())).toBe('expired');
		f.tick();
		f.tick();
		expect(f.events.filter(e => e.kind === 'lease.expired')).toEqual([expect.objectContaining({subject: leaseId, data: {intentId: f.lease(leaseId).intentId, signers: ['human:alice']}})]);
		expect(f.lease(leaseId).lapsedAt).toBe(iso(by));
	});

	it('in time, the second key activates the lease; the deadline never reaches past the lease\'s own expiry', () => {
		const f = new Fixture({config: {approvalDeadlineMs: 2 * 3_600_000}}).registerKeys();
		const leaseId = f.issue(f.intent());
		f.run(f.cosignCmd(leaseId, 'human'));
		expect(f.lease(leaseId).secondKeyBy).toBe(f.lease(leaseId).expiresAt);
		f.wait(10 * MIN);
		f.run(f.cosignCmd(leaseId, 'agent'));
		expect(verifyLease(f.state, f.trust, f.lease(leaseId), f.clock.now()).ok).toBe(true);
		// An unsigned lease lapses at its TTL, once.
		const other = f.issue(f.intent({toVersion: '1.6.0'}));
		f.clock.set(f.lease(other).expiresAt);
		f.tick();
		expect(f.events.filter(e => e.kind === 'lease.expired').map(e => e.subject)).toEqual(expect.arrayContaining([other]));
	});
});
