import {readFileSync} from 'node:fs';
import {join} from 'node:path';
import {describe, expect, it} from 'vitest';
import type {ManualClock} from '../../src/core/index.js';
import {startEngineLoop, type EngineLoop} from '../../src/drivers/engine-loop.js';
import {findDeployment, initStore, openStore, type BatchStore as Store} from '../../src/store/index.js';
import {clockAt, seedCanary, tempDir, until} from '../store/helpers.js';

const deployment = async (store: Store, id: string) => (await findDeployment(store, id))!;

/** A running canary (its first tier confirmed or only decided), then an engine loop over its store. */
async function running(clock: ManualClock, settle: boolean, engine: (store: Store) => Promise<EngineLoop>) {
	const dir = tempDir();
	const {store} = await initStore(dir);
	const {deploymentId} = await seedCanary(store, clock, {settle});
	return {dir, store, deploymentId, loop: await engine(store)};
}

describe('the engine loop on a real store and the simulated driver', () => {
	it('as leader, runs cycles that confirm the first tier and its sanity check and take samples', async () => {
		const errors: unknown[] = [];
		const clock = clockAt();
		const {store, deploymentId, loop} = await running(clock, false, store => startEngineLoop(store, {intervalMs: 20, clock, onError: e => errors.push(e)}));
		try {
			expect(loop.role).toBe('leader');
			const dep = await until(async () => {
				const d = await deployment(store, deploymentId);
				return d.observed?.sanity === 'passed' && d.sampleCount > 0 ? d : undefined;
			}, 'the first tier confirmed and sampled');
			expect(dep).toMatchObject({status: 'running', observed: {generation: 1, split: {percent: 5}}});
		} finally {
			await loop.stop();
		}
		expect(errors).toEqual([]);
	});

	it('carries a rollback another process decided to the target at once, without waiting for the next cycle', async () => {
		const errors: unknown[] = [];
		const clock = clockAt();
		// No cycle runs within the test: only the change feed can set the reconciler going.
		const {dir, store, deploymentId, loop} = await running(clock, true, store => startEngineLoop(store, {intervalMs: 3_600_000, clock, onError: e => errors.push(e)}));
		try {
			const operator = await openStore(dir);
			await operator.run({type: 'rollback', actor: 'human:alice', id: deploymentId, reason: 'pager'}, {clock});
			const dep = await until(async () => {
				const d = await deployment(store, deploymentId);
				return d.status === 'rolled_back' ? d : undefined;
			}, 'the rollback carried out');
			expect(dep.rollback).toMatchObject({trigger: 'manual', verified: true});
			const fleet = JSON.parse(readFileSync(join(dir, 'sim-world.json'), 'utf8')).services.checkout.fleet;
			expect(fleet).toEqual({service: 'checkout', replicas: 10, stable: {version: '1.4.0'}, canary: null});
		} finally {
			await loop.stop();
		}
		expect(errors).toEqual([]);
	});
});
