import {existsSync, readFileSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {afterEach, describe, expect, it, vi} from 'vitest';
import {runDrill, SCHEMA_VERSION, type Deployment} from '../../src/core/index.js';
import {openStore, type StoreError} from '../../src/store/index.js';
import {snapshot} from '../cli/helpers.js';
import {keyedStore, runToEnd, startCanary} from './archive-fixture.js';
import {fault} from './rename-fault.js';

vi.mock('node:fs/promises', async importOriginal => (await import('./rename-fault.js')).withFailingRename(await importOriginal()));
afterEach(() => (fault.failRename = undefined));

const lines = (path: string) => (existsSync(path) ? readFileSync(path, 'utf8').split('\n').filter(Boolean) : []);

describe('a commit that ends a deployment, stopped before its commit point', () => {
	it('leaves archive lines no reader sees; the next write moves them aside, audited, and the deployment is archived once', async () => {
		const {dir, store, clock, env} = await keyedStore();
		const {deploymentId} = await startCanary(store, clock, '1.4.0', '1.5.0');
		fault.failRename = (from, to) => from.endsWith('.tmp') && to.endsWith('/state.json') && lines(join(dir, 'archive.index.ndjson')).length > 0;
		const error = (await runToEnd(store, env, clock, deploymentId).catch((e: unknown) => e)) as StoreError;
		expect(error.message).toContain('injected');
		fault.failRename = undefined;
		// The archive's lines are durable, but past the committed revision: a reader in another process sees the deployment live.
		expect(lines(join(dir, 'archive.ndjson'))).toHaveLength(1);
		const reader = await openStore(dir);
		const before = snapshot(dir);
		expect((await reader.read()).deployments.map(d => d.id)).toEqual([deploymentId]);
		expect(await reader.deployment(deploymentId)).toMatchObject({archived: false});
		expect((await reader.listDeployments()).deployments.map(d => d.id)).toEqual([deploymentId]);
		expect(await reader.recentlyEnded(10)).toEqual([]);
		expect(snapshot(dir)).toEqual(before);

		// The next write (any) recovers first.
		await reader.mutate(state => ({state, events: [], result: null}));
		const recovered = (await reader.audit()).find(e => e.kind === 'store.recovered');
		expect(recovered).toMatchObject({data: {archive: [{lines: 1}, {lines: 1}]}});
		expect(recovered!.reason).toMatch(/1 archived deployments, 1 archive index lines did not take effect/);
		// The lines moved aside are kept under the names the event gives, and nothing is left to repair.
		for (const {quarantine} of recovered!.data.archive as Array<{quarantine: string}>) expect(existsSync(quarantine)).toBe(true);
		expect(await reader.repair({dryRun: true})).toMatchObject({actions: [], left: []});
		await runToEnd(reader, env, clock, deploymentId);
		expect((await reader.audit()).filter(e => e.kind === 'log.recovered')).toEqual([]);
		expect(lines(join(dir, 'archive.ndjson'))).toHaveLength(1);
		expect(lines(join(dir, 'archive.index.ndjson'))).toHaveLength(1);
		expect(await reader.deployment(deploymentId)).toMatchObject({archived: true, deployment: {status: 'completed'}});
		// The stopped commit's events stay in the trail, named by the recovery as not taken effect; the archive holds the second one's record.
		expect(recovered!.data.kinds).toContain('deployment.archived');
		const archived = (await reader.audit()).filter(e => e.kind === 'deployment.archived');
		expect(archived).toHaveLength(2);
		expect(archived[1]!.seq).toBeGreaterThan(recovered!.seq);
		expect(JSON.parse(lines(join(dir, 'archive.index.ndjson'))[0]!)).toMatchObject({sha256: archived[1]!.data.sha256, at: 0});
		expect(await reader.verifyAudit()).toMatchObject({ok: true});
	});
});

describe('a document of version 2 with its ended deployments inside', () => {
	async function oldDocument(count: number) {
		const {dir, store, clock} = await keyedStore();
		const done = runDrill().state.deployments.find(d => d.status === 'completed')!;
		const ended: Deployment[] = Array.from({length: count}, (_, i) => ({...structuredClone(done), id: `DEP-20200101-${String(i + 1).padStart(3, '0')}`}));
		const {history: _history, ...current} = await store.read();
		writeFileSync(join(dir, 'state.json'), JSON.stringify({...current, schemaVersion: 2, deployments: ended}));
		return {dir, clock, ids: ended.map(d => d.id)};
	}

	it('is read as it is (the list, each deployment), writing nothing', async () => {
		const {dir, ids} = await oldDocument(30);
		const before = snapshot(dir);
		const store = await openStore(dir);
		expect((await store.read()).deployments).toHaveLength(30);
		expect((await store.listDeployments()).deployments.map(d => d.id)).toEqual(ids);
		expect(await store.deployment(ids[7]!)).toMatchObject({archived: false, deployment: {id: ids[7], status: 'completed'}});
		expect(snapshot(dir)).toEqual(before);
	});

	it('has its ended deployments moved out by the first write, in one audited event; nothing is lost', async () => {
		const {dir, clock, ids} = await oldDocument(30);
		const store = await openStore(dir);
		const listed = (await store.listDeployments()).deployments;
		await store.run({type: 'intent.create', actor: 'human:alice', service: 'checkout', fromVersion: '1.4.0', toVersion: '1.5.0'}, {clock});
		const state = await store.read();
		expect(state.schemaVersion).toBe(SCHEMA_VERSION);
		expect(state.deployments).toEqual([]);
		expect(state.history).toMatchObject({archived: 30, statuses: {completed: 30}});
		const events = await store.audit();
		expect(events.find(e => e.kind === 'store.migrated')).toMatchObject({data: {from: 2, to: SCHEMA_VERSION}});
		expect(events.filter(e => e.kind === 'store.archived')).toEqual([
			expect.objectContaining({data: expect.objectContaining({count: 30, first: ids[0], last: ids[29]}), reason: expect.stringContaining('30 ended deployments moved')}),
		]);
		expect(events.filter(e => e.kind === 'deployment.archived')).toEqual([]);
		expect(lines(join(dir, 'archive.ndjson'))).toHaveLength(30);
		expect((await store.listDeployments()).deployments).toEqual(listed);
		const fresh = await openStore(dir);
		for (const id of [ids[0]!, ids[29]!]) expect(await fresh.deployment(id)).toMatchObject({archived: true, deployment: {id}});
		expect(await fresh.verifyAudit()).toMatchObject({ok: true});
		// The document now holds only what is live: a fraction of what it was.
		expect(readFileSync(join(dir, 'state.json')).length).toBeLessThan(readFileSync(join(dir, 'archive.ndjson')).length / 5);
	});

	it('moves even a few in one event, timed with the write that moves them', async () => {
		const {dir, clock} = await oldDocument(3);
		const store = await openStore(dir);
		await store.run({type: 'intent.create', actor: 'human:alice', service: 'checkout', fromVersion: '1.4.0', toVersion: '1.5.0'}, {clock});
		const events = await store.audit();
		expect(events.filter(e => e.kind === 'store.archived').map(e => e.data.count)).toEqual([3]);
		expect(events.filter(e => e.kind === 'deployment.archived')).toEqual([]);
		// Timed as the commit's own event before it (not when each deployment ended, long before).
		const archived = events.find(e => e.kind === 'store.archived')!;
		expect(archived.at).toBe(events[events.indexOf(archived) - 1]!.at);
	});
});
