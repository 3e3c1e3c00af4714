/**
 * The store's contract, one suite run against both stores: the file store and the etcd store on a
 * real cluster. Whatever the CLI, the console and the engine ask of a store behaves the same on each.
 */
import {afterEach, describe, expect, it} from 'vitest';
import {EngineError, type Command} from '../../src/core/index.js';
import type {BatchStore, ChangeNotice} from '../../src/store/index.js';
import {until} from '../drivers/haproxy-harness.js';
import {registerHolders} from '../trust.js';
import {runToEnd, startCanary} from './archive-fixture.js';
import {etcdBackend, fileBackend} from './backends.js';
import {clockAt} from './helpers.js';

const etcd = etcdBackend();
const open: BatchStore[] = [];
afterEach(async () => {
	for (const s of open.splice(0)) await s.close();
});

const intent = (toVersion: string): Command => ({type: 'intent.create', fromVersion: '1.0.0', actor: 'human:alice', service: 'checkout', toVersion});

describe.each([fileBackend, etcd])('the store contract: $name', backend => {
	const fresh = async () => {
		const made = await backend.fresh();
		open.push(made.store);
		const reopen = async () => {
			const s = await made.reopen();
			open.push(s);
			return s;
		};
		return {...made, reopen};
	};

	it.skipIf(backend.absent !== undefined)('starts empty: revision 0, no events, a chain that verifies', async () => {
		const {store} = await fresh();
		const state = await store.read();
		expect(state.rev).toBe(0);
		expect(state.deployments).toEqual([]);
		expect(await store.audit()).toEqual([]);
		expect(await store.verifyAudit()).toMatchObject({ok: true, count: 0});
	});

	it.skipIf(backend.absent !== undefined)('a command is one revision with its events chained, seen the same by another opener', async () => {
		const {store, reopen} = await fresh();
		const out = await store.run<{id: string}>(intent('1.1.0'));
		expect(out.rev).toBe(1);
		expect(out.events.map(e => e.seq)).toEqual([1]);
		const other = await reopen();
		const state = await other.read();
		expect(state.rev).toBe(1);
		expect(state.intents.map(i => i.id)).toEqual([out.result.id]);
		expect((await other.audit()).map(e => [e.seq, e.kind])).toEqual([[1, 'intent.created']]);
		expect(await other.verifyAudit()).toMatchObject({ok: true, count: 1, head: {seq: 1}});
	});

	it.skipIf(backend.absent !== undefined)('unchanged entities keep their identity from one read to the next, also after another writer', async () => {
		const {store, reopen} = await fresh();
		await store.run(intent('1.1.0'));
		const before = await store.read();
		await (await reopen()).run(intent('1.2.0'));
		const after = await store.read();
		expect(after.rev).toBe(2);
		expect(after.intents[0]).toBe(before.intents[0]);
		expect(Object.isFrozen(after.intents[1])).toBe(true);
	});

	it.skipIf(backend.absent !== undefined)('a stale expected revision is refused with STALE_STATE and writes nothing', async () => {
		const {store} = await fresh();
		await store.run(intent('1.1.0'));
		const error = await store.runMany([intent('1.2.0')], {expectedRev: 0}).catch((e: unknown) => e);
		expect(error).toBeInstanceOf(EngineError);
		expect((error as EngineError).code).toBe('STALE_STATE');
		expect((await store.read()).rev).toBe(1);
		expect(await store.audit()).toHaveLength(1);
	});

	it.skipIf(backend.absent !== undefined)('a batch stops at the refused command: those before it commit as one revision, nothing after runs', async () => {
		const {store} = await fresh();
		const out = await store.runMany([intent('1.1.0'), {type: 'intent.approve', actor: 'human:alice', id: 'INT-20260101-999'} as Command, intent('1.3.0')]);
		expect(out.failed?.index).toBe(1);
		expect(out.results).toHaveLength(1);
		const state = await store.read();
		expect(state.rev).toBe(out.rev);
		expect(state.intents.map(i => i.toVersion)).toEqual(['1.1.0']);
		expect(await store.verifyAudit()).toMatchObject({ok: true});
	});

	it.skipIf(backend.absent !== undefined)('an invalid next state is refused (INVALID) and nothing is written', async () => {
		const {store} = await fresh();
		const error = await store.mutate(state => ({state: {...state, deployments: [{id: 'DEP-1', status: 'sideways'}]} as never, events: [], result: undefined})).catch((e: unknown) => e);
		expect(error).toMatchObject({code: 'INVALID'});
		expect((await store.read()).rev).toBe(0);
	});

	it.skipIf(backend.absent !== undefined)('a canary runs to its end on the engine: samples read back, the deployment archived and found by id, the list and the trail agree', async () => {
		const {store} = await fresh();
		const clock = clockAt();
		await registerHolders(store, clock);
		const {deploymentId, intentId, leaseId} = await startCanary(store, clock, '1.4.0', '1.5.0');
		await runToEnd(store, {dataDir: store.dir}, clock, deploymentId);
		const found = await store.deployment(deploymentId);
		expect(found).toMatchObject({archived: true, deployment: {id: deploymentId, status: 'completed'}});
		expect((await store.archived(leaseId))?.deployment.id).toBe(deploymentId);
		expect((await store.archived(intentId))?.deployment.id).toBe(deploymentId);
		expect((await store.recentlyEnded(5)).map(r => r.deployment.id)).toEqual([deploymentId]);
		const list = await store.listDeployments();
		expect(list.deployments.map(d => [d.id, d.status])).toEqual([[deploymentId, 'completed']]);
		expect((await store.read()).deployments).toEqual([]);
		const samples = await store.samples(deploymentId);
		expect(samples.length).toBeGreaterThan(3);
		expect(await store.samples(deploymentId, 2)).toEqual(samples.slice(-2));
		const kinds = (await store.audit({deploymentId})).map(e => e.kind);
		expect(kinds).toContain('deployment.archived');
		expect(await store.verifyAudit()).toMatchObject({ok: true, registry: {differences: []}});
	});

	it.skipIf(backend.absent !== undefined)('a reader is told of a write by another opener', async () => {
		const {store, reopen} = await fresh();
		const seen: ChangeNotice[] = [];
		const stop = store.watch(what => seen.push(what));
		try {
			const other = await reopen();
			// A watch may take a moment to start: write until one is told, with a deadline.
			await until(async () => {
				await other.run(intent(`1.${seen.length + 10}.0`));
				return seen.some(w => w.state && w.audit);
			}, 10_000, 'a change notice');
		} finally {
			stop();
		}
		expect(seen.some(w => w.state && w.audit)).toBe(true);
	});

	it.skipIf(backend.absent !== undefined)('one engine leads; the leader is named; a second one follows until the first releases', async () => {
		const {store, reopen} = await fresh();
		const first = await store.lead({staleMs: 5000});
		expect(first.role).toBe('leader');
		expect(await store.engineLeader()).toMatchObject({pid: process.pid});
		const other = await reopen();
		const second = await other.lead({staleMs: 5000});
		expect(second.role).toBe('follower');
		await first.release();
		await until(() => second.role === 'leader', 15_000, 'the follower to lead');
		await second.release();
	});

	it.skipIf(backend.absent !== undefined)('a key written into the state by hand, not registered in the trail, is disowned on both', async () => {
		const {store} = await fresh();
		const clock = clockAt();
		await registerHolders(store, clock);
		expect((await store.checkedTrust()).disowned).toBeUndefined();
		await store.mutate(state => ({state: {...state, keys: [...state.keys, {...state.keys[0]!, id: 'mallory'}]}, events: [], result: undefined}));
		const trust = await store.checkedTrust();
		expect([...(trust.disowned?.keys.keys() ?? [])]).toEqual(['mallory']);
		expect((await store.verifyAudit()).registry?.differences.map(d => d.keyId)).toEqual(['mallory']);
	});
});
