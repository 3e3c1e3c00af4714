import {appendFileSync, readFileSync, statSync, utimesSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {describe, expect, it} from 'vitest';
import {deploymentSummary, SCHEMA_VERSION} from '../../src/core/index.js';
import {migrateStore} from '../../src/store/etcd/migrate.js';
import {openStore} from '../../src/store/index.js';
import {JOURNAL_LIMITS} from '../../src/store/journal-step.js';
import {healthy, refusal, tempDir} from './helpers.js';
import {canary, fileOf, lines, revOf, type Raw} from './journal-helpers.js';

describe('the state journal', () => {
	it('takes a sample that changes no list row as one record: the document is not rewritten, and every reader sees the commit', async () => {
		const {store, record, deploymentId, journal, doc, dir} = await canary();
		const before = fileOf(doc);
		const {rev} = await record(61);
		expect(fileOf(doc)).toBe(before);
		expect(lines(journal).map(l => (JSON.parse(l) as {rev: number}).rev)).toEqual([rev]);
		const state = await store.read();
		expect(state.rev).toBe(rev);
		const dep = state.deployments.find(d => d.id === deploymentId)!;
		expect(dep.window.at(-1)!.cpu).toBe(61);
		// The record says what moved (the new sample, the count, the feeds), not the whole deployment again.
		// Each sample is written once: the window's new ones are named by their place in the record's samples.
		expect(JSON.parse(lines(journal)[0]!)).toMatchObject({moves: [{id: deploymentId, window: {drop: 0, add: [0]}, sampleCount: dep.sampleCount}], samples: [{deploymentId, sample: {cpu: 61}}]});
		expect(lines(journal)[0]!.length).toBeLessThan(JSON.stringify(dep).length / 3);
		// Another process opening the directory reads the same committed state, samples and list.
		const other = await openStore(dir);
		expect(await other.read()).toEqual(state);
		expect((await other.samples(deploymentId, 1))[0]!.cpu).toBe(61);
		expect((await other.samples(deploymentId)).length).toBe(dep.sampleCount);
		const rows = await other.listDeployments({archived: false, checked: false, deployment: deploymentId});
		expect(rows.rev).toBe(rev);
		expect(rows.one?.rev).toBe(rev);
		expect(rows.one?.deployment).toEqual(dep);
		expect(rows.deployments).toEqual(state.deployments.map(d => deploymentSummary(d)));
		expect((await other.listDeployments()).rev).toBe(rev);
		expect(await other.deployment(deploymentId)).toMatchObject({rev, archived: false, deployment: dep});
	});

	it('is absorbed by the next write that rewrites the document (an event), and emptied', async () => {
		const {store, record, deploymentId, journal, doc, dir} = await canary();
		for (const cpu of [60, 61, 62]) await record(cpu);
		expect(lines(journal)).toHaveLength(3);
		const journaled = await store.read();
		const {rev} = await store.run({type: 'canary.halt', actor: 'human:alice', id: deploymentId, reason: 'checking the journal'});
		expect(rev).toBe(journaled.rev + 1);
		expect(lines(journal)).toEqual([]);
		expect(revOf(doc)).toBe(rev);
		const dep = (await (await openStore(dir)).read()).deployments.find(d => d.id === deploymentId)!;
		expect(dep.status).toBe('halted');
		expect(dep.window.map(s => s.cpu).slice(-3)).toEqual([60, 61, 62]);
	});

	it(`holds at most ${JOURNAL_LIMITS.records} records, a full window sliding in each: the next sample rewrites the document`, async () => {
		const {store, record, journal, doc, dir, deploymentId} = await canary();
		const reader = await openStore(dir);
		for (let i = 0; i < JOURNAL_LIMITS.records; i++) {
			await record(50 + (i % 10));
			// A reader part way carries its state on from there (journal.ts's overlay) to the same one.
			if (i === 30) expect(await reader.read()).toEqual(await store.read());
		}
		expect(lines(journal)).toHaveLength(JOURNAL_LIMITS.records);
		const held = (await store.read()).deployments.find(d => d.id === deploymentId)!;
		expect(held.window).toHaveLength(60);
		expect(held.window.at(-1)!.cpu).toBe(50 + ((JOURNAL_LIMITS.records - 1) % 10));
		// Full, the window drops its oldest sample as it takes the new one: that is all the record says of it.
		expect((JSON.parse(lines(journal).at(-1)!) as Raw).moves[0]!.window).toEqual({drop: 1, add: [0]});
		expect(await reader.read()).toEqual(await store.read());
		expect(await (await openStore(dir)).read()).toEqual(await store.read());
		const before = fileOf(doc);
		const {rev} = await record();
		expect(fileOf(doc)).not.toBe(before);
		expect(revOf(doc)).toBe(rev);
		expect(lines(journal)).toEqual([]);
		expect(await (await openStore(dir)).read()).toEqual(await store.read());
	});

	it('is not used for a sample that changes a list row, nor for one with an event', async () => {
		const {store, record, journal, doc, deploymentId, clock} = await canary();
		// A warning reading holds: an event, and the row's status and worst level change.
		clock.advance(1000);
		const held = await store.run({type: 'metrics.record', actor: 'agent:ci-bot', id: deploymentId, sample: {...healthy, errorRate: 1.5}}, {clock});
		expect(held.events.map(e => e.kind)).toContain('deployment.holding');
		expect(lines(journal)).toEqual([]);
		// Still holding (the warning is in the window): the next sample only moves it along.
		const next = await record();
		expect(next.events).toEqual([]);
		expect(lines(journal)).toHaveLength(1);
		// A window changed by anything but the commit's samples is no move a reader would take: the document is rewritten.
		const before = fileOf(doc);
		const forged = await store.mutate(state => ({state: {...state, deployments: state.deployments.map(d => (d.id === deploymentId ? {...d, window: [...d.window, {...d.window.at(-1)!}]} : d))}, events: [], result: null}));
		expect(fileOf(doc)).not.toBe(before);
		expect(revOf(doc)).toBe(forged.rev);
		expect(lines(journal)).toEqual([]);
	});

	it('reads records the document already holds (a checkpoint cut short) as nothing, and the next write empties it', async () => {
		const {store, record, journal, deploymentId, dir} = await canary();
		await record(60);
		const kept = readFileSync(journal);
		await store.run({type: 'canary.halt', actor: 'human:alice', id: deploymentId, reason: 'a checkpoint'});
		const state = await store.read();
		writeFileSync(journal, kept);
		const reader = await openStore(dir);
		expect(await reader.read()).toEqual(state);
		await store.run({type: 'canary.resume', actor: 'human:alice', id: deploymentId, reason: 'go on'});
		expect(lines(journal)).toEqual([]);
	});

	it('leaves a record a crash cut short unread, and the next write says so and empties the journal', async () => {
		const {store, record, journal, dir, deploymentId} = await canary();
		await record(60);
		const committed = await store.read();
		appendFileSync(journal, `{"rev":${committed.rev + 1},"moves":[{"id":"${deploymentId}","wind`);
		const reader = await openStore(dir);
		expect(await reader.read()).toEqual(committed);
		await record(61, reader);
		expect(lines(journal)).toEqual([]);
		const said = (await reader.audit({limit: 3})).find(e => e.kind === 'store.recovered');
		expect(said?.reason).toMatch(/journal record .*state\.journal.*did not take effect/);
		expect((await reader.read()).deployments.find(d => d.id === deploymentId)!.window.at(-1)!.cpu).toBe(61);
	});

	it('sets aside the samples of a commit that stopped before its journal record (they were appended first)', async () => {
		const {store, record, dir, deploymentId} = await canary();
		await record(60);
		const committed = await store.read();
		appendFileSync(join(dir, 'metrics.ndjson'), `${JSON.stringify({rev: committed.rev + 1, deploymentId, sample: {...healthy, cpu: 99, at: '2026-11-25T10:10:00.000Z'}})}\n`);
		const reader = await openStore(dir);
		expect(await reader.read()).toEqual(committed);
		expect((await reader.samples(deploymentId, 1))[0]!.cpu).toBe(60);
		await record(61, reader);
		expect((await reader.audit({limit: 3})).some(e => e.kind === 'store.recovered')).toBe(true);
		const samples = await reader.samples(deploymentId);
		expect(samples.map(s => s.cpu)).not.toContain(99);
		expect(samples.length).toBe((await reader.read()).deployments.find(d => d.id === deploymentId)!.sampleCount);
	});

	it('appends again the samples a crash cut from the metrics log after their record committed (written there unsynced)', async () => {
		const {record, dir, deploymentId} = await canary();
		for (const cpu of [60, 61, 62]) await record(cpu);
		const metrics = join(dir, 'metrics.ndjson');
		const kept = readFileSync(metrics, 'utf8').split('\n').filter(Boolean);
		// The machine went down: the journal's records were synced, the log's last two lines were not.
		writeFileSync(metrics, `${kept.slice(0, -2).join('\n')}\n`);
		const reader = await openStore(dir);
		const count = (await reader.read()).deployments.find(d => d.id === deploymentId)!.sampleCount;
		expect(await reader.samples(deploymentId)).toHaveLength(count - 2);
		expect((await reader.repair({dryRun: true})).actions.join('\n')).toMatch(/append again to .*metrics\.ndjson the 2 samples of committed journal records \(rev \d+, \d+\)/);
		await record(63, reader);
		const said = (await reader.audit({limit: 5})).find(e => e.kind === 'store.recovered');
		expect(said?.reason).toMatch(/^2 samples of committed journal records \(rev \d+, \d+\) were missing from .*metrics\.ndjson/);
		const samples = await reader.samples(deploymentId);
		expect(samples).toHaveLength(count + 1);
		expect(samples.slice(-4).map(s => s.cpu)).toEqual([60, 61, 62, 63]);
	});

	it('is not migrated elsewhere while samples a crash cut from the log wait for the next write (the copy would lack them)', async () => {
		const {store, record, dir, deploymentId} = await canary();
		for (const cpu of [60, 61]) await record(cpu);
		const metrics = join(dir, 'metrics.ndjson');
		writeFileSync(metrics, `${readFileSync(metrics, 'utf8').split('\n').filter(Boolean).slice(0, -1).join('\n')}\n`);
		const [out, stateHome] = [tempDir(), tempDir()];
		const error = await refusal(migrateStore({dir}, {dir: out}, {trust: store.trust, stateHome}));
		expect(error.message).toMatch(/holds what a crash left \(append again to .*metrics\.ndjson the 1 samples .*\): run calyx repair on it first/);
		await (await openStore(dir)).repair();
		await migrateStore({dir}, {dir: out}, {trust: store.trust, stateHome});
		const copy = await openStore(out);
		const count = (await copy.read()).deployments.find(d => d.id === deploymentId)!.sampleCount;
		expect(await copy.samples(deploymentId)).toHaveLength(count);
	});

	it('records the migration of a version-3 document in the repair its first write makes', async () => {
		const {store, dir, deploymentId} = await canary();
		await store.run({type: 'canary.halt', actor: 'human:alice', id: deploymentId, reason: 'a checkpoint'});
		const doc = join(dir, 'state.json');
		writeFileSync(doc, readFileSync(doc, 'utf8').replace(`"schemaVersion":${SCHEMA_VERSION},`, '"schemaVersion":3,'));
		const {rev} = await store.read();
		appendFileSync(join(dir, 'metrics.ndjson'), `${JSON.stringify({rev: rev + 1, deploymentId, sample: {...healthy, at: '2026-11-25T10:10:00.000Z'}})}\n`);
		const reader = await openStore(dir);
		await reader.run({type: 'canary.resume', actor: 'human:alice', id: deploymentId, reason: 'go on'});
		const kinds = (await reader.audit({limit: 6})).map(e => e.kind);
		expect(kinds).toContain('store.recovered');
		expect((await reader.audit()).filter(e => e.kind === 'store.migrated').map(e => e.data)).toEqual([{from: 3, to: SCHEMA_VERSION}]);
	});

	it("takes an engine's cycle (its samples, then a tick that moves the bake along) as one record", async () => {
		const {store, record, journal, doc, deploymentId, clock} = await canary();
		await record(60);
		const before = (await store.read()).deployments.find(d => d.id === deploymentId)!;
		expect(before.bake).toBeDefined();
		const file = fileOf(doc);
		clock.advance(1000);
		await store.runMany([{type: 'metrics.record', actor: 'engine', id: deploymentId, sample: {...healthy, cpu: 62}}, {type: 'tick', actor: 'engine'}], {clock});
		expect(fileOf(doc)).toBe(file);
		const moved = (await store.read()).deployments.find(d => d.id === deploymentId)!;
		expect(moved.bake).toEqual({accruedMs: before.bake!.accruedMs + (clock.now() - Date.parse(before.bake!.watchedAt)), watchedAt: new Date(clock.now()).toISOString()});
		expect((JSON.parse(lines(journal).at(-1)!) as Raw).moves[0]!.bake).toEqual(moved.bake);
	});

	it('is read again when its last record was written again in place at the same length (an append that failed, cut back, then retried)', async () => {
		const {store, record, journal, dir, deploymentId} = await canary();
		await record(60);
		const reader = await openStore(dir);
		expect((await reader.read()).deployments.find(d => d.id === deploymentId)!.window.at(-1)!.cpu).toBe(60);
		const line = lines(journal)[0]!;
		writeFileSync(journal, `${line.replaceAll('"cpu":60', '"cpu":62')}\n`);
		expect(statSync(journal).size).toBe(line.length + 1);
		expect((await reader.read()).deployments.find(d => d.id === deploymentId)!.window.at(-1)!.cpu).toBe(62);
		expect(await reader.read()).toEqual(await (await openStore(dir)).read());
		expect((await store.read()).deployments.find(d => d.id === deploymentId)!.window.at(-1)!.cpu).toBe(62);
	});

	it('is read again when a refill has the size and mtime of the journal read last (a coarse clock): its first bytes differ', async () => {
		const {store, record, dir, deploymentId, journal} = await canary();
		for (const cpu of [60, 61]) await record(cpu);
		// Whole seconds, as a filesystem with coarse timestamps has them: the refill below gets the same.
		utimesSync(journal, 1_000_000_000, 1_000_000_000);
		const reader = await openStore(dir);
		expect((await reader.read()).rev).toBe((await store.read()).rev);
		const size = statSync(journal).size;
		await store.run({type: 'canary.halt', actor: 'human:alice', id: deploymentId, reason: 'a checkpoint'});
		await store.run({type: 'canary.resume', actor: 'human:alice', id: deploymentId, reason: 'go on'});
		await record(62);
		const [line] = lines(journal);
		expect(line!.length + 1).toBeLessThan(size);
		// The same inode, size and mtime as the reader saw: one record, padded (JSON allows the spaces).
		writeFileSync(journal, `${line}${' '.repeat(size - line!.length - 1)}\n`);
		utimesSync(journal, 1_000_000_000, 1_000_000_000);
		expect(await reader.read()).toEqual(await store.read());
	});

	it('is read again whole after a checkpoint emptied it and writes refilled it (a reader never takes the new tail for the old one)', async () => {
		const {store, record, dir, deploymentId} = await canary();
		const reader = await openStore(dir);
		for (const cpu of [60, 61, 62, 63]) await record(cpu);
		expect((await reader.read()).rev).toBe((await store.read()).rev);
		await store.run({type: 'canary.halt', actor: 'human:alice', id: deploymentId, reason: 'a checkpoint'});
		await store.run({type: 'canary.resume', actor: 'human:alice', id: deploymentId, reason: 'go on'});
		for (const cpu of [70, 71, 72, 73, 74, 75]) await record(cpu);
		expect(lines(join(dir, 'state.journal')).length).toBeGreaterThan(0);
		const now = await store.read();
		expect(await reader.read()).toEqual(now);
		expect((await reader.samples(deploymentId, 1))[0]!.cpu).toBe(75);
	});
});
