import {describe, expect, it} from 'vitest';
import {DEFAULT_CONFIG, DEFAULT_PLAN, iso} from '../../src/core/index.js';
import {BAKE, CLEAN, CRIT, FROM, Fixture, MIN, SERVICE, TO, WARN} from './helpers.js';


describe('canary plan', () => {
	it('defaults to tiers 5, 25, 100, a 15-minute bake, 3 samples, auto-promote and auto-rollback', () => {
		expect(DEFAULT_PLAN).toMatchObject({tiers: [5, 25, 100], bakeMs: 15 * MIN, minSamples: 3, autoPromote: true, autoRollback: true});
		expect(DEFAULT_CONFIG.plan).toBe(DEFAULT_PLAN);
	});
});

describe('canary start', () => {
	it('runs the first tier on the target under the signed plan', () => {
		const f = new Fixture();
		const leaseId = f.signedLease();
		const out = f.run<{id: string; status: string; percent: number}>(f.startCmd(leaseId));
		expect(out).toMatchObject({status: 'running', percent: 5});
		const dep = f.dep(out.id);
		expect(dep).toMatchObject({
			id: 'DEP-20261125-001',
			leaseId,
			service: SERVICE,
			fromVersion: FROM,
			toVersion: TO,
			plan: f.lease(leaseId).plan,
			status: 'running',
			tierIndex: 0,
			percent: 5,
			tierStartedAt: iso(f.clock.now()),
			window: [],
			sampleCount: 0,
			target: 'simulated',
			desired: {generation: 1, step: 'tier-5', percent: 5, at: iso(f.clock.now())},
			observed: {generation: 1, step: 'tier-5', evidence: 'router', sanity: 'passed', split: {percent: 5}},
			bake: {accruedMs: 0, watchedAt: iso(f.clock.now())},
		});
		expect(f.fleetOf()).toMatchObject({stable: {version: FROM}, canary: {version: TO, weight: 5}});
		expect(f.intentOf(dep.intentId)).toMatchObject({status: 'deploying', deploymentId: out.id});
		expect(f.kinds(out.id)).toEqual([
			'canary.prechecks_passed',
			'rollback.pack_created',
			'canary.started',
			'canary.tier_applied',
			'canary.sanity_passed',
		]);
	});
});

describe('tiers and promotion', () => {
	it('bakes before promoting: a tick inside the bake waits', () => {
		const f = new Fixture();
		const id = f.canary();
		for (let i = 0; i < 3; i++) f.record(id, CLEAN);
		f.wait(BAKE - 1000);
		expect(f.tick().actions).toEqual([{id, action: 'waiting', percent: 5, detail: 'gate holding: bake: 1s left of 15m'}]);
		expect(f.dep(id).status).toBe('running');
	});

	it('auto-promotes 5 → 25 → 100 through the gate, then completes with the new version as stable', () => {
		const f = new Fixture();
		const id = f.canary();
		const actions: string[] = [];
		for (const percent of [5, 25, 100]) {
			expect(f.dep(id).percent).toBe(percent);
			f.bake(id);
			actions.push(f.tick().actions[0]!.action);
		}
		// The tick after the last tier decides the final step; the target's confirmation completes it.
		expect(actions).toEqual(['promoted', 'promoted', 'completing']);
		expect(f.dep(id)).toMatchObject({status: 'completed', endedAt: iso(f.clock.now()), desired: {step: 'final', percent: 100}, observed: {step: 'final'}});
		expect(f.fleetOf()).toEqual({service: SERVICE, replicas: 10, stable: {version: TO}, canary: null});
		expect(f.intentOf(f.dep(id).intentId).status).toBe('deployed');
		expect(f.events.filter(e => e.kind === 'canary.promoted').map(e => [e.data.from, e.data.to, e.actor, e.data.final ?? false])).toEqual([
			[5, 25, 'engine', false],
			[25, 100, 'engine', false],
			[100, 100, 'engine', true],
		]);
		expect(f.kinds(id).slice(-3)).toEqual(['canary.promoted', 'canary.final_applied', 'deployment.completed']);
	});

	it('starts each tier afresh: an empty window and a new bake', () => {
		const f = new Fixture();
		const id = f.canary();
		f.bake(id);
		f.tick();
		// updatedAt moves with the promotion although the status stays running (scripts sort on it).
		expect(f.dep(id)).toMatchObject({percent: 25, status: 'running', window: [], tierStartedAt: iso(f.clock.now()), updatedAt: iso(f.clock.now()), sampleCount: 3});
	});

	it('with auto-promote off, waits in awaiting_promotion for an operator', () => {
		const f = new Fixture();
		const id = f.canary({plan: {autoPromote: false}});
		f.bake(id);
		expect(f.tick().actions[0]).toMatchObject({action: 'awaiting_promotion', percent: 5});
		f.wait(MIN);
		f.tick();
		expect(f.dep(id).status).toBe('awaiting_promotion');
		expect(f.events.at(-1)).toMatchObject({kind: 'deployment.awaiting_promotion', reason: 'gate passed: waiting for an operator to promote'});
		f.run({type: 'canary.promote', actor: 'human:alice', id});
		expect(f.dep(id)).toMatchObject({status: 'running', percent: 25});
	});

	it('holds on a warning until a clean window, then bakes on and promotes', () => {
		const f = new Fixture();
		const id = f.canary();
		f.record(id, WARN);
		expect(f.dep(id).status).toBe('holding');
		f.record(id, CLEAN);
		f.record(id, CLEAN);
		expect(f.dep(id).status).toBe('holding');
		f.record(id, CLEAN);
		expect(f.dep(id).status).toBe('running');
		expect(f.events.at(-1)).toMatchObject({kind: 'deployment.running', reason: 'window clean again: baking', data: {from: 'holding'}});
		f.wait(BAKE);
		expect(f.tick().actions[0]).toMatchObject({action: 'promoted', percent: 25});
	});

	it('holds when the bake ends with too few samples, showing why, and never promotes on thin data', () => {
		const f = new Fixture();
		const id = f.canary();
		f.record(id, CLEAN);
		f.wait(BAKE);
		for (let i = 0; i < 3; i++) {
			if (i > 0) f.wait(MIN);
			expect(f.tick().actions[0]).toMatchObject({action: 'holding', percent: 5});
		}
		expect(f.dep(id).hold).toEqual({reason: 'TES inconclusive: 1/3 samples', since: iso(f.clock.now() - 2 * MIN)});
		f.record(id, CLEAN);
		expect(f.dep(id).hold?.reason).toBe('TES inconclusive: 2/3 samples');
		f.record(id, CLEAN);
		expect(f.tick().actions[0]).toMatchObject({action: 'promoted'});
	});

	it('does not let a hold outlive its cause once the gate opens', () => {
		const f = new Fixture();
		const id = f.canary({plan: {autoPromote: false}});
		f.wait(BAKE);
		f.record(id, WARN);
		for (let i = 0; i < 3; i++) f.record(id, CLEAN);
		// The last clean sample opened the gate: nothing holds any more, and the next tick asks the operator.
		expect(f.dep(id).status).toBe('running');
		expect(f.dep(id).hold).toBeUndefined();
		expect(f.events.at(-1)).toMatchObject({kind: 'deployment.running', reason: 'window clean again: gate open'});
		expect(f.tick().actions[0]).toMatchObject({action: 'awaiting_promotion'});
	});
});

describe('halts', () => {
	it('with auto-rollback off, a critical sample leaves the deployment halted, untouched by ticks', () => {
		const f = new Fixture();
		const id = f.canary({plan: {autoRollback: false}});
		expect(f.record(id, CRIT)).toMatchObject({action: 'halted', status: 'halted'});
		f.clock.advance(BAKE);
		expect(f.tick().actions).toEqual([]);
		expect(f.dep(id)).toMatchObject({status: 'halted', halt: {trigger: 'critical', reason: 'CRITICAL: TES drop > 5% (read -6%)', actor: 'agent:ci-bot'}});
		expect(f.fleetOf().canary).toEqual({version: TO, weight: 5});
	});

	it('a manual halt needs a reason and does not roll back by itself', () => {
		const f = new Fixture();
		const id = f.canary();
		expect(f.refuse({type: 'canary.halt', actor: 'human:alice', id, reason: ''})).toMatchObject({kind: 'invalid', code: 'REASON_REQUIRED'});
		f.run({type: 'canary.halt', actor: 'human:alice', id, reason: 'customer report'});
		expect(f.dep(id)).toMatchObject({status: 'halted', halt: {trigger: 'manual', reason: 'customer report', actor: 'human:alice'}});
		expect(f.dep(id).rollback).toBeUndefined();
	});

	it('resume needs a reason and bakes the tier again from scratch', () => {
		const f = new Fixture();
		const id = f.canary();
		f.record(id, CLEAN);
		f.run({type: 'canary.halt', actor: 'human:alice', id, reason: 'check dashboards'});
		f.clock.advance(MIN);
		expect(f.refuse({type: 'canary.resume', actor: 'human:alice', id, reason: ' '})).toMatchObject({code: 'REASON_REQUIRED'});
		expect(f.run({type: 'canary.resume', actor: 'human:alice', id, reason: 'dashboards fine'})).toMatchObject({status: 'running', percent: 5});
		expect(f.dep(id)).toMatchObject({window: [], tierStartedAt: iso(f.clock.now()), sampleCount: 1});
		expect(f.dep(id).halt).toBeUndefined();
	});
});

describe('sanity checks after each tier (CP18)', () => {
	it('passes at each tier and records the target\'s output', () => {
		const f = new Fixture();
		const id = f.canary();
		f.bake(id);
		f.tick();
		expect(f.dep(id).sanity.map(s => [s.percent, s.ok, s.output])).toEqual([
			[5, true, 'sanity: 5/5 smoke checks passed at 5%'],
			[25, true, 'sanity: 5/5 smoke checks passed at 25%'],
		]);
	});

	it('halts like a critical when the check fails, with its output as the reason, and rolls back', () => {
		const f = new Fixture({scenario: {kind: 'healthy', sanityFailAt: 25}});
		const id = f.canary();
		f.bake(id);
		// The tick decides 25%; the target confirms it, its sanity check fails, and the halt rolls back.
		expect(f.tick().actions[0]).toMatchObject({action: 'promoted', percent: 25});
		const output = 'sanity: 2/5 smoke checks failed at 25% (GET /health 503, POST /checkout 500)';
		expect(f.dep(id)).toMatchObject({status: 'rolled_back', halt: {trigger: 'sanity', reason: output}, rollback: {trigger: 'automatic', reason: output}});
		expect(f.kinds(id).slice(-6)).toEqual([
			'canary.tier_applied',
			'canary.sanity_failed',
			'deployment.halted',
			'deployment.rolling_back',
			'rollback.verified',
			'deployment.rolled_back',
		]);
	});

	it('stays halted on a failed check when auto-rollback is off, even at the first tier', () => {
		const f = new Fixture({scenario: {kind: 'healthy', sanityFailAt: 5}});
		const leaseId = f.signedLease({plan: {autoRollback: false}});
		const out = f.run<{id: string; status: string}>(f.startCmd(leaseId));
		// The start only decides 5%: the check runs once the target confirmed it.
		expect(out.status).toBe('running');
		expect(f.dep(out.id).status).toBe('halted');
		expect(f.dep(out.id).observed).toMatchObject({generation: 1, sanity: 'failed'});
		expect(f.dep(out.id).rollback).toBeUndefined();
		expect(f.dep(out.id).halt).toMatchObject({trigger: 'sanity', reason: expect.stringContaining('failed at 5%')});
	});
});
