import {describe, expect, it} from 'vitest';
import {bakeElapsed, DEFAULT_PLAN, evaluateGate, iso, ms, targetWork, WATCH_GAP_MS, type Command, type Split} from '../../src/core/index.js';
import {BAKE, CLEAN, FROM, Fixture, MIN, START, TO, WARN, withEdited} from './helpers.js';

const SEC = 1000;
const at = (percent: number): Split => ({percent, stable: {weight: 100 - percent, version: FROM}, canary: {weight: percent, version: TO}});
const resumed = (f: Fixture, id: string) => f.events.filter(e => e.subject === id && e.kind === 'canary.watch_resumed');

describe('bake time accrues only while an engine watches', () => {
	it('adds the time between ticks no further apart than the watch gap, and nothing across a longer gap', () => {
		const f = new Fixture();
		const id = f.canary();
		f.clock.advance(WATCH_GAP_MS);
		f.tick();
		expect(f.dep(id).bake).toEqual({accruedMs: WATCH_GAP_MS, watchedAt: iso(f.clock.now())});
		f.clock.advance(WATCH_GAP_MS + 1);
		f.tick();
		expect(f.dep(id).bake).toEqual({accruedMs: WATCH_GAP_MS, watchedAt: iso(f.clock.now())});
		f.clock.advance(10 * SEC);
		f.tick();
		expect(f.dep(id).bake!.accruedMs).toBe(WATCH_GAP_MS + 10 * SEC);
	});

	it('drops the window across a gap and says so with canary.watch_resumed', () => {
		const f = new Fixture();
		const id = f.canary();
		for (let i = 0; i < 3; i++) f.record(id, CLEAN);
		f.clock.advance(40 * SEC);
		f.tick();
		expect(f.dep(id).window).toEqual([]);
		expect(f.dep(id).sampleCount).toBe(3);
		expect(resumed(f, id).map(e => [e.actor, e.reason, e.data])).toEqual([
			['engine', 'no engine watched for 40s: that time adds no bake, and the 3 sample(s) from before it no longer count', {gapMs: 40 * SEC, dropped: 3}],
		]);
		// Within the gap, nothing of the kind.
		f.record(id, CLEAN);
		f.clock.advance(WATCH_GAP_MS);
		f.tick();
		expect(resumed(f, id)).toHaveLength(1);
		expect(f.dep(id).window).toHaveLength(1);
	});

	it('counts down between ticks on a screen, but never across a gap', () => {
		const f = new Fixture();
		const id = f.canary();
		f.clock.advance(10 * SEC);
		f.tick();
		const dep = f.dep(id);
		expect(bakeElapsed(dep, f.clock.now() + 5 * SEC)).toBe(15 * SEC);
		expect(bakeElapsed(dep, f.clock.now() + WATCH_GAP_MS)).toBe(10 * SEC + WATCH_GAP_MS);
		expect(bakeElapsed(dep, f.clock.now() + WATCH_GAP_MS + 1)).toBe(10 * SEC);
		expect(evaluateGate(dep, f.clock.now() + 10 * MIN).bake).toMatchObject({elapsedMs: 10 * SEC, leftMs: BAKE - 10 * SEC});
	});

	it('starts no bake before the target confirms; a gate without a decision (older callers) counts from the tier\'s start', () => {
		const plan = DEFAULT_PLAN;
		const desired = {generation: 1, step: 'tier-5', percent: 5, at: START};
		expect(bakeElapsed({plan, window: [], tierStartedAt: START, desired}, ms(START) + BAKE)).toBe(0);
		expect(bakeElapsed({plan, window: [], tierStartedAt: START}, ms(START) + BAKE)).toBe(BAKE);
	});

	it('keeps the bake of an awaiting-promotion canary honest too: a gap drops its window and it holds again', () => {
		const f = new Fixture();
		const id = f.canary({plan: {autoPromote: false}});
		f.bake(id);
		expect(f.tick().actions[0]).toMatchObject({action: 'awaiting_promotion'});
		f.clock.advance(MIN);
		expect(f.tick().actions[0]).toMatchObject({action: 'holding', detail: 'gate holding: TES inconclusive: 0/3 samples'});
		expect(f.dep(id).status).toBe('holding');
		expect(resumed(f, id)).toHaveLength(1);
	});

	it('costs no watch while the tier\'s sanity check runs: the bake starts when it passes', () => {
		const f = new Fixture({manualTarget: true});
		const id = f.start(f.signedLease());
		f.run({type: 'target.applied', actor: 'engine', id, generation: 1, split: at(5), evidence: 'router', sanity: true});
		// Ticks while the check runs leave the tier alone.
		f.clock.advance(10 * SEC);
		expect(f.tick().actions[0]).toMatchObject({action: 'applying', detail: 'gate holding: target: the sanity check of 5% has not run yet'});
		f.clock.advance(50 * SEC);
		f.run({type: 'target.sanity', actor: 'engine', id, generation: 1, ok: true, output: 'smoke ok (slow)'});
		expect(f.dep(id).bake).toEqual({accruedMs: 0, watchedAt: iso(f.clock.now())});
		f.clock.advance(10 * SEC);
		f.tick();
		expect(f.dep(id).bake!.accruedMs).toBe(10 * SEC);
		expect(resumed(f, id)).toEqual([]);
	});

	it('bakes a resumed tier again from scratch', () => {
		const f = new Fixture();
		const id = f.canary();
		f.wait(5 * MIN);
		f.tick();
		expect(f.dep(id).bake!.accruedMs).toBe(5 * MIN);
		f.run({type: 'canary.halt', actor: 'human:alice', id, reason: 'look'});
		f.clock.advance(MIN);
		f.run({type: 'canary.resume', actor: 'human:alice', id, reason: 'fine'});
		expect(f.dep(id).bake).toEqual({accruedMs: 0, watchedAt: iso(f.clock.now())});
	});
});

describe('a canary nobody watched is not promoted by the next engine (issue 11)', () => {
	it('stop the engine for 90 s, run it once: no promotion, the bake goes on from what was watched', () => {
		const f = new Fixture();
		const id = f.canary({plan: {bakeMs: MIN}});
		for (let i = 0; i < 3; i++) f.record(id, CLEAN);
		f.wait(30 * SEC);
		f.tick();
		expect(f.dep(id).bake!.accruedMs).toBe(30 * SEC);
		// The console stops; 90 s later `calyx engine --once` ticks. Wall-clock time since the tier began is
		// 120 s, twice the bake: an engine that counted it would promote at once.
		f.clock.advance(90 * SEC);
		const {actions} = f.tick();
		expect(actions).toEqual([{id, action: 'waiting', percent: 5, detail: 'gate holding: TES inconclusive: 0/3 samples'}]);
		expect(f.dep(id)).toMatchObject({percent: 5, status: 'running', window: [], bake: {accruedMs: 30 * SEC}});
		expect(f.kinds(id)).not.toContain('canary.promoted');
		// Watched again, with fresh samples, it promotes once the rest of the bake has been watched.
		for (let i = 0; i < 3; i++) f.record(id, CLEAN);
		f.wait(29 * SEC);
		expect(f.tick().actions[0]).toMatchObject({action: 'waiting', detail: 'gate holding: bake: 1s left of 1m'});
		f.clock.advance(SEC);
		expect(f.tick().actions[0]).toMatchObject({action: 'promoted', percent: 25});
	});

	it('the same with the bake already over before the stop: the stale window is dropped, fresh samples are needed', () => {
		const f = new Fixture({config: {}, polls: false});
		const id = f.canary({plan: {bakeMs: MIN, autoPromote: false}});
		f.bake(id);
		f.tick();
		expect(f.dep(id).status).toBe('awaiting_promotion');
		f.clock.advance(90 * SEC);
		// An operator's promotion before the engine's next tick must not pass on the window nobody watched.
		const error = f.refuse({type: 'canary.promote', actor: 'human:alice', id});
		expect(error).toMatchObject({kind: 'refused', code: 'GATE_CLOSED', message: 'gate holding: watch: no engine has watched for 1m 30s: the window\'s samples are from before that; wait for the engine\'s next tick'});
		expect(error.reasons).toEqual([{code: 'GATE_HOLD', message: expect.stringMatching(/^watch: no engine has watched for 1m 30s/)}]);
		// Forced, with a reason, it is the operator's call, and the record says what was overridden.
		const forced = new Fixture();
		forced.state = f.state;
		forced.clock.set(f.clock.now());
		expect(forced.run({type: 'canary.promote', actor: 'human:alice', id, force: true, reason: 'watched it on the dashboards'})).toMatchObject({forced: true, to: 25});
		expect(forced.events.find(e => e.kind === 'canary.promoted')!.data).toMatchObject({forced: true, overridden: [expect.stringMatching(/^watch: /)]});
		// The engine's tick drops the window instead: fresh samples are needed.
		expect(f.tick().actions[0]).toMatchObject({action: 'holding', detail: 'gate holding: TES inconclusive: 0/3 samples'});
		for (let i = 0; i < 3; i++) f.record(id, CLEAN);
		expect(f.run({type: 'canary.promote', actor: 'human:alice', id})).toMatchObject({forced: false, to: 25});
	});
});

describe('the gate and promotion wait for the target', () => {
	it('says the decision is not yet confirmed while the target applies it, and the tick reports applying', () => {
		const f = new Fixture({manualTarget: true});
		const id = f.start(f.signedLease());
		const gate = evaluateGate(f.dep(id), f.clock.now());
		expect(gate).toMatchObject({verdict: 'hold', bakingOnly: false, summary: 'gate holding: target: 5% decided, not yet confirmed by the target'});
		expect(gate.bake.elapsedMs).toBe(0);
		f.clock.advance(BAKE);
		expect(f.tick().actions).toEqual([{id, action: 'applying', percent: 5, detail: 'gate holding: target: 5% decided, not yet confirmed by the target'}]);
		// A tick neither accrues bake nor drops anything while it waits.
		expect(f.dep(id).bake).toBeUndefined();
		expect(f.kinds(id)).not.toContain('canary.watch_resumed');
	});

	it('bakes from the confirmation, not from the decision: a target slow to apply gives the tier no head start', () => {
		const f = new Fixture({manualTarget: true});
		const id = f.start(f.signedLease());
		f.clock.advance(10 * MIN);
		f.reconcile();
		expect(f.dep(id).tierStartedAt).toBe(iso(f.clock.now()));
		for (let i = 0; i < 3; i++) f.record(id, CLEAN);
		f.wait(BAKE - MIN);
		expect(f.tick().actions[0]).toMatchObject({action: 'waiting', detail: 'gate holding: bake: 1m left of 15m'});
	});

	it('refuses a promotion while the target has not confirmed, even forced (TARGET_PENDING)', () => {
		const f = new Fixture({manualTarget: true});
		const id = f.start(f.signedLease());
		const promote = (extra: Partial<Extract<Command, {type: 'canary.promote'}>> = {}): Command => ({type: 'canary.promote', actor: 'human:alice', id, ...extra});
		const pending = f.refuse(promote({force: true, reason: 'ship it'}));
		expect(pending).toMatchObject({kind: 'refused', code: 'TARGET_PENDING', message: `${id}: the target has not confirmed 5% yet; promote once it has`});
		expect(f.refuse(promote())).toMatchObject({code: 'TARGET_PENDING'});
		// Confirmed, but its sanity check not yet run: still pending.
		f.run({type: 'target.applied', actor: 'engine', id, generation: 1, split: at(5), evidence: 'router', sanity: true});
		expect(f.refuse(promote({force: true, reason: 'ship it'}))).toMatchObject({code: 'TARGET_PENDING'});
		f.run({type: 'target.sanity', actor: 'engine', id, generation: 1, ok: true, output: 'ok'});
		expect(f.run(promote({force: true, reason: 'ship it'}))).toMatchObject({forced: true, to: 25});
		// The next decision is pending in turn.
		expect(f.refuse(promote({force: true, reason: 'and again'}))).toMatchObject({code: 'TARGET_PENDING', message: `${id}: the target has not confirmed 25% yet; promote once it has`});
	});

	it('decides one tier per tick at most, and the next only once the target confirmed it', () => {
		const f = new Fixture({manualTarget: true});
		const id = f.start(f.signedLease({plan: {bakeMs: 0, minSamples: 1}}));
		f.reconcile();
		f.record(id, CLEAN);
		expect(f.tick().actions[0]).toMatchObject({action: 'promoted', percent: 25});
		for (let i = 0; i < 3; i++) expect(f.tick().actions[0]).toMatchObject({action: 'applying', percent: 25});
		expect(f.dep(id).desired.generation).toBe(2);
	});

	it('never polls the target on a tick: the fleet is untouched, no sample invented', () => {
		const f = new Fixture();
		const id = f.canary();
		const world = structuredClone(f.fleet.world);
		for (let i = 0; i < 5; i++) {
			f.clock.advance(10 * SEC);
			f.tick();
		}
		expect(f.fleet.world).toEqual(world);
		expect(f.dep(id).sampleCount).toBe(0);
	});

	it('keeps a warning hold while waiting: the target\'s hold is shown after the metrics\'', () => {
		const f = new Fixture({manualTarget: true});
		const id = f.start(f.signedLease());
		f.reconcile();
		f.record(id, WARN);
		const gate = evaluateGate(f.dep(id), f.clock.now());
		expect(gate.reasons[0]).toMatch(/^WARNING: TES drop > 2%/);
		expect(gate.reasons).not.toContainEqual(expect.stringMatching(/^target: /));
	});
});

describe('a halted deployment the target finished meanwhile', () => {
	it('takes back a final step decided before the halt: the target never carries it while halted, and the resumed deployment completes through the gate', () => {
		const f = new Fixture({manualTarget: true});
		const id = f.start(f.signedLease({plan: {tiers: [100], autoPromote: false, bakeMs: 0, minSamples: 1}}));
		f.reconcile();
		f.record(id, CLEAN);
		f.run({type: 'canary.promote', actor: 'human:alice', id});
		f.run({type: 'canary.halt', actor: 'human:alice', id, reason: 'hold on'});
		// Halted deployments are still reconciled, but to the step last confirmed: the canary at 100 %, not the final step.
		expect(f.dep(id).desired).toMatchObject({generation: 3, step: 'tier-100', percent: 100});
		expect(targetWork(f.state)).toEqual([expect.objectContaining({op: 'apply', step: 'tier', generation: 3})]);
		f.reconcile();
		expect(f.dep(id)).toMatchObject({status: 'halted', observed: {generation: 3, step: 'tier-100'}});
		expect(f.fleetOf().stable.version).toBe(FROM);
		expect(f.kinds(id)).not.toContain('canary.final_applied');
		// Resumed, the last tier bakes again (its step is what the target carries) and the gate decides the final step.
		f.run({type: 'canary.resume', actor: 'human:alice', id, reason: 'all good'});
		expect(f.dep(id)).toMatchObject({status: 'running', desired: {generation: 3}});
		f.record(id, CLEAN);
		f.run({type: 'canary.promote', actor: 'human:alice', id});
		f.reconcile();
		expect(f.dep(id)).toMatchObject({status: 'completed', observed: {step: 'final'}});
		expect(f.intentOf(f.dep(id).intentId).status).toBe('deployed');
		expect(f.fleetOf().stable.version).toBe(TO);
	});

	it('completes when resumed if the target confirmed the final step while it was halted (a deployment halted before halts took decisions back)', () => {
		const f = new Fixture({manualTarget: true});
		const id = f.start(f.signedLease({plan: {tiers: [100], autoPromote: false, bakeMs: 0, minSamples: 1}}));
		f.reconcile();
		f.record(id, CLEAN);
		f.run({type: 'canary.promote', actor: 'human:alice', id});
		// Halted as an earlier engine left it: the final step still decided, not taken back.
		const halt = {trigger: 'manual' as const, reason: 'hold on', actor: 'human:alice', at: f.dep(id).updatedAt};
		f.state = withEdited(f.state, 'deployments', id, d => Object.assign(d, {status: 'halted', halt}));
		expect(targetWork(f.state)).toEqual([expect.objectContaining({op: 'apply', step: 'final'})]);
		f.reconcile();
		expect(f.dep(id)).toMatchObject({status: 'halted', observed: {step: 'final'}});
		expect(f.kinds(id)).toContain('canary.final_applied');
		f.run({type: 'canary.resume', actor: 'human:alice', id, reason: 'all good'});
		expect(f.dep(id).status).toBe('completed');
		expect(f.intentOf(f.dep(id).intentId).status).toBe('deployed');
		expect(f.events.filter(e => e.subject === id).slice(-2).map(e => [e.kind, e.reason])).toEqual([
			['deployment.running', 'all good'],
			['deployment.completed', `resumed: the target already carries all traffic on ${TO}`],
		]);
	});
});
