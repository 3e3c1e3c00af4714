import {describe, expect, it} from 'vitest';
import {DEFAULT_THRESHOLDS, SimFleet, emptyWorld, evaluateSample, simReading, simReports, simSamples, splitOfFleet, targetWork, type Scenario} from '../../src/core/index.js';
import {FROM, Fixture, SERVICE, TO, withEdited} from './helpers.js';

const versions = {stable: FROM, canary: TO};
function fleet(seed: number, scenario?: Scenario, weight = 5) {
	const sim = new SimFleet(emptyWorld(seed));
	sim.addService(SERVICE, FROM, scenario ? {scenario} : {});
	sim.apply(SERVICE, {percent: weight, step: 'tier', versions});
	return sim;
}
const poll = (sim: SimFleet, n: number) => Array.from({length: n}, () => sim.pollMetrics(SERVICE));
const levels = (sim: SimFleet, n: number) => poll(sim, n).map(s => evaluateSample(s, DEFAULT_THRESHOLDS).level);

describe('simulated fleet: deterministic from a seed', () => {
	it('gives the same samples for the same seed, and different ones for another seed', () => {
		expect(poll(fleet(7), 20)).toEqual(poll(fleet(7), 20));
		expect(poll(fleet(7), 20)).not.toEqual(poll(fleet(8), 20));
	});

	it('keeps each service\'s sequence its own', () => {
		const sim = fleet(7);
		sim.addService('payments', '2.0.0');
		expect(sim.pollMetrics('payments')).not.toEqual(fleet(7).pollMetrics(SERVICE));
	});
});

describe('simulated fleet: scenarios', () => {
	it('healthy stays within every band', () => {
		expect(new Set(levels(fleet(3), 300))).toEqual(new Set(['ok']));
	});

	it('degrading is healthy below its tier, then warns once and breaches critical from the tier on', () => {
		const below = fleet(3, {kind: 'degrading', atPercent: 25}, 5);
		expect(new Set(levels(below, 50))).toEqual(new Set(['ok']));
		const at = fleet(3, {kind: 'degrading', atPercent: 25}, 25);
		const seen = poll(at, 4);
		expect(evaluateSample(seen[0]!, DEFAULT_THRESHOLDS).reasons).toEqual(['WARNING: TES drop > 2%']);
		for (const s of seen.slice(1)) expect(evaluateSample(s, DEFAULT_THRESHOLDS).reasons).toContain('CRITICAL: TES drop > 5%');
	});

	it('degrading unfolds again at each new weight', () => {
		const sim = fleet(3, {kind: 'degrading', atPercent: 25}, 25);
		poll(sim, 3);
		sim.apply(SERVICE, {percent: 100, step: 'tier', versions});
		expect(sim.world.services[SERVICE]!.tierPolls).toBe(0);
		expect(levels(sim, 2)).toEqual(['warning', 'critical']);
	});

	it('noisy warns now and then but never breaches critical', () => {
		const seen = levels(fleet(3, {kind: 'noisy'}), 400);
		expect(seen).toContain('warning');
		expect(seen).toContain('ok');
		expect(seen).not.toContain('critical');
	});

	it('fails its sanity check from the configured share on', () => {
		const sim = fleet(1, {kind: 'healthy', sanityFailAt: 25});
		expect(sim.sanityCheck(SERVICE, 5)).toEqual({ok: true, output: 'sanity: 5/5 smoke checks passed at 5%'});
		expect(sim.sanityCheck(SERVICE, 25).ok).toBe(false);
		expect(sim.sanityCheck(SERVICE, 100).ok).toBe(false);
	});

	it('with rollbackDrift, leaves traffic on the canary when asked to revert, and reads that back', () => {
		const sim = fleet(1, {kind: 'healthy', rollbackDrift: true});
		const back = sim.apply(SERVICE, {percent: 0, step: 'snapshot', versions});
		expect(back).toEqual({percent: 5, stable: {weight: 95, version: FROM}, canary: {weight: 5, version: TO}});
		expect(sim.world.services[SERVICE]!.fleet.canary).toEqual({version: TO, weight: 5});
	});
});

describe('simulated fleet: read and apply as a router would', () => {
	it('reports the split as weights p and 100 − p with the versions it runs, as a copy', () => {
		const sim = fleet(1, undefined, 25);
		const split = sim.read(SERVICE);
		expect(split).toEqual({percent: 25, stable: {weight: 75, version: FROM}, canary: {weight: 25, version: TO}});
		split.percent = 99;
		split.stable.version = 'x';
		expect(sim.read(SERVICE)).toEqual({percent: 25, stable: {weight: 75, version: FROM}, canary: {weight: 25, version: TO}});
		expect(splitOfFleet({service: SERVICE, replicas: 3, stable: {version: FROM}, canary: null})).toEqual({percent: 0, stable: {weight: 100, version: FROM}, canary: {weight: 0}});
	});

	it('applies a step and reads it back: a tier splits, the final step promotes, the snapshot returns to the from-version', () => {
		const sim = fleet(1);
		expect(sim.apply(SERVICE, {percent: 25, step: 'tier', versions})).toEqual(sim.read(SERVICE));
		expect(sim.apply(SERVICE, {percent: 100, step: 'final', versions})).toEqual({percent: 0, stable: {weight: 100, version: TO}, canary: {weight: 0}});
		expect(sim.world.services[SERVICE]!.fleet).toEqual({service: SERVICE, replicas: 10, stable: {version: TO}, canary: null});
		expect(sim.apply(SERVICE, {percent: 0, step: 'snapshot', versions})).toEqual({percent: 0, stable: {weight: 100, version: FROM}, canary: {weight: 0}});
	});

	it('learns a service it has never seen at the from-version, and reads its load', () => {
		const sim = new SimFleet(emptyWorld(1));
		expect(sim.read('search', '3.1.0')).toEqual({percent: 0, stable: {weight: 100, version: '3.1.0'}, canary: {weight: 0}});
		expect(sim.resourceLoad('search')).toBe(42);
		sim.addService('search', '3.1.0', {load: 91});
		expect(sim.resourceLoad('search')).toBe(91);
		expect(simReading(sim, 'search', undefined, Date.parse('2026-11-25T10:00:00Z'))).toEqual({
			kind: 'simulated',
			split: {percent: 0, stable: {weight: 100, version: '3.1.0'}, canary: {weight: 0}},
			load: 91,
			at: '2026-11-25T10:00:00.000Z',
		});
	});
});

describe('simulated fleet: answering the engine', () => {
	it('answers only the work of simulated deployments, and samples only live simulated canaries', () => {
		const f = new Fixture({manualTarget: true});
		const id = f.start(f.signedLease());
		// A deployment steered through a router: the simulator must not answer for it.
		f.state = withEdited(f.state, 'deployments', id, d => {
			d.target = 'haproxy';
		});
		expect(targetWork(f.state)).toHaveLength(1);
		expect(simReports(f.state, f.fleet)).toEqual([]);
		expect(simSamples(f.state, f.fleet)).toEqual([]);
		expect(f.fleetOf().canary).toBeNull();
	});

	it('confirms a decision with the split it read back, then runs the sanity check as a report of its own', () => {
		const f = new Fixture({manualTarget: true});
		const id = f.start(f.signedLease());
		const [applied] = simReports(f.state, f.fleet);
		expect(applied).toEqual({
			type: 'target.applied',
			actor: 'engine',
			id,
			generation: 1,
			split: {percent: 5, stable: {weight: 95, version: FROM}, canary: {weight: 5, version: TO}},
			evidence: 'router',
			sanity: true,
		});
		f.run(applied!);
		const [sanity] = simReports(f.state, f.fleet);
		expect(sanity).toEqual({type: 'target.sanity', actor: 'engine', id, generation: 1, ok: true, output: 'sanity: 5/5 smoke checks passed at 5%'});
		f.run(sanity!);
		expect(simReports(f.state, f.fleet)).toEqual([]);
		expect(simSamples(f.state, f.fleet)).toEqual([{type: 'metrics.record', source: 'simulated', actor: 'engine', id, sample: expect.objectContaining({cpu: expect.any(Number)})}]);
	});

	it('drives the engine on ticks: a degrading canary is halted and rolled back at its tier', () => {
		const f = new Fixture({polls: true, scenario: {kind: 'degrading', atPercent: 5}});
		const id = f.canary();
		// The first sample warns: the tick holds. The second is critical: it halts before the tick runs.
		expect(f.tick().actions).toEqual([{id, action: 'holding', percent: 5, detail: expect.stringContaining('WARNING: TES drop > 2%')}]);
		expect(f.tick().actions).toEqual([]);
		expect(f.dep(id)).toMatchObject({status: 'rolled_back', halt: {trigger: 'critical', actor: 'engine'}, rollback: {trigger: 'automatic', verified: true}});
		expect(f.samples.map(s => s.deploymentId)).toEqual([id, id]);
	});
});
