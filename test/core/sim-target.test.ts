import {describe, expect, it} from 'vitest';
import {DEFAULT_THRESHOLDS, SimTarget, emptyWorld, evaluateSample, type Scenario} from '../../src/core/index.js';
import {Fixture, SERVICE} from './helpers.js';

function target(seed: number, scenario?: Scenario, weight = 5) {
	const sim = new SimTarget(emptyWorld(seed));
	sim.addService(SERVICE, '1.4.0', scenario ? {scenario} : {});
	sim.apply(SERVICE, sim.desiredState(sim.readState(SERVICE), {version: '1.5.0', percent: weight, final: false}));
	return sim;
}
const poll = (sim: SimTarget, n: number) => Array.from({length: n}, (_, i) => sim.pollMetrics(SERVICE, i)!);
const levels = (sim: SimTarget, n: number) => poll(sim, n).map(s => evaluateSample(s, DEFAULT_THRESHOLDS).level);

describe('simulated target: deterministic from a seed', () => {
	it('gives the same samples for the same seed, and different ones for another seed', () => {
		expect(poll(target(7), 20)).toEqual(poll(target(7), 20));
		expect(poll(target(7), 20)).not.toEqual(poll(target(8), 20));
	});

	it('keeps each service\'s sequence its own', () => {
		const sim = target(7);
		sim.addService('payments', '2.0.0');
		expect(sim.pollMetrics('payments', 0)).not.toEqual(target(7).pollMetrics(SERVICE, 0));
	});
});

describe('simulated target: scenarios', () => {
	it('healthy stays within every band', () => {
		expect(new Set(levels(target(3), 300))).toEqual(new Set(['ok']));
	});

	it('degrading is healthy below its tier, then warns once and breaches critical from the tier on', () => {
		const below = target(3, {kind: 'degrading', atPercent: 25}, 5);
		expect(new Set(levels(below, 50))).toEqual(new Set(['ok']));
		const at = target(3, {kind: 'degrading', atPercent: 25}, 25);
		const seen = poll(at, 4);
		expect(evaluateSample(seen[0]!, DEFAULT_THRESHOLDS).reasons).toEqual(['WARNING: TES drop > 2%']);
		for (const s of seen.slice(1)) expect(evaluateSample(s, DEFAULT_THRESHOLDS).reasons).toContain('CRITICAL: TES drop > 5%');
	});

	it('degrading unfolds again at each new weight', () => {
		const sim = target(3, {kind: 'degrading', atPercent: 25}, 25);
		poll(sim, 3);
		sim.apply(SERVICE, sim.desiredState(sim.readState(SERVICE), {version: '1.5.0', percent: 100, final: false}));
		expect(sim.world.services[SERVICE]!.tierPolls).toBe(0);
		expect(levels(sim, 2)).toEqual(['warning', 'critical']);
	});

	it('noisy warns now and then but never breaches critical', () => {
		const seen = levels(target(3, {kind: 'noisy'}), 400);
		expect(seen).toContain('warning');
		expect(seen).toContain('ok');
		expect(seen).not.toContain('critical');
	});

	it('fails its sanity check from the configured share on', () => {
		const sim = target(1, {kind: 'healthy', sanityFailAt: 25});
		expect(sim.sanityCheck(SERVICE, 5)).toEqual({ok: true, output: 'sanity: 5/5 smoke checks passed at 5%'});
		expect(sim.sanityCheck(SERVICE, 25).ok).toBe(false);
		expect(sim.sanityCheck(SERVICE, 100).ok).toBe(false);
	});

	it('with rollbackDrift, leaves traffic on the canary when asked to revert', () => {
		const sim = target(1, {kind: 'healthy', rollbackDrift: true});
		sim.apply(SERVICE, {...sim.readState(SERVICE), canary: null});
		expect(sim.readState(SERVICE).canary).toEqual({version: '1.5.0', weight: 5});
	});
});

describe('simulated target: the Target interface', () => {
	it('hands out copies of its state, so a caller cannot change the fleet by accident', () => {
		const sim = target(1);
		const state = sim.readState(SERVICE) as {replicas: number};
		state.replicas = 99;
		expect(sim.readState(SERVICE).replicas).toBe(10);
	});

	it('derives step states purely, the final step moving the stable version', () => {
		const sim = target(1);
		const base = sim.readState(SERVICE);
		const copy = structuredClone(base);
		expect(sim.desiredState(base, {version: '1.5.0', percent: 25, final: false})).toMatchObject({canary: {version: '1.5.0', weight: 25}});
		expect(sim.desiredState(base, {version: '1.5.0', percent: 100, final: true})).toMatchObject({stable: {version: '1.5.0'}, canary: null});
		expect(base).toEqual(copy);
		expect(() => sim.desiredState({nonsense: true}, {version: 'x', percent: 5, final: false})).toThrow();
	});

	it('seeds a service it has never seen with the from-version, and reads versions and load', () => {
		const sim = new SimTarget(emptyWorld(1));
		expect(sim.versionOf(sim.readState('search', '3.1.0'))).toBe('3.1.0');
		expect(sim.versionOf({nonsense: true})).toBeUndefined();
		expect(sim.resourceLoad('search')).toBe(42);
		sim.addService('search', '3.1.0', {load: 91});
		expect(sim.resourceLoad('search')).toBe(91);
	});

	it('drives the engine on ticks: a degrading canary is halted and rolled back at its tier', () => {
		const f = new Fixture({polls: true, scenario: {kind: 'degrading', atPercent: 5}});
		const id = f.canary();
		const actions = [f.tick(), f.tick()].map(t => t.actions[0]!.action);
		expect(actions).toEqual(['holding', 'rolled_back']);
		expect(f.samples.map(s => s.deploymentId)).toEqual([id, id]);
	});
});
