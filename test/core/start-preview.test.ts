import {describe, expect, it} from 'vitest';
import {riskOf, runPrechecks, startPreview} from '../../src/core/index.js';
import {Fixture, SERVICE} from './helpers.js';

describe('the start preview (pre-checks run read-only)', () => {
	it('gives the answer the engine gives on start, check by check, on the same reading', () => {
		const f = new Fixture();
		const leaseId = f.signedLease();
		const lease = f.lease(leaseId);
		const intent = f.intentOf(lease.intentId);
		const now = f.clock.now();
		const reading = f.reading();
		const engine = runPrechecks(f.state, lease, intent, {reading, now, risk: riskOf(f.state, intent, now), trust: f.trust});
		const preview = startPreview(f.state, lease, now, f.trust, reading);
		expect(preview).toEqual(engine);
		const id = f.run<{id: string}>({type: 'canary.start', actor: 'human:alice', leaseId, reading}).id;
		expect(f.events.find(e => e.kind === 'canary.prechecks_passed' && e.subject === id)!.data.checks).toEqual(preview.checks);
	});

	it('names the failing check where the engine would refuse', () => {
		const f = new Fixture({load: 91});
		const leaseId = f.signedLease();
		const preview = startPreview(f.state, f.lease(leaseId), f.clock.now(), f.trust, f.reading());
		expect(preview.ok).toBe(false);
		expect(preview.checks.filter(c => !c.ok)).toEqual([{name: 'resource load', ok: false, detail: 'load 91% ≥ 85%'}]);
		expect(f.refuse(f.startCmd(leaseId)).code).toBe('PRECHECK_FAILED');
	});

	it('reads no target and changes nothing: without a reading, the target\'s checks say it has not been read', () => {
		const f = new Fixture();
		const lease = f.lease(f.signedLease());
		const state = structuredClone(f.state);
		const world = structuredClone(f.fleet.world);
		const preview = startPreview(state, lease, f.clock.now(), f.trust);
		expect(state).toEqual(f.state);
		expect(f.fleet.world).toEqual(world);
		expect(preview.ok).toBe(false);
		const unread = preview.checks.find(c => c.name === 'resource load')!.detail;
		expect(unread).toMatch(/reading the target|not been read/);
		expect(preview.checks.filter(c => !c.ok).map(c => [c.name, c.detail])).toEqual([
			['resource load', unread],
			['target version', unread],
			['target at rest', unread],
		]);
	});

	it('fails the intent check when the intent is gone', () => {
		const f = new Fixture();
		const lease = f.lease(f.signedLease());
		const state = {...f.state, intents: []};
		expect(startPreview(state, lease, f.clock.now(), f.trust, f.reading(SERVICE))).toEqual({
			ok: false,
			checks: [{name: 'intent status', ok: false, detail: `intent ${lease.intentId} does not exist`}],
		});
	});
});
