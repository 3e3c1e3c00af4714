import {existsSync, readFileSync} from 'node:fs';
import {join} from 'node:path';
import {describe, expect, it} from 'vitest';
import {SimFleet, type CanaryPlan, type TargetWork} from '../../src/core/index.js';
import {engineCycle, type CycleAction} from '../../src/drivers/engine-cycle.js';
import {reconcileDeployment, reconcileOnce, type ReconcileOutcome} from '../../src/drivers/reconciler.js';
import {DriverError, type CallOpts, type RouterReport, type TargetDriver} from '../../src/drivers/targets/driver.js';
import {resolveTarget, type ResolvedTarget} from '../../src/drivers/targets/resolve.js';
import {findDeployment, initStore, openStore, type BatchStore as Store} from '../../src/store/index.js';
import {SimWorldFile} from '../../src/store/sim-world.js';
import {clockAt, seedCanary, sha, tempDir} from '../store/helpers.js';

/** A small bound: a hung call fails in 50 ms, once. */
const QUICK = {timeoutMs: 50, retries: 0, backoffMs: 1, maxBackoffMs: 1};

async function started(plan: Partial<CanaryPlan> = {}) {
	const dir = tempDir();
	const {store} = await initStore(dir);
	const clock = clockAt();
	const {deploymentId} = await seedCanary(store, clock, {settle: false, plan});
	const env = {dataDir: dir, now: () => clock.now()};
	return {dir, store, clock, env, deploymentId};
}

const deployment = async (store: Store, id: string) => (await findDeployment(store, id))!;
const kinds = async (store: Store, id: string) => (await store.audit({deploymentId: id})).map(e => e.kind);
const fleetOf = (dir: string) => JSON.parse(readFileSync(join(dir, 'sim-world.json'), 'utf8')).services.checkout.fleet;

/** Fails the test instead of hanging it when `promise` does not settle within `ms` (a bound, not a wait). */
function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
	let timer: NodeJS.Timeout | undefined;
	const deadline = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what}: not settled within ${ms} ms`)), ms)));
	return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}

/** A promise and its resolver. */
function signal<T = void>() {
	let resolve!: (value: T) => void;
	const promise = new Promise<T>(r => (resolve = r));
	return {promise, resolve};
}

/** The simulated target of the work's service, its driver's `apply` wrapped by `around`. */
function wrapped(env: {dataDir: string; now: () => number}, around: (inner: TargetDriver, percent: number, opts: CallOpts) => Promise<RouterReport>) {
	return (w: TargetWork): ResolvedTarget => {
		const target = resolveTarget(w.service, env);
		const inner = target.driver;
		const driver: TargetDriver = {kind: inner.kind, boundMs: inner.boundMs, read: opts => inner.read(opts), apply: (percent, opts) => around(inner, percent, opts)};
		return {...target, driver};
	};
}

/** A target whose driver is only `apply` (and a read that never should be needed), with no sanity check. */
function fakeTarget(apply: TargetDriver['apply']): () => ResolvedTarget {
	const driver: TargetDriver = {
		kind: 'simulated',
		boundMs: 1000,
		read: () => Promise.reject(new DriverError('unreachable', 'not read in these tests')),
		apply,
	};
	return () => ({kind: 'simulated', driver});
}

describe('the reconciler on the simulated driver, against a real store', () => {
	it('confirms the first tier a start decided, then runs its sanity check; after that it finds nothing and writes nothing', async () => {
		const {dir, store, clock, env, deploymentId} = await started();
		let dep = await deployment(store, deploymentId);
		expect(dep).toMatchObject({status: 'running', target: 'simulated', desired: {generation: 1, step: 'tier-5', percent: 5}});
		expect(dep.observed).toBeUndefined();
		expect(existsSync(join(dir, 'sim-world.json'))).toBe(false);

		clock.advance(1000);
		const applied = await reconcileOnce(store, env, {clock});
		expect(applied).toHaveLength(1);
		expect(applied[0]).toMatchObject({work: {id: deploymentId, op: 'apply', step: 'tier', percent: 5, generation: 1}, command: {type: 'target.applied', generation: 1, sanity: true}});
		expect(applied[0]!.settled).toBeUndefined();
		dep = await deployment(store, deploymentId);
		expect(dep.observed).toMatchObject({generation: 1, step: 'tier-5', split: {percent: 5, stable: {version: '1.4.0'}, canary: {version: '1.5.0'}}, evidence: 'router', sanity: 'pending'});
		expect(dep.bake).toEqual({accruedMs: 0, watchedAt: new Date(clock.now()).toISOString()});
		expect(fleetOf(dir)).toEqual({service: 'checkout', replicas: 10, stable: {version: '1.4.0'}, canary: {version: '1.5.0', weight: 5}});
		expect((await kinds(store, deploymentId)).filter(k => k === 'canary.tier_applied')).toHaveLength(1);

		const sanity = await reconcileOnce(store, env, {clock});
		expect(sanity.map(o => o.command)).toEqual([expect.objectContaining({type: 'target.sanity', generation: 1, ok: true})]);
		expect((await deployment(store, deploymentId)).observed?.sanity).toBe('passed');

		const state = join(dir, 'state.json');
		const before = {sum: sha(state), rev: (await store.read()).rev, world: sha(join(dir, 'sim-world.json'))};
		expect(await reconcileOnce(store, env, {clock})).toEqual([]);
		expect({sum: sha(state), rev: (await store.read()).rev, world: sha(join(dir, 'sim-world.json'))}).toEqual(before);
	});

	it('confirms in one pass, leaving nothing to do, a target without a sanity check', async () => {
		const {store, clock, env, deploymentId} = await started();
		const noSanity = (w: TargetWork): ResolvedTarget => ({kind: 'simulated', driver: resolveTarget(w.service, env).driver});
		const first = await reconcileOnce(store, env, {clock, resolve: noSanity});
		expect(first.map(o => o.command)).toEqual([expect.objectContaining({type: 'target.applied', sanity: false})]);
		expect((await deployment(store, deploymentId)).observed?.sanity).toBe('none');
		expect(await reconcileOnce(store, env, {clock, resolve: noSanity})).toEqual([]);
	});

	it('finishes a deployment’s work in rounds for a command that waits for it (reconcileDeployment)', async () => {
		const {store, clock, env, deploymentId} = await started();
		const done = await reconcileDeployment(store, env, deploymentId, {clock});
		expect(done.map(o => o.command.type)).toEqual(['target.applied', 'target.sanity']);
		expect(await reconcileDeployment(store, env, deploymentId, {clock})).toEqual([]);
	});

	it('records one confirmation when two reconcilers race for the same work: the second is settled, not a failure', async () => {
		const {dir, store, clock, env, deploymentId} = await started();
		const other = await openStore(dir);
		// Both reconcilers have read the state and called the target before either records its answer.
		let arrived = 0;
		const both = signal();
		const barrier = wrapped(env, async (inner, percent, opts) => {
			if (++arrived === 2) both.resolve();
			await within(both.promise, 20_000, 'the other reconciler reaching the target');
			return inner.apply(percent, opts);
		});
		const outcomes = await Promise.all([reconcileOnce(store, env, {clock, resolve: barrier}), reconcileOnce(other, env, {clock, resolve: barrier})]);
		expect(outcomes.map(o => o.length)).toEqual([1, 1]);
		const all: ReconcileOutcome[] = outcomes.flat();
		expect(all.every(o => o.command.type === 'target.applied')).toBe(true);
		expect(all.map(o => o.settled ?? 'recorded').sort()).toEqual(['ALREADY_CONFIRMED', 'recorded']);
		expect((await kinds(store, deploymentId)).filter(k => k === 'canary.tier_applied')).toHaveLength(1);
		expect((await deployment(store, deploymentId)).observed).toMatchObject({generation: 1, split: {percent: 5}});
		expect(fleetOf(dir).canary).toEqual({version: '1.5.0', weight: 5});

		// The sanity check raced the same way: one result recorded, the other settled.
		const raced = await Promise.all([reconcileOnce(store, env, {clock}), reconcileOnce(other, env, {clock})]);
		const sanity = raced.flat();
		expect(sanity.filter(o => o.settled === undefined).map(o => o.command.type)).toEqual(['target.sanity']);
		expect(sanity.filter(o => o.settled !== undefined).every(o => o.settled === 'NO_SANITY_DUE')).toBe(true);
		expect((await kinds(store, deploymentId)).filter(k => k === 'canary.sanity_passed')).toHaveLength(1);
		expect((await store.verifyAudit()).ok).toBe(true);
	});

	it('settles a report about a decision that moved on meanwhile (STALE_REPORT), then carries out the new one', async () => {
		const {dir, store, clock, env, deploymentId} = await started();
		const calling = signal();
		const proceed = signal();
		const held = wrapped(env, async (inner, percent, opts) => {
			calling.resolve();
			await within(proceed.promise, 20_000, 'the rollback being decided');
			return inner.apply(percent, opts);
		});
		const pass = reconcileOnce(store, env, {clock, resolve: held});
		await within(calling.promise, 20_000, 'the reconciler calling the target');
		// While the tier is being applied, an operator rolls the deployment back: a new decision.
		await store.run({type: 'rollback', actor: 'human:alice', id: deploymentId, reason: 'pager'}, {clock});
		proceed.resolve();
		const [stale] = await pass;
		expect(stale).toMatchObject({command: {type: 'target.applied', generation: 1}, settled: 'STALE_REPORT'});
		let dep = await deployment(store, deploymentId);
		expect(dep).toMatchObject({status: 'rolling_back', desired: {generation: 2, step: 'snapshot', percent: 0}});
		expect(await kinds(store, deploymentId)).not.toContain('canary.tier_applied');

		// The next pass reverts the target (the stale apply left 5% on it) and verifies the snapshot.
		expect(fleetOf(dir).canary).toEqual({version: '1.5.0', weight: 5});
		const revert = await reconcileOnce(store, env, {clock});
		expect(revert).toMatchObject([{work: {op: 'apply', step: 'snapshot', generation: 2}, command: {type: 'target.applied', generation: 2}}]);
		dep = await deployment(store, deploymentId);
		expect(dep.status).toBe('rolled_back');
		expect(dep.rollback).toMatchObject({verified: true, trigger: 'manual'});
		expect(fleetOf(dir)).toEqual({service: 'checkout', replicas: 10, stable: {version: '1.4.0'}, canary: null});
		expect(await reconcileOnce(store, env, {clock})).toEqual([]);
	});

	it('records target.failed and halts when the driver throws; nothing it did is taken as confirmed', async () => {
		const {dir, store, clock, env, deploymentId} = await started({autoRollback: false});
		let calls = 0;
		const refusing = fakeTarget(async () => {
			calls += 1;
			throw new DriverError('rejected', 'the router refused the weights');
		});
		const [failed] = await reconcileOnce(store, env, {clock, resolve: refusing, policy: {...QUICK, retries: 2}});
		// A refusal is not retried: the target answered.
		expect(calls).toBe(1);
		expect(failed).toMatchObject({work: {op: 'apply', generation: 1}, command: {type: 'target.failed', generation: 1, code: 'rejected', attempts: 1}});
		expect(failed!.settled).toBeUndefined();
		const dep = await deployment(store, deploymentId);
		expect(dep.status).toBe('halted');
		expect(dep.halt).toMatchObject({trigger: 'target'});
		expect(dep.halt?.reason).toContain('the router refused the weights');
		expect(dep.targetError).toMatchObject({generation: 1, step: 'tier-5', code: 'rejected', attempts: 1});
		expect(dep.observed).toBeUndefined();
		expect(await kinds(store, deploymentId)).toEqual(expect.arrayContaining(['target.failed', 'deployment.halted']));
		expect(await kinds(store, deploymentId)).not.toContain('canary.tier_applied');
		expect(existsSync(join(dir, 'sim-world.json'))).toBe(false);
	});

	it('records a driver that throws something other than a DriverError as a failure, with its message', async () => {
		const {store, clock, env, deploymentId} = await started({autoRollback: false});
		const odd = fakeTarget(() => Promise.reject(new TypeError('weights is undefined')));
		const [failed] = await reconcileOnce(store, env, {clock, resolve: odd, policy: QUICK});
		expect(failed).toMatchObject({command: {type: 'target.failed', generation: 1, code: 'protocol', message: 'weights is undefined', attempts: 1}});
		expect(await deployment(store, deploymentId)).toMatchObject({status: 'halted', halt: {trigger: 'target'}, targetError: {code: 'protocol'}});
	});

	it('retries a retryable failure within the policy, and records the attempts', async () => {
		const {store, clock, env, deploymentId} = await started({autoRollback: false});
		let calls = 0;
		const down = fakeTarget(async () => {
			calls += 1;
			throw new DriverError('unreachable', 'connect ECONNREFUSED /run/haproxy.sock');
		});
		const [failed] = await reconcileOnce(store, env, {clock, resolve: down, policy: {...QUICK, retries: 2}});
		expect(calls).toBe(3);
		expect(failed).toMatchObject({command: {type: 'target.failed', code: 'unreachable', attempts: 3}});
		expect((failed!.command as {message: string}).message).toMatch(/attempt 3 of 3/);
		expect(await deployment(store, deploymentId)).toMatchObject({status: 'halted', targetError: {code: 'unreachable', attempts: 3}});
	});

	it('bounds a hung driver by the call policy: a timeout recorded as target.failed, the driver told to stop, the deployment halted', async () => {
		const {store, clock, env, deploymentId} = await started({autoRollback: false});
		let seen: AbortSignal | undefined;
		// Never answers, and ignores its signal: only the policy's bound ends the call.
		const hung = fakeTarget((_percent, opts) => {
			seen = opts.signal;
			return new Promise<RouterReport>(() => undefined);
		});
		const outcomes = await within(reconcileOnce(store, env, {clock, resolve: hung, policy: QUICK}), 10_000, 'a reconcile of a hung target');
		expect(outcomes).toMatchObject([{command: {type: 'target.failed', code: 'timeout', attempts: 1}}]);
		expect((outcomes[0]!.command as {message: string}).message).toMatch(/simulated apply 5%: no answer within 50 ms/);
		expect(seen?.aborted).toBe(true);
		expect(seen?.reason).toBeInstanceOf(DriverError);
		expect(await deployment(store, deploymentId)).toMatchObject({status: 'halted', halt: {trigger: 'target'}, targetError: {code: 'timeout'}});
	});

	it('rolls back on a failed apply when the plan says so, and a revert the target refuses too ends in rollback_failed', async () => {
		const {store, clock, env, deploymentId} = await started();
		const refusing = fakeTarget(async () => {
			throw new DriverError('rejected', 'read-only router');
		});
		await reconcileOnce(store, env, {clock, resolve: refusing, policy: QUICK});
		expect(await deployment(store, deploymentId)).toMatchObject({status: 'rolling_back', desired: {generation: 2, step: 'snapshot'}, halt: {trigger: 'target'}});
		const [revert] = await reconcileOnce(store, env, {clock, resolve: refusing, policy: QUICK});
		expect(revert).toMatchObject({work: {step: 'snapshot'}, command: {type: 'target.failed', generation: 2}});
		const dep = await deployment(store, deploymentId);
		expect(dep.status).toBe('rollback_failed');
		expect(dep.rollback).toMatchObject({verified: false});
		expect(dep.rollback?.error).toContain('read-only router');
		expect(await kinds(store, deploymentId)).toContain('rollback.failed');
	});
});

describe('the engine cycle (reconcile, sample, tick, reconcile) on the simulated driver', () => {
	/** Runs cycles `stepMs` apart until `done` or `max` cycles; returns every action. */
	async function cycles(store: Store, env: {dataDir: string}, clock: ReturnType<typeof clockAt>, stepMs: number, max: number, done: () => Promise<boolean>) {
		const actions: CycleAction[] = [];
		for (let i = 0; i < max && !(await done()); i++) {
			clock.advance(stepMs);
			actions.push(...(await engineCycle(store, env, {clock})).actions);
		}
		return actions;
	}

	it('confirms, samples and ticks in one cycle, and takes a healthy canary through every tier to completion', async () => {
		const {dir, store, clock, env, deploymentId} = await started({bakeMs: 30_000});
		clock.advance(1000);
		const first = await engineCycle(store, env, {clock});
		// The tier is applied before the sample and the tick, its check after them: the tick saw the
		// tier still unchecked, and the sample taken meanwhile is logged but judges nothing.
		expect(first.reconciled.map(o => o.command.type)).toEqual(['target.applied', 'target.sanity']);
		expect(first.sampled).toBe(1);
		expect(first.actions).toEqual([expect.objectContaining({id: deploymentId, action: 'applying', percent: 5})]);
		expect(await deployment(store, deploymentId)).toMatchObject({sampleCount: 1, window: [], observed: {sanity: 'passed'}});
		clock.advance(10_000);
		const second = await engineCycle(store, env, {clock});
		expect(second).toMatchObject({reconciled: [], sampled: 1, actions: [{id: deploymentId, action: 'waiting', percent: 5}]});
		expect((await deployment(store, deploymentId)).window).toHaveLength(1);

		const status = async () => (await deployment(store, deploymentId)).status;
		const actions = await cycles(store, env, clock, 10_000, 60, async () => (await status()) === 'completed');
		expect(await status()).toBe('completed');
		// Promoted tier by tier, then the final step decided, and the deployment ended when the target confirmed it.
		expect(actions.filter(a => a.action === 'promoted').map(a => a.percent)).toEqual([25, 100]);
		expect(actions.slice(-2)).toMatchObject([
			{id: deploymentId, action: 'completing', percent: 100},
			{id: deploymentId, action: 'completed'},
		]);
		const trail = await store.audit({deploymentId});
		expect(trail.filter(e => e.kind === 'canary.tier_applied').map(e => e.data.percent)).toEqual([5, 25, 100]);
		expect(trail.map(e => e.kind).slice(-4)).toEqual(expect.arrayContaining(['canary.final_applied', 'deployment.completed']));
		// The simulator promoted the fleet: the new version is the stable side, no canary left.
		expect(fleetOf(dir)).toEqual({service: 'checkout', replicas: 10, stable: {version: '1.5.0'}, canary: null});
		expect(await engineCycle(store, env, {clock})).toMatchObject({actions: [], reconciled: [], sampled: 0});
		expect((await store.verifyAudit()).ok).toBe(true);
	});

	it('accrues no bake while cycles are further apart than the watch gap: the canary stays on its tier', async () => {
		const {store, clock, env, deploymentId} = await started({bakeMs: 30_000});
		const actions = await cycles(store, env, clock, 20_000, 8, async () => false);
		expect(actions.some(a => a.action === 'promoted')).toBe(false);
		const dep = await deployment(store, deploymentId);
		expect(dep).toMatchObject({status: 'running', percent: 5, bake: {accruedMs: 0}});
		expect(await kinds(store, deploymentId)).toContain('canary.watch_resumed');
	});

	it('halts a canary whose simulated metrics go critical and rolls it back within the same cycle, verified', async () => {
		const {dir, store, clock, env, deploymentId} = await started({bakeMs: 30_000});
		await new SimWorldFile(dir).update(world => new SimFleet(world).addService('checkout', '1.4.0', {scenario: {kind: 'degrading', atPercent: 25}}));
		const status = async () => (await deployment(store, deploymentId)).status;
		const actions = await cycles(store, env, clock, 10_000, 40, async () => ['rolled_back', 'rollback_failed'].includes(await status()));
		expect(await status()).toBe('rolled_back');
		expect(actions.filter(a => a.action === 'promoted').map(a => a.percent)).toEqual([25]);
		expect(actions.at(-1)).toMatchObject({id: deploymentId, action: 'rolled_back'});
		const dep = await deployment(store, deploymentId);
		expect(dep.halt).toMatchObject({trigger: 'critical'});
		expect(dep.rollback).toMatchObject({trigger: 'automatic', verified: true});
		expect(await kinds(store, deploymentId)).toEqual(expect.arrayContaining(['deployment.halted', 'deployment.rolling_back', 'rollback.verified', 'deployment.rolled_back']));
		expect(fleetOf(dir)).toEqual({service: 'checkout', replicas: 10, stable: {version: '1.4.0'}, canary: null});
	});
});
