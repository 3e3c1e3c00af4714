import {describe, expect, it} from 'vitest';
import {DEFAULT_PLAN, evaluateGate, iso, ms, type Sample} from '../../src/core/index.js';
import {BAKE, CLEAN, CRIT, Fixture, MIN, START, WARN, withEdited} from './helpers.js';

const t0 = ms(START);
const at = (offsetMs: number) => iso(t0 + offsetMs);
const window = (...samples: Array<Omit<Sample, 'at'>>): Sample[] => samples.map((s, i) => ({...s, at: at(i * MIN)}));
const gate = (samples: Sample[], elapsedMs: number, plan = DEFAULT_PLAN) =>
	evaluateGate({plan, window: samples, tierStartedAt: START}, t0 + elapsedMs);

describe('health gate between tiers', () => {
	it('opens when the bake has elapsed, every metric has its samples and the window is clean', () => {
		const g = gate(window(CLEAN, CLEAN, CLEAN), BAKE);
		expect(g).toMatchObject({verdict: 'pass', reasons: [], warning: false, summary: 'gate open: bake elapsed, samples complete, window clean'});
		expect(g.bake).toEqual({elapsedMs: BAKE, requiredMs: BAKE, leftMs: 0});
		// Each metric explains itself: value against its bands, samples against the minimum.
		expect(g.metrics.map(m => m.explanation)).toEqual([
			'ok: TES 0.3% (warning < -2%, critical < -5%), 3/3 samples',
			'ok: error rate 0.2% (warning > 1%, critical > 2%), 3/3 samples',
			'ok: CPU 50% (warning > 110%, critical > 120%), 3/3 samples',
			'ok: memory 60% (warning > 90%, critical > 95%), 3/3 samples',
		]);
	});

	it('waits for the bake time and says how long is left, to the millisecond edge', () => {
		const early = gate(window(CLEAN, CLEAN, CLEAN), BAKE - 10 * MIN - 5000);
		expect(early).toMatchObject({verdict: 'hold', bakingOnly: true, warning: false});
		expect(early.reasons).toEqual(['bake: 10m 5s left of 15m']);
		expect(early.bake.leftMs).toBe(10 * MIN + 5000);
		expect(gate(window(CLEAN, CLEAN, CLEAN), BAKE - 1).verdict).toBe('hold');
		expect(gate(window(CLEAN, CLEAN, CLEAN), BAKE).verdict).toBe('pass');
	});

	it('holds on too few samples, naming the count, even after the bake', () => {
		const g = gate(window(CLEAN), BAKE);
		expect(g).toMatchObject({verdict: 'hold', bakingOnly: false, warning: false});
		expect(g.reasons).toEqual([
			'TES inconclusive: 1/3 samples',
			'error rate inconclusive: 1/3 samples',
			'CPU inconclusive: 1/3 samples',
			'memory inconclusive: 1/3 samples',
		]);
	});

	it('counts samples per metric: a metric nobody reports keeps the gate shut', () => {
		const g = gate(window({tesDelta: 0}, {tesDelta: 0}, {tesDelta: 0}), BAKE);
		expect(g.verdict).toBe('hold');
		expect(g.metrics.map(m => m.level)).toEqual(['ok', 'inconclusive', 'inconclusive', 'inconclusive']);
		expect(g.reasons[0]).toBe('error rate inconclusive: 0/3 samples');
	});

	it('holds on a warning within the last minimum-samples window, until a clean window follows', () => {
		const held = gate(window(WARN, CLEAN, CLEAN), BAKE);
		expect(held).toMatchObject({verdict: 'hold', warning: true});
		expect(held.reasons).toEqual([
			'WARNING: TES drop > 2% in the last 3 samples — TES -3% (warning < -2%, critical < -5%); waiting for a clean window',
		]);
		expect(gate(window(WARN, CLEAN, CLEAN, CLEAN), BAKE).verdict).toBe('pass');
	});

	it('shuts on a critical anywhere in the tier, even outside the recent window, and says so first', () => {
		const g = gate(window(CRIT, WARN, CLEAN, CLEAN, CLEAN), 0);
		expect(g.verdict).toBe('halt');
		expect(g.summary).toBe('gate closed: CRITICAL: TES drop > 5% — TES -6% (warning < -2%, critical < -5%)');
		expect(g.reasons[0]).toMatch(/^CRITICAL/);
		expect(g.reasons.at(-1)).toBe('bake: 15m left of 15m');
		expect(g.warning).toBe(false);
	});

	it('follows the plan\'s minimum samples and bake time', () => {
		const plan = {...DEFAULT_PLAN, minSamples: 1, bakeMs: 0};
		expect(gate(window(CLEAN), 0, plan).verdict).toBe('pass');
		expect(gate([], 0, plan).reasons).toContain('TES inconclusive: 0/1 samples');
	});
});

describe('promotion goes only through the gate', () => {
	it('refuses a manual promotion while the gate holds, with every reason', () => {
		const f = new Fixture();
		const id = f.canary();
		f.record(id, CLEAN);
		const error = f.refuse({type: 'canary.promote', actor: 'human:alice', id});
		expect(error).toMatchObject({kind: 'refused', code: 'GATE_CLOSED'});
		expect(error.reasons.map(r => r.message)).toEqual([
			'TES inconclusive: 1/3 samples',
			'error rate inconclusive: 1/3 samples',
			'CPU inconclusive: 1/3 samples',
			'memory inconclusive: 1/3 samples',
			'bake: 15m left of 15m',
		]);
	});

	it('promotes by hand once the gate is open', () => {
		const f = new Fixture();
		const id = f.canary({plan: {autoPromote: false}});
		f.bake(id);
		expect(f.run({type: 'canary.promote', actor: 'human:alice', id})).toMatchObject({from: 5, to: 25, status: 'running', forced: false});
		expect(f.events.at(-3)).toMatchObject({kind: 'canary.promoted', reason: 'promoted by operator: gate passed', data: {from: 5, to: 25}});
	});

	it('lets a forced promotion with a reason pass a warning hold, and records what it overrode', () => {
		const f = new Fixture();
		const id = f.canary();
		f.bake(id, WARN);
		const out = f.run({type: 'canary.promote', actor: 'human:alice', id, force: true, reason: 'known flaky TES probe'});
		expect(out).toMatchObject({to: 25, forced: true});
		const promoted = f.events.find(e => e.kind === 'canary.promoted')!;
		expect(promoted.reason).toBe('forced promotion: known flaky TES probe');
		expect(promoted.data).toMatchObject({forced: true, overridden: [expect.stringContaining('WARNING: TES drop > 2%')]});
	});

	it.each([[undefined], [''], ['   ']])('refuses a forced promotion without a reason (%j)', reason => {
		const f = new Fixture();
		const id = f.canary();
		f.bake(id, WARN);
		const error = f.refuse({type: 'canary.promote', actor: 'human:alice', id, force: true, ...(reason === undefined ? {} : {reason})});
		expect(error).toMatchObject({kind: 'invalid', code: 'REASON_REQUIRED'});
		expect(error.message).toMatch(/^reason: /);
	});

	it('keeps at least the plan\'s minimum samples in the window, whatever the configured window', () => {
		const f = new Fixture({config: {sampleWindow: 5}});
		const id = f.canary({plan: {minSamples: 8}});
		for (let i = 0; i < 10; i++) f.record(id, CLEAN);
		expect(f.dep(id).window).toHaveLength(8);
		f.wait(BAKE);
		expect(f.tick().actions[0]).toMatchObject({action: 'promoted', percent: 25});
	});

	it('bounds the window by the configured size', () => {
		const f = new Fixture({config: {sampleWindow: 5}});
		const id = f.canary();
		for (let i = 0; i < 9; i++) f.record(id, {...CLEAN, cpu: i});
		expect(f.dep(id).window.map(s => s.cpu)).toEqual([4, 5, 6, 7, 8]);
		expect(f.dep(id).sampleCount).toBe(9);
	});

	it('never forces past a critical', () => {
		const f = new Fixture();
		const id = f.canary();
		f.bake(id);
		// A critical that sits in an active window (e.g. an edited document): the gate alone must stop it.
		f.state = withEdited(f.state, 'deployments', id, d => {
			d.window.push({...CRIT, at: iso(f.clock.now())});
		});
		const error = f.refuse({type: 'canary.promote', actor: 'human:alice', id, force: true, reason: 'ship it'});
		expect(error).toMatchObject({kind: 'refused', code: 'GATE_CRITICAL'});
		expect(error.message).toContain('CRITICAL: TES drop > 5%');
	});

	it('never forces a deployment a critical has halted', () => {
		const f = new Fixture();
		const id = f.canary({plan: {autoRollback: false}});
		f.record(id, CRIT);
		const error = f.refuse({type: 'canary.promote', actor: 'human:alice', id, force: true, reason: 'ship it'});
		expect(error).toMatchObject({kind: 'refused', code: 'NOT_ACTIVE'});
	});
});
