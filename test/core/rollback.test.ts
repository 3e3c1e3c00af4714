import {describe, expect, it} from 'vitest';
import {
	applyReversePatch,
	buildRollbackPack,
	checksum,
	iso,
	planSteps,
	reversePatchFor,
	splitChecksum,
	stepName,
	stepSplit,
	targetWork,
	type Split,
} from '../../src/core/index.js';
import {CRIT, FROM, Fixture, SERVICE, TO} from './helpers.js';

/** The split the simulated fleet reports before the change: everything on the stable side, at FROM. */
const SNAPSHOT: Split = {percent: 0, stable: {weight: 100, version: FROM}, canary: {weight: 0}};
/** The simulated fleet itself once it is back at the snapshot. */
const AT_REST = {service: SERVICE, replicas: 10, stable: {version: FROM}, canary: null};
const rollback = (f: Fixture, id: string, reason = 'customer report') =>
	f.run<{status: string; verified: boolean}>({type: 'rollback', actor: 'human:alice', id, reason});

describe('rollback pack', () => {
	it('is made before the first tier, from the reading of the target before the change', () => {
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
			snapshotChecksum: splitChecksum(SNAPSHOT),
			steps: steps.map(step => ({
				step: stepName(step),
				percent: step.percent,
				desiredChecksum: splitChecksum(stepSplit('simulated', SNAPSHOT, step)),
				patchChecksum: checksum(dep.pack.reversePatches[stepName(step)]),
			})),
		});
		expect(dep.pack.manifest.steps.map(s => s.step)).toEqual(['tier-5', 'tier-25', 'tier-100', 'final']);
	});

	it('holds, per step, an RFC 6902 patch that takes that step back to the snapshot, and to nothing else', () => {
		const f = new Fixture();
		const {pack, plan} = f.dep(f.canary());
		const desired = planSteps(plan, TO).map(step => stepSplit('simulated', SNAPSHOT, step));
		desired.forEach((split, i) => {
			const patch = pack.reversePatches[pack.manifest.steps[i]!.step]!;
			expect(patch.every(op => ['add', 'remove', 'replace', 'test'].includes(op.op))).toBe(true);
			expect(applyReversePatch(split, patch as never)).toEqual(SNAPSHOT);
		});
		// The patches test what they replace: one made for 5% refuses a split at 25%.
		expect(() => applyReversePatch(desired[1]!, pack.reversePatches['tier-5'] as never)).toThrow();
	});

	it('describes each step as the split it should leave: a router keeps the final step on the canary side, the simulator promotes', () => {
		const step = (percent: number, final = false) => ({version: TO, percent, final});
		expect(stepSplit('simulated', SNAPSHOT, step(25))).toEqual({percent: 25, stable: {weight: 75, version: FROM}, canary: {weight: 25, version: TO}});
		expect(stepSplit('simulated', SNAPSHOT, step(100, true))).toEqual({percent: 0, stable: {weight: 100, version: TO}, canary: {weight: 0}});
		// A router reports weights only: no version is invented for either side.
		const router: Split = {percent: 0, stable: {weight: 100}, canary: {weight: 0}};
		expect(stepSplit('haproxy', router, step(25))).toEqual({percent: 25, stable: {weight: 75}, canary: {weight: 25}});
		expect(stepSplit('haproxy', router, step(100, true))).toEqual({percent: 100, stable: {weight: 0}, canary: {weight: 100}});
		const ids = {deploymentId: 'DEP-20261125-001', leaseId: 'L', intentId: 'I', service: SERVICE};
		const pack = buildRollbackPack(ids, router, {tiers: [5, 25, 100]} as never, TO, 'haproxy', iso(0));
		expect(pack.snapshot).toEqual(router);
		expect(pack.manifest.snapshotChecksum).toBe(splitChecksum(router));
		expect(applyReversePatch(stepSplit('haproxy', router, step(5)), pack.reversePatches['tier-5'] as never)).toEqual(router);
	});

	it('picks the step a split is at, says "snapshot" when nothing changed, and "drift" when the split matches no step', () => {
		const f = new Fixture();
		const {pack} = f.dep(f.canary());
		expect(reversePatchFor(pack, f.fleet.read(SERVICE)).step).toBe('tier-5');
		expect(reversePatchFor(pack, SNAPSHOT)).toEqual({step: 'snapshot', patch: []});
		// Shares are compared at 0.01 %: a router's 1/3 is no drift from 33.33.
		expect(splitChecksum({...SNAPSHOT, percent: 1e-9})).toBe(splitChecksum(SNAPSHOT));
		const drifted: Split = {percent: 7, stable: {weight: 93, version: FROM}, canary: {weight: 7, version: TO}};
		const reverse = reversePatchFor(pack, drifted);
		expect(reverse.step).toBe('drift');
		expect(applyReversePatch(drifted, reverse.patch)).toEqual(SNAPSHOT);
	});
});

describe('rollback', () => {
	it('decides the snapshot, and is rolled back only once the target\'s split is verified against it', () => {
		const f = new Fixture();
		const id = f.canary();
		f.bake(id);
		f.tick();
		f.clock.advance(1000);
		const before = f.dep(id).desired.generation;
		// The command decides; the result says so honestly: nothing is verified yet.
		expect(rollback(f, id)).toMatchObject({status: 'rolling_back', verified: false});
		const dep = f.dep(id);
		expect(dep.status).toBe('rolled_back');
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
		expect(dep.desired).toMatchObject({generation: before + 1, step: 'snapshot', percent: 0});
		expect(dep.observed).toMatchObject({generation: before + 1, step: 'snapshot', split: SNAPSHOT, sanity: 'none'});
		expect(f.fleetOf()).toEqual(AT_REST);
		expect(f.intentOf(dep.intentId).status).toBe('rolled_back');
		expect(f.kinds(id).slice(-3)).toEqual(['deployment.rolling_back', 'rollback.verified', 'deployment.rolled_back']);
		// Moved by the operator, confirmed by the engine's report of what the target read back.
		expect(f.events.filter(e => e.subject === id).slice(-3).map(e => e.actor)).toEqual(['human:alice', 'engine', 'engine']);
	});

	it('stays rolling_back, and is never reported rolled back, while the target has not answered', () => {
		const f = new Fixture({manualTarget: true});
		const id = f.start(f.signedLease());
		f.reconcile();
		f.run({type: 'rollback', actor: 'human:alice', id, reason: 'customer report'});
		expect(f.dep(id)).toMatchObject({status: 'rolling_back', rollback: {verified: false, step: 'tier-5'}});
		expect(f.dep(id).rollback!.endedAt).toBeUndefined();
		expect(f.intentOf(f.dep(id).intentId).status).toBe('deploying');
		expect(f.fleetOf().canary).toEqual({version: TO, weight: 5});
		// Ticks and samples leave a rollback alone: only the target's report ends it.
		expect(f.tick().actions).toEqual([]);
		expect(f.refuse({type: 'metrics.record', actor: 'agent:ci-bot', id, sample: {cpu: 50}})).toMatchObject({code: 'NOT_ACTIVE'});
		f.reconcile();
		expect(f.dep(id).status).toBe('rolled_back');
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
		expect(f.dep(id).rollback).toMatchObject({trigger: 'automatic', reason: 'CRITICAL: TES drop > 5% (read -6%)', actor: 'agent:ci-bot', verified: true});
	});

	it('takes a completed deployment back to the from-version', () => {
		const f = new Fixture();
		const id = f.canary();
		f.complete(id);
		expect(f.fleetOf().stable.version).toBe(TO);
		rollback(f, id, 'regression found in production');
		expect(f.dep(id)).toMatchObject({status: 'rolled_back', rollback: {step: 'final', verified: true}});
		expect(f.fleetOf()).toEqual(AT_REST);
		expect(f.intentOf(f.dep(id).intentId).status).toBe('rolled_back');
	});

	it('still rolls back from a split that matches no planned step, and says so', () => {
		const f = new Fixture({manualTarget: true});
		const id = f.start(f.signedLease());
		// The target confirmed 5% with a split of its own making (the canary's version unreported): it carries
		// the decision, but it is none of the pack's steps.
		const [work] = targetWork(f.state);
		f.run({type: 'target.applied', actor: 'engine', id, generation: work!.generation, split: {percent: 5, stable: {weight: 95, version: FROM}, canary: {weight: 5}}, evidence: 'router', sanity: false});
		expect(f.dep(id).observed).toMatchObject({generation: 1, sanity: 'none'});
		f.fleet.apply(SERVICE, {percent: 5, step: 'tier', versions: {stable: FROM, canary: TO}});
		rollback(f, id);
		f.reconcile();
		expect(f.dep(id)).toMatchObject({status: 'rolled_back', rollback: {step: 'drift', verified: true}});
		expect(f.events.find(e => e.kind === 'rollback.verified')!.data).toMatchObject({step: 'drift'});
		expect(f.fleetOf()).toEqual(AT_REST);
	});

	it('ends in rollback_failed, loudly, when the split read back does not match the snapshot, and can be retried', () => {
		const f = new Fixture({scenario: {kind: 'healthy', rollbackDrift: true}});
		const id = f.canary();
		rollback(f, id);
		const dep = f.dep(id);
		expect(dep).toMatchObject({status: 'rollback_failed', rollback: {verified: false, step: 'tier-5'}});
		expect(dep.rollback!.actualChecksum).toBe(splitChecksum(f.fleet.read(SERVICE)));
		expect(dep.rollback!.actualChecksum).not.toBe(dep.rollback!.expectedChecksum);
		expect(dep.rollback!.error).toBeUndefined();
		const failed = f.events.find(e => e.kind === 'rollback.failed')!;
		expect(failed.reason).toBe(
			`ROLLBACK VERIFICATION FAILED: target state ${dep.rollback!.actualChecksum!.slice(0, 12)} ≠ snapshot ${dep.rollback!.expectedChecksum.slice(0, 12)}`,
		);
		expect(f.events.at(-1)).toMatchObject({kind: 'deployment.rollback_failed', reason: failed.reason});
		expect(dep.endedAt).toBe(dep.updatedAt);
		expect(f.kinds(id)).not.toContain('rollback.verified');
		expect(f.intentOf(dep.intentId).status).toBe('deploying');
		// A failed rollback is not reconciled any more: nobody retries it behind the operator's back.
		expect(targetWork(f.state)).toEqual([]);
		// Repaired by hand, then retried: a new decision, verified this time.
		f.fleet.world.services[SERVICE]!.scenario.rollbackDrift = false;
		f.clock.advance(1000);
		rollback(f, id, 'router repaired');
		expect(f.dep(id)).toMatchObject({status: 'rolled_back', rollback: {trigger: 'manual', reason: 'router repaired', verified: true}});
		expect(f.dep(id).desired.generation).toBe(dep.desired.generation + 1);
		expect(f.fleetOf()).toEqual(AT_REST);
	});

	it('fails the same way when the drift comes with an automatic rollback', () => {
		const f = new Fixture({scenario: {kind: 'healthy', rollbackDrift: true}});
		const id = f.canary();
		expect(f.record(id, CRIT)).toMatchObject({action: 'rolling_back', status: 'rolling_back'});
		expect(f.dep(id)).toMatchObject({status: 'rollback_failed', rollback: {trigger: 'automatic', verified: false}});
	});

	it('ends in rollback_failed with the target\'s error when the target cannot revert, and can be retried', () => {
		const f = new Fixture();
		const id = f.canary();
		f.targetDown = 'fleet API answered 503';
		rollback(f, id);
		expect(f.dep(id)).toMatchObject({
			status: 'rollback_failed',
			rollback: {verified: false, error: 'fleet API answered 503', step: 'tier-5'},
			targetError: {step: 'snapshot', code: 'rejected', message: 'fleet API answered 503', attempts: 3},
		});
		expect(f.dep(id).rollback!.actualChecksum).toBeUndefined();
		expect(f.kinds(id).slice(-3)).toEqual(['target.failed', 'rollback.failed', 'deployment.rollback_failed']);
		expect(f.events.find(e => e.kind === 'rollback.failed')!.reason).toBe('ROLLBACK FAILED: the target refused the revert (fleet API answered 503)');
		expect(f.fleetOf().canary).toEqual({version: TO, weight: 5});
		f.targetDown = undefined;
		rollback(f, id, 'fleet API back');
		expect(f.dep(id)).toMatchObject({status: 'rolled_back', rollback: {trigger: 'manual', reason: 'fleet API back', verified: true}});
		expect(f.dep(id).targetError).toBeUndefined();
		expect(f.fleetOf()).toEqual(AT_REST);
	});

	it('rolls back automatically when the target cannot apply a tier, and fails loudly if it cannot revert either', () => {
		const f = new Fixture();
		const id = f.canary();
		f.bake(id);
		f.targetDown = 'fleet API answered 503';
		f.tick();
		expect(f.dep(id)).toMatchObject({
			status: 'rollback_failed',
			halt: {trigger: 'target', reason: 'the target could not apply 25%: fleet API answered 503'},
			rollback: {trigger: 'automatic', error: 'fleet API answered 503', step: 'tier-5'},
		});
		expect(f.kinds(id).slice(-7)).toEqual([
			'canary.promoted',
			'target.failed',
			'deployment.halted',
			'deployment.rolling_back',
			'target.failed',
			'rollback.failed',
			'deployment.rollback_failed',
		]);
	});
});

describe('a rollback is verified by the share and the versions, not the weights', () => {
	/** A router's reading before the change: all traffic on the stable side, expressed as weights 256/0 (HAProxy's full weight). */
	const AT_256: Split = {percent: 0, stable: {weight: 256, version: FROM}, canary: {weight: 0}};

	/** A canary whose snapshot is `AT_256`, its first tier confirmed, then rolled back by hand: the revert is the test's to report. */
	function revertPending() {
		const f = new Fixture({manualTarget: true});
		const start = f.startCmd(f.signedLease()) as Extract<ReturnType<Fixture['startCmd']>, {type: 'canary.start'}>;
		const id = f.run<{id: string}>({...start, reading: {...start.reading!, split: AT_256}}).id;
		expect(f.dep(id).pack.snapshot).toEqual(AT_256);
		f.reconcile();
		rollback(f, id);
		const [work] = targetWork(f.state);
		expect(work).toMatchObject({op: 'apply', step: 'snapshot', percent: 0});
		const report = (split: Split) => f.run({type: 'target.applied', actor: 'engine', id, generation: work!.generation, split, evidence: 'router', sanity: false});
		return {f, id, report};
	}

	it('takes a revert read back as 100/0 for a snapshot of 256/0: the same share, the same versions', () => {
		expect(splitChecksum({...AT_256, stable: {weight: 100, version: FROM}})).toBe(splitChecksum(AT_256));
		const {f, id, report} = revertPending();
		report({percent: 0, stable: {weight: 100, version: FROM}, canary: {weight: 0}});
		expect(f.dep(id)).toMatchObject({status: 'rolled_back', rollback: {verified: true, actualChecksum: f.dep(id).pack.manifest.snapshotChecksum}});
		expect(f.intentOf(f.dep(id).intentId).status).toBe('rolled_back');
	});

	it.each<[string, Split]>([
		['at another share', {percent: 5, stable: {weight: 95, version: FROM}, canary: {weight: 5, version: TO}}],
		['with another version on the stable side', {percent: 0, stable: {weight: 100, version: TO}, canary: {weight: 0}}],
		['with a version on the canary side the snapshot had not', {percent: 0, stable: {weight: 100, version: FROM}, canary: {weight: 0, version: TO}}],
	])('fails a revert read back %s', (_name, split) => {
		const {f, id, report} = revertPending();
		report(split);
		expect(f.dep(id)).toMatchObject({status: 'rollback_failed', rollback: {verified: false, actualChecksum: splitChecksum(split)}});
		expect(f.dep(id).rollback!.actualChecksum).not.toBe(f.dep(id).rollback!.expectedChecksum);
		expect(f.kinds(id)).not.toContain('rollback.verified');
	});
});

describe('rollback values are plain', () => {
	it('hands out patches and work a caller may keep and change after the command returns', () => {
		const f = new Fixture({manualTarget: true});
		const id = f.start(f.signedLease());
		f.reconcile();
		f.run({type: 'rollback', actor: 'human:alice', id, reason: 'try it'});
		const pack = structuredClone(f.dep(id).pack);
		const [work] = targetWork(f.state);
		expect(work).toMatchObject({id, op: 'apply', step: 'snapshot', percent: 0, versions: {stable: FROM, canary: TO}});
		if (work?.op !== 'apply') throw new Error('expected apply work');
		work.versions.stable = 'changed by the caller';
		const reverted = applyReversePatch(f.fleet.read(SERVICE), f.dep(id).pack.reversePatches['tier-5'] as never);
		expect(reverted).toEqual(SNAPSHOT);
		reverted.stable.version = 'changed too';
		expect(f.dep(id).pack).toEqual(pack);
		expect(targetWork(f.state)[0]).toMatchObject({versions: {stable: FROM}});
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
