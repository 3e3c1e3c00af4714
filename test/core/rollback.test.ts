import {describe, expect, it} from 'vitest';
import {
	applyReversePatch,
	checksum,
	execute,
	planSteps,
	reversePatchFor,
	stepName,
	type Step,
	type Target,
	type TargetState,
} from '../../src/core/index.js';
import {CRIT, FROM, FailingTarget, Fixture, SERVICE, TO} from './helpers.js';

const SNAPSHOT = {service: SERVICE, replicas: 10, stable: {version: FROM}, canary: null};
const rollback = (f: Fixture, id: string, reason = 'customer report') =>
	f.run<{status: string; verified: boolean}>({type: 'rollback', actor: 'human:alice', id, reason});

describe('rollback pack', () => {
	it('is made before the first tier, from the target\'s state before the change', () => {
		const f = new Fixture();
		const id = f.canary();
		const kinds = f.kinds(id);
		expect(kinds.indexOf('rollback.pack_created')).toBeLessThan(kinds.indexOf('canary.tier_applied'));
		const {pack} = f.dep(id);
		expect(pack.snapshot).toEqual(SNAPSHOT);
		expect(pack.createdAt).toBe(f.dep(id).createdAt);
	});

	it('carries a manifest of ids, and checksums of the snapshot and of every step', () => {
		const f = new Fixture();
		const dep = f.dep(f.canary());
		const steps = planSteps(dep.plan, TO);
		expect(dep.pack.manifest).toEqual({
			packId: 'RBP-20261125-001',
			deploymentId: dep.id,
			leaseId: dep.leaseId,
			intentId: dep.intentId,
			service: SERVICE,
			snapshotChecksum: checksum(SNAPSHOT),
			steps: steps.map(step => ({
				step: stepName(step),
				percent: step.percent,
				desiredChecksum: checksum(f.target.desiredState(SNAPSHOT, step)),
				patchChecksum: checksum(dep.pack.reversePatches[stepName(step)]),
			})),
		});
		expect(dep.pack.manifest.steps.map(s => s.step)).toEqual(['tier-5', 'tier-25', 'tier-100', 'final']);
	});

	it('holds, per step, an RFC 6902 patch that takes that step back to the snapshot, and to nothing else', () => {
		const f = new Fixture();
		const {pack, plan} = f.dep(f.canary());
		const desired = planSteps(plan, TO).map(step => f.target.desiredState(SNAPSHOT, step));
		desired.forEach((state, i) => {
			const patch = pack.reversePatches[pack.manifest.steps[i]!.step]!;
			expect(patch.every(op => ['add', 'remove', 'replace', 'test'].includes(op.op))).toBe(true);
			expect(applyReversePatch(state, patch as never)).toEqual(SNAPSHOT);
		});
		// The patches test what they replace: one made for 5% refuses a fleet at 25%.
		expect(() => applyReversePatch(desired[1]!, pack.reversePatches['tier-5'] as never)).toThrow();
	});

	it('picks the step the target is at, says "snapshot" when nothing changed, and "drift" when the target matches no step', () => {
		const f = new Fixture();
		const {pack} = f.dep(f.canary());
		expect(reversePatchFor(pack, f.fleet()).step).toBe('tier-5');
		expect(reversePatchFor(pack, SNAPSHOT)).toEqual({step: 'snapshot', patch: []});
		const drifted = {...f.fleet(), replicas: 12};
		const reverse = reversePatchFor(pack, drifted);
		expect(reverse.step).toBe('drift');
		expect(applyReversePatch(drifted, reverse.patch)).toEqual(SNAPSHOT);
	});
});

describe('rollback', () => {
	it('applies the pack through the target and verifies the result against the snapshot', () => {
		const f = new Fixture();
		const id = f.canary();
		f.bake(id);
		f.tick();
		f.clock.advance(1000);
		expect(rollback(f, id)).toMatchObject({status: 'rolled_back', verified: true});
		const dep = f.dep(id);
		expect(dep.rollback).toEqual({
			trigger: 'manual',
			reason: 'customer report',
			actor: 'human:alice',
			startedAt: dep.updatedAt,
			endedAt: dep.updatedAt,
			step: 'tier-25',
			verified: true,
			expectedChecksum: dep.pack.manifest.snapshotChecksum,
			actualChecksum: dep.pack.manifest.snapshotChecksum,
		});
		expect(f.fleet()).toEqual(SNAPSHOT);
		expect(f.intentOf(dep.intentId).status).toBe('rolled_back');
		expect(f.kinds(id).slice(-3)).toEqual(['deployment.rolling_back', 'rollback.verified', 'deployment.rolled_back']);
	});

	it('needs a reason when triggered by hand', () => {
		const f = new Fixture();
		const id = f.canary();
		expect(f.refuse({type: 'rollback', actor: 'human:alice', id, reason: ''})).toMatchObject({kind: 'invalid', code: 'REASON_REQUIRED'});
	});

	it('records an automatic trigger and the critical that caused it', () => {
		const f = new Fixture();
		const id = f.canary();
		f.record(id, CRIT);
		expect(f.dep(id).rollback).toMatchObject({trigger: 'automatic', reason: 'CRITICAL: TES drop > 5%', actor: 'agent:ci-bot', verified: true});
	});

	it('takes a completed deployment back to the from-version', () => {
		const f = new Fixture();
		const id = f.canary();
		f.complete(id);
		expect(f.fleet().stable.version).toBe(TO);
		rollback(f, id, 'regression found in production');
		expect(f.dep(id).rollback).toMatchObject({step: 'final', verified: true});
		expect(f.fleet()).toEqual(SNAPSHOT);
		expect(f.intentOf(f.dep(id).intentId).status).toBe('rolled_back');
	});

	it('still rolls back a target that drifted from every planned step, through a computed patch, and says so', () => {
		const f = new Fixture();
		const id = f.canary();
		f.target.world.services[SERVICE]!.fleet.replicas = 12;
		rollback(f, id);
		expect(f.dep(id)).toMatchObject({status: 'rolled_back', rollback: {step: 'drift', verified: true}});
		expect(f.events.find(e => e.kind === 'rollback.verified')!.data).toMatchObject({step: 'drift'});
		expect(f.fleet()).toEqual(SNAPSHOT);
	});

	it('ends in rollback_failed, loudly, when the target does not match the snapshot afterwards', () => {
		const f = new Fixture({scenario: {kind: 'healthy', rollbackDrift: true}});
		const id = f.canary();
		expect(rollback(f, id)).toMatchObject({status: 'rollback_failed', verified: false});
		const dep = f.dep(id);
		expect(dep.rollback!.actualChecksum).toBe(checksum(f.fleet()));
		expect(dep.rollback!.actualChecksum).not.toBe(dep.rollback!.expectedChecksum);
		const failed = f.events.find(e => e.kind === 'rollback.failed')!;
		expect(failed.reason).toBe(
			`ROLLBACK VERIFICATION FAILED: target state ${dep.rollback!.actualChecksum!.slice(0, 12)} ≠ snapshot ${dep.rollback!.expectedChecksum.slice(0, 12)}`,
		);
		expect(f.events.at(-1)).toMatchObject({kind: 'deployment.rollback_failed', reason: failed.reason});
		expect(dep.endedAt).toBe(dep.updatedAt);
		expect(f.kinds(id)).not.toContain('rollback.verified');
	});

	it('fails the same way when the drift comes with an automatic rollback', () => {
		const f = new Fixture({scenario: {kind: 'healthy', rollbackDrift: true}});
		const id = f.canary();
		expect(f.record(id, CRIT)).toMatchObject({action: 'rollback_failed', status: 'rollback_failed'});
	});

	it('ends in rollback_failed with the target\'s error when the target refuses the patch, and can be retried', () => {
		const f = new Fixture({makeTarget: world => new FailingTarget(world)});
		const id = f.canary();
		const target = f.target as FailingTarget;
		target.failing = true;
		rollback(f, id);
		expect(f.dep(id).rollback).toMatchObject({verified: false, error: 'fleet API answered 503', step: 'tier-5'});
		expect(f.events.find(e => e.kind === 'rollback.failed')!.reason).toBe(
			'ROLLBACK FAILED: the target refused the reverse patch (fleet API answered 503)',
		);
		target.failing = false;
		rollback(f, id, 'fleet API back');
		expect(f.dep(id)).toMatchObject({status: 'rolled_back', rollback: {trigger: 'manual', reason: 'fleet API back', verified: true}});
		expect(f.fleet()).toEqual(SNAPSHOT);
	});
});

/** A target that keeps exactly the objects it is given, as a thin client of a fleet API might. */
class MemoryTarget implements Target {
	readonly name = 'memory';
	readonly services = new Map<string, TargetState>();
	readState(service: string, fromVersion = '0.0.0'): TargetState {
		if (!this.services.has(service)) this.services.set(service, {version: fromVersion, limits: {cpu: 2, memory: 4}});
		return this.services.get(service)!;
	}
	versionOf(state: TargetState) {
		return state.version as string;
	}
	// Canary steps drop the pinned limits, so a way back must add an object again.
	desiredState({limits: _limits, ...rest}: TargetState, step: Step): TargetState {
		return step.final ? {...rest, version: step.version, canary: null} : {...rest, canary: {version: step.version, weight: step.percent}};
	}
	apply(service: string, desired: TargetState) {
		this.services.set(service, desired);
	}
	resourceLoad() {
		return 10;
	}
	sanityCheck() {
		return {ok: true, output: 'ok'};
	}
	pollMetrics() {
		return undefined;
	}
}

describe('rollback through any target', () => {
	it('hands the target plain values it may keep after the command returns', () => {
		const f = new Fixture();
		const leaseId = f.signedLease();
		const target = new MemoryTarget();
		const env = {clock: f.clock, target, trust: f.trust};
		const started = execute<{id: string}>(f.state, f.startCmd(leaseId), env);
		const out = execute(started.state, {type: 'rollback', actor: 'human:alice', id: started.result.id, reason: 'try it'}, env);
		expect(out.state.deployments[0]!.rollback).toMatchObject({step: 'tier-5', verified: true});
		expect(structuredClone(target.services.get(SERVICE))).toEqual({version: FROM, limits: {cpu: 2, memory: 4}});
	});
});

describe('rollback guards found in review', () => {
	it('refuses to roll back a deployment that a newer one on the same service superseded', () => {
		const f = new Fixture();
		const older = f.canary();
		f.complete(older);
		const newer = f.canary({intent: {fromVersion: TO, toVersion: '1.6.0'}});
		const error = f.refuse({type: 'rollback', actor: 'human:alice', id: older, reason: 'wrong one'});
		expect(error).toMatchObject({kind: 'refused', code: 'SUPERSEDED'});
		expect(error.message).toContain(newer);
	});

	it('does not reopen a deployed intent: a leftover lease of it was voided and cannot be cosigned later', () => {
		const f = new Fixture().registerKeys();
		const intentId = f.intent();
		const [leftover, used] = [f.issue(intentId), f.issue(intentId)];
		f.sign(used, 'human', 'agent');
		f.complete(f.start(used));
		expect(f.intentOf(intentId).status).toBe('deployed');
		expect(f.refuse(f.cosignCmd(leftover, 'human'))).toMatchObject({code: 'VOIDED'});
		expect(f.intentOf(intentId).status).toBe('deployed');
		expect(f.kinds(intentId).filter(k => k === 'intent.leased')).toHaveLength(1);
	});
});
