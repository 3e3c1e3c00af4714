import {statSync} from 'node:fs';
import {join} from 'node:path';
import {describe, expect, it} from 'vitest';
import {ManualClock} from '../../src/core/index.js';
import {Checkpoints} from '../../src/drivers/checkpoints.js';
import {startEngineLoop} from '../../src/drivers/engine-loop.js';
import type {BatchStore} from '../../src/store/api.js';
import {initStore, type Checkpoint} from '../../src/store/index.js';
import {tempDir, until} from '../store/helpers.js';

/** A store whose trail is a list of kinds and whose checkpoints are counted. */
function fakeStore() {
	const kinds: string[] = [];
	const signed: number[] = [];
	const store = {
		dir: '/nonexistent/calyx',
		read: async () => ({auditHead: {seq: kinds.length, hash: ''}, deployments: []}),
		audit: async ({limit}: {limit: number}) => kinds.map((kind, i) => ({seq: i + 1, kind})).slice(-limit),
		checkpoint: async () => (signed.push(kinds.length), {seq: kinds.length} as Checkpoint),
		run: async () => ({result: {actions: []}, rev: 1, events: []}),
		runMany: async () => ({results: [{actions: []}], rev: 1, events: []}),
		watch: () => () => undefined,
		lead: async () => ({role: 'leader' as const, onChange: () => () => undefined, release: async () => undefined}),
	};
	return {kinds, signed, store: store as unknown as BatchStore};
}

describe('the engine leader signs checkpoints of the audit head', () => {
	it('on its first tick, at least every minute of its clock, and at once after a halt or a rollback', async () => {
		const {kinds, signed, store} = fakeStore();
		const clock = new ManualClock('2026-11-25T10:00:00Z');
		const checkpoints = new Checkpoints(store, clock);
		kinds.push('intent.created');
		expect(await checkpoints.afterTick()).toBe(1);
		kinds.push('metrics.recorded');
		clock.advance(30_000);
		expect(await checkpoints.afterTick()).toBeUndefined();
		clock.advance(30_000);
		expect(await checkpoints.afterTick()).toBe(2);
		// Committed by another process between two ticks (a halt typed at the CLI): signed on the next.
		kinds.push('deployment.halted', 'canary.sanity_passed');
		clock.advance(1000);
		expect(await checkpoints.afterTick()).toBe(4);
		kinds.push('deployment.rolling_back', 'rollback.verified', 'deployment.rolled_back');
		clock.advance(1000);
		expect(await checkpoints.afterTick()).toBe(7);
		kinds.push('rollback.pack_created');
		clock.advance(1000);
		expect(await checkpoints.afterTick()).toBeUndefined();
		expect(signed).toEqual([1, 2, 4, 7]);
	});

	it('from the engine loop, whose ticks sign through the store', async () => {
		const {kinds, signed, store} = fakeStore();
		kinds.push('intent.created');
		const engine = await startEngineLoop(store, {intervalMs: 5, clock: new ManualClock('2026-11-25T10:00:00Z')});
		try {
			await until(() => signed.length > 0, 'a checkpoint');
			kinds.push('deployment.halted');
			await until(() => signed.includes(2), 'a checkpoint after the halt');
		} finally {
			await engine.stop();
		}
	});

	it('signs with a key of its own that a real store makes on first use, and the signature holds', async () => {
		const home = tempDir();
		const {store} = await initStore(tempDir(), {anchor: {stateHome: home}});
		await store.run({type: 'intent.create', fromVersion: '1.4.0', actor: 'human:alice', service: 'checkout', toVersion: '1.5.0'});
		const first = await store.checkpoint();
		const second = await store.checkpoint();
		const {forgery} = await import('../../src/store/checkpoint.js');
		expect(forgery(first)).toBeUndefined();
		expect(second.signer).toBe(first.signer);
		expect(statSync(join(home, 'calyx', 'checkpoint-key.pem')).mode & 0o777).toBe(0o600);
		expect(statSync(join(home, 'calyx')).mode & 0o777).toBe(0o700);
		expect(forgery({...first, seq: first.seq + 1})).toMatch(/signature does not match/);
		expect(forgery({...first, signer: 'f'.repeat(64)})).toMatch(/fingerprint/);
		expect((await store.verifyAudit()).witnesses).toMatchObject({checked: expect.any(Number), contradicted: [], forged: []});
	});
});
