import {describe, expect, it} from 'vitest';
import {riskOf, runPrechecks, startPreview, type State} from '../../src/core/index.js';
import {Fixture, SERVICE} from './helpers.js';

/** The fixture's state as the store keeps it: with the simulated world inside. */
const stored = (f: Fixture): State => ({...f.state, world: structuredClone(f.target.world)});

describe('the start preview (pre-checks run read-only)', () => {
	it('gives the answer the engine gives on start, check by check', () => {
		const f = new Fixture();
		const lease = f.lease(f.signedLease());
		const intent = f.intentOf(lease.intentId);
		const now = f.clock.now();
		const engine = runPrechecks(f.state, lease, intent, {target: f.target, now, risk: riskOf(f.state, intent, now), trust: f.trust});
		expect(startPreview(stored(f), lease, now, f.trust)).toEqual(engine);
	});

	it('names the failing check where the engine would refuse', () => {
		const f = new Fixture({load: 91});
		const leaseId = f.signedLease();
		const preview = startPreview(stored(f), f.lease(leaseId), f.clock.now(), f.trust);
		expect(preview.ok).toBe(false);
		expect(preview.checks.filter(c => !c.ok)).toEqual([{name: 'resource load', ok: false, detail: 'load 91% ≥ 85%'}]);
		expect(f.refuse(f.startCmd(leaseId)).code).toBe('PRECHECK_FAILED');
	});

	it('never changes the world it reads, even for a service the target has not seen', () => {
		const f = new Fixture();
		const lease = f.lease(f.signedLease());
		const state = stored(f);
		delete (state.world as {services: Record<string, unknown>}).services[SERVICE];
		const before = structuredClone(state);
		const preview = startPreview(state, lease, f.clock.now(), f.trust);
		expect(state).toEqual(before);
		expect(preview.checks.find(c => c.name === 'target version')?.ok).toBe(true);
	});

	it('fails the intent check when the intent is gone', () => {
		const f = new Fixture();
		const lease = f.lease(f.signedLease());
		const state = {...stored(f), intents: []};
		expect(startPreview(state, lease, f.clock.now(), f.trust)).toEqual({ok: false, checks: [{name: 'intent status', ok: false, detail: `intent ${lease.intentId} does not exist`}]});
	});
});
