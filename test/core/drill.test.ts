import {describe, expect, it} from 'vitest';
import {runDrill} from '../../src/core/index.js';

describe('scripted end-to-end run on the simulated target', () => {
	const {state, events, deployments, fleet} = runDrill();
	const [good, bad] = deployments as [string, string];
	const kinds = (subject: string) => events.filter(e => e.subject === subject).map(e => e.kind);

	it('takes the healthy canary 5 → 25 → 100 and completes it', () => {
		expect(kinds(good)).toEqual([
			'canary.prechecks_passed',
			'rollback.pack_created',
			'canary.started',
			'canary.tier_applied',
			'canary.sanity_passed',
			'canary.promoted',
			'canary.tier_applied',
			'canary.sanity_passed',
			'canary.promoted',
			'canary.tier_applied',
			'canary.sanity_passed',
			'canary.promoted',
			'canary.final_applied',
			'deployment.completed',
		]);
		const dep = state.deployments.find(d => d.id === good)!;
		expect(dep.status).toBe('completed');
		// The last promotion decides the final step; the fleet's confirmation of it completes the deployment.
		expect(events.filter(e => e.subject === good && e.kind === 'canary.promoted').map(e => [e.data.to, e.data.final ?? false])).toEqual([
			[25, false],
			[100, false],
			[100, true],
		]);
		expect(fleet.read('checkout')).toEqual({percent: 0, stable: {weight: 100, version: '1.5.0'}, canary: {weight: 0}});
		expect(state.intents.find(i => i.id === dep.intentId)!.status).toBe('deployed');
	});

	it('halts the degrading canary at 25% on a critical, rolls it back and verifies', () => {
		const seq = kinds(bad);
		expect(seq.slice(seq.indexOf('canary.promoted'))).toEqual([
			'canary.promoted',
			'canary.tier_applied',
			'canary.sanity_passed',
			'deployment.holding',
			'deployment.halted',
			'deployment.rolling_back',
			'rollback.verified',
			'deployment.rolled_back',
		]);
		const dep = state.deployments.find(d => d.id === bad)!;
		expect(dep.status).toBe('rolled_back');
		expect(dep.percent).toBe(25);
		expect(dep.halt?.reason).toContain('CRITICAL: TES drop > 5%');
		expect(dep.rollback).toMatchObject({trigger: 'automatic', verified: true});
		expect(dep.rollback!.actualChecksum).toBe(dep.pack.manifest.snapshotChecksum);
		expect(state.intents.find(i => i.id === dep.intentId)!.status).toBe('rolled_back');
	});

	it('records every event with actor, reason and time', () => {
		for (const e of events) {
			expect(e.actor).not.toBe('');
			expect(e.reason).not.toBe('');
			expect(Number.isNaN(Date.parse(e.at))).toBe(false);
		}
	});
});
