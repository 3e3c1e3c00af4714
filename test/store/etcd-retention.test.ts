/**
 * Audit retention on an etcd store (archive, then delete), on a real 3-member cluster: the oldest
 * events go to a new file and off the cluster, the trail verifies from its base, and a base that no
 * chained audit.retained event vouches for is refused.
 */
import {createHash} from 'node:crypto';
import {existsSync, readFileSync, writeFileSync} from 'node:fs';
import {migrateStore} from '../../src/store/etcd/migrate.js';
import {join} from 'node:path';
import {Etcd3} from 'etcd3';
import {afterAll, describe, expect, it} from 'vitest';
import type {EtcdStore} from '../../src/store/etcd/store.js';
import {openEtcdStore} from '../../src/store/etcd/index.js';
import {chainFields, hashOfLine} from '../../src/store/audit-log.js';
import type {BatchStore} from '../../src/store/index.js';
import {etcdBackend} from './backends.js';
import {tempDir} from './helpers.js';

const etcd = etcdBackend();
const opened: BatchStore[] = [];
const clients: Etcd3[] = [];
afterAll(async () => {
	for (const s of opened) await s.close();
	for (const c of clients) c.close();
});

const intent = (i: number) => ({type: 'intent.create', fromVersion: '1.0.0', actor: 'human:alice', service: 'checkout', toVersion: `2.${i}.0`}) as const;

async function withTrail(commits: number) {
	const made = await etcd.fresh();
	opened.push(made.store);
	for (let i = 0; i < commits; i++) await made.store.run(intent(i));
	const client = new Etcd3({hosts: etcd.cluster().endpoints});
	clients.push(client);
	const reopen = async () => {
		const s = await made.reopen();
		opened.push(s);
		return s;
	};
	/** The store opened on another box: no witness of this trail there, so its first write reads it from its start. */
	const elsewhere = async () => {
		const s = await openEtcdStore((made.store as EtcdStore).parts.target, {stateHome: tempDir()});
		opened.push(s);
		return s;
	};
	return {store: made.store as EtcdStore, prefix: made.where, client, reopen, elsewhere};
}

describe.skipIf(etcd.absent !== undefined)('audit retention on an etcd store', () => {
	it('moves the oldest events to a new file and off the cluster; the trail still verifies and takes writes', async () => {
		const {store, reopen} = await withTrail(30);
		const file = join(tempDir(), 'trail-1.ndjson');
		const report = await store.retain(10, file, 'operator:test');
		expect(report).toMatchObject({from: 1, through: 20, events: 20, file});
		const bytes = readFileSync(file);
		expect(createHash('sha256').update(bytes).digest('hex')).toBe(report.sha256);
		// The file is the trail's own lines, from the first event, chained.
		const lines = bytes.toString('utf8').trimEnd().split('\n').map(l => Buffer.from(l));
		expect(lines.map(l => chainFields(l)!.seq)).toEqual(Array.from({length: 20}, (_, i) => i + 1));
		for (const l of lines) expect(hashOfLine(l, chainFields(l)!)).toBe(chainFields(l)!.hash);
		const other = await reopen();
		const kept = await other.audit();
		expect(kept[0]!.seq).toBe(21);
		expect(kept.at(-1)).toMatchObject({kind: 'audit.retained', data: {through: 20, hash: chainFields(lines.at(-1)!)!.hash, sha256: report.sha256}});
		expect(await other.verifyAudit()).toMatchObject({ok: true, count: 11});
		await other.run(intent(99));
		expect(await other.verifyAudit()).toMatchObject({ok: true, count: 12});
		// A data directory verifies its chain from the first event: a store whose trail was cut is not migrated to one.
		const back = join(tempDir(), 'back');
		await expect(migrateStore({target: store.parts.target}, {dir: back}, {trust: store.trust, stateHome: tempDir()})).rejects.toMatchObject({code: 'INVALID', message: expect.stringContaining('starts after seq 20')});
		expect(existsSync(back)).toBe(false);
	});

	it('a base changed by hand: the next write is refused TAMPERED, audit verify names the first event after it', async () => {
		const {store, client, prefix, elsewhere} = await withTrail(12);
		await store.retain(4, join(tempDir(), 'trail.ndjson'), 'operator:test');
		const base = JSON.parse((await client.get(`${prefix}t/base`).string())!) as {seq: number; hash: string};
		await client.put(`${prefix}t/base`).value(JSON.stringify({...base, hash: 'f'.repeat(64)}));
		const other = await elsewhere();
		await expect(other.run(intent(50))).rejects.toMatchObject({code: 'TAMPERED'});
		const report = await other.verifyAudit();
		expect(report.ok).toBe(false);
		expect(report.firstBad?.line).toBe(9);
	});

	it('keys deleted by hand behind a base written by hand that fits the chain: no audit.retained event vouches for it, TAMPERED', async () => {
		const {client, prefix, elsewhere} = await withTrail(8);
		const key = (seq: number) => `${prefix}a/${String(seq).padStart(12, '0')}`;
		const fourth = Buffer.from((await client.get(key(4)).string())!.trimEnd());
		for (let seq = 1; seq <= 4; seq++) await client.delete().key(key(seq)).exec();
		await client.put(`${prefix}t/base`).value(JSON.stringify({seq: 4, hash: chainFields(fourth)!.hash, ledger: {keys: {}, services: {}}}));
		const other = await elsewhere();
		await expect(other.run(intent(50))).rejects.toMatchObject({code: 'TAMPERED', message: expect.stringContaining('no audit.retained event vouches for it')});
		expect((await other.verifyAudit()).firstBad?.reason).toMatch(/no audit\.retained event vouches for it/);
	});

	it('the oldest keys deleted by hand, without a retention: TAMPERED', async () => {
		const {store, client, prefix, elsewhere} = await withTrail(8);
		await client.delete().key(`${prefix}a/${'1'.padStart(12, '0')}`).exec();
		// This box verified the trail past it: it goes on from there, and audit verify says what was cut.
		expect((await store.verifyAudit()).ok).toBe(false);
		const other = await elsewhere();
		await expect(other.run(intent(50))).rejects.toMatchObject({code: 'TAMPERED'});
		expect((await other.verifyAudit()).ok).toBe(false);
	});

	it('never overwrites a file: an existing one is refused and nothing is removed', async () => {
		const {store} = await withTrail(12);
		const file = join(tempDir(), 'exists.ndjson');
		writeFileSync(file, 'keep me\n');
		await expect(store.retain(4, file, 'operator:test')).rejects.toMatchObject({code: 'IO', message: expect.stringContaining('exists already')});
		expect(readFileSync(file, 'utf8')).toBe('keep me\n');
		expect((await store.audit()).length).toBe(12);
	});
});
