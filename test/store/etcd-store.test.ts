/**
 * What the etcd store refuses: keys written by hand beside it, a trail edited in place, a cluster
 * that does not answer, a URL that names none. On a real 3-member cluster.
 */
import {createServer} from 'node:net';
import {Etcd3} from 'etcd3';
import {afterAll, describe, expect, it} from 'vitest';
import {openEtcdStore, parseStoreUrl} from '../../src/store/etcd/index.js';
import {EtcdStore} from '../../src/store/etcd/store.js';
import {KeyLayout} from '../../src/store/etcd/keys.js';
import {PAGE} from '../../src/store/etcd/pages.js';
import type {DeploymentSummary} from '../../src/core/view/summary.js';
import type {BatchStore} from '../../src/store/index.js';
import {etcdBackend} from './backends.js';

const etcd = etcdBackend();
const stores: BatchStore[] = [];
const clients: Etcd3[] = [];
afterAll(async () => {
	for (const s of stores) await s.close();
	for (const c of clients) c.close();
});

const intent = {type: 'intent.create', fromVersion: '1.0.0', actor: 'human:alice', service: 'checkout', toVersion: '1.1.0'} as const;

async function fresh() {
	const made = await etcd.fresh();
	stores.push(made.store);
	const client = new Etcd3({hosts: etcd.cluster().endpoints});
	clients.push(client);
	return {...made, client, prefix: made.where};
}

describe('a store URL', () => {
	it.each([
		['etcd://', 'endpoint'],
		['etcd://10.0.0.1', 'host:port'],
		['etcd://10.0.0.1:99999', 'port from 1 to 65535'],
		['http://10.0.0.1:2379', 'not a store URL'],
		['etcd://10.0.0.1:2379/Team A', 'store name'],
	])('%s is refused, naming --store and what is allowed', (url, says) => {
		const parsed = parseStoreUrl(url);
		expect(parsed).toHaveProperty('problem');
		expect((parsed as {problem: string}).problem).toMatch(/^--store: /);
		expect((parsed as {problem: string}).problem).toContain(says);
	});

	it('names endpoints and a store name; TLS and credentials come from the environment', () => {
		const parsed = parseStoreUrl('etcds://a.example:2379,b.example:2379/ops', {CALYX_ETCD_CA: '/ca.pem', CALYX_ETCD_USER: 'calyx', CALYX_ETCD_PASSWORD: 'p'});
		expect(parsed).toMatchObject({endpoints: ['https://a.example:2379', 'https://b.example:2379'], prefix: 'calyx/ops/', tls: {ca: '/ca.pem'}, auth: {username: 'calyx'}});
		expect(parseStoreUrl('etcd://a:1', {CALYX_ETCD_USER: 'x'})).toMatchObject({problem: expect.stringContaining('CALYX_ETCD_PASSWORD')});
		expect(parseStoreUrl('etcd://a:1', {CALYX_ETCD_PASSWORD: 'x'})).toMatchObject({problem: expect.stringContaining('CALYX_ETCD_USER: not set')});
		expect(parseStoreUrl('etcd://root:secret@a:1/ops')).toMatchObject({problem: expect.stringContaining('credentials do not go in the URL')});
	});
});

describe.skipIf(etcd.absent !== undefined)('the etcd store refuses', () => {
	it('an entity key written by hand beside the state: CORRUPT, naming the key', async () => {
		const {store, client, prefix} = await fresh();
		await store.run(intent);
		await client.put(`${prefix}s/e/deployments/DEP-20260101-001`).value('{"id":"DEP-20260101-001"}');
		await expect(store.read()).rejects.toMatchObject({code: 'CORRUPT', message: expect.stringContaining('s/e/deployments/DEP-20260101-001')});
	});

	it('an entity edited by hand into something that is not one: CORRUPT, naming the field; nothing written', async () => {
		const {store, client, prefix} = await fresh();
		const {result} = await store.run<{id: string}>(intent);
		await client.put(`${prefix}s/e/intents/${result.id}`).value('{"id":"x"}');
		await expect(store.read()).rejects.toMatchObject({code: 'CORRUPT', message: expect.stringContaining('intents[0]')});
		await expect(store.run(intent)).rejects.toMatchObject({code: 'CORRUPT'});
	});

	it('a trail edited in place: the next write is refused TAMPERED, and audit verify names the event', async () => {
		const {store, client, prefix, reopen} = await fresh();
		await store.run(intent);
		await store.run({...intent, toVersion: '1.2.0'});
		const key = `${prefix}a/${'1'.padStart(12, '0')}`;
		const line = (await client.get(key).string())!;
		await client.put(key).value(line.replace('"human:alice"', '"human:mallory"'));
		// Another process, which has not verified the trail yet, reads it from the first event.
		const other = await reopen();
		stores.push(other);
		await expect(other.run({...intent, toVersion: '1.3.0'})).rejects.toMatchObject({code: 'TAMPERED'});
		const report = await other.verifyAudit();
		expect(report.ok).toBe(false);
		expect(report.firstBad).toMatchObject({line: 1, seq: 1});
		expect((await other.read()).rev).toBe(2);
	});

	it('a configuration edited on the cluster by hand, with no config.changed: audit verify names the setting', async () => {
		const {store, client, prefix, reopen} = await fresh();
		const config = (await store.read()).config;
		await store.run({type: 'config.set', actor: 'human:alice', config: {...config, maxResourceLoad: 80}, reason: 'CHG-1'});
		const recorded = (await store.audit()).find(e => e.kind === 'config.changed')!.seq;
		expect((await store.verifyAudit()).config).toEqual({recorded, differences: []});
		const meta = JSON.parse((await client.get(`${prefix}s/meta`).string())!) as {config: Record<string, unknown>};
		await client.put(`${prefix}s/meta`).value(JSON.stringify({...meta, config: {...meta.config, maxResourceLoad: 99}}));
		const report = await (await reopen()).verifyAudit();
		expect(report.ok).toBe(false);
		expect(report.config).toEqual({recorded, differences: [{setting: 'maxResourceLoad', problem: expect.stringContaining('the document holds 99, not the value the trail recorded')}]});
		// The trust a write decides with says so too: nothing is leased or started on it (core/config-record.ts).
		expect((await store.checkedTrust()).configDrift).toMatchObject({recorded, differences: [expect.objectContaining({setting: 'maxResourceLoad'})]});
	});

	it('a trail cut back on the cluster (its last commit removed, the head set back) contradicts the head this box witnessed', async () => {
		const {store, client, prefix, reopen} = await fresh();
		for (const toVersion of ['1.1.0', '1.2.0', '1.3.0']) await store.run({...intent, toVersion});
		const second = (await store.audit()).find(e => e.seq === 2)!;
		const meta = JSON.parse((await client.get(`${prefix}s/meta`).string())!) as Record<string, unknown>;
		await client.delete().key(`${prefix}a/${'3'.padStart(12, '0')}`).exec();
		await client.put(`${prefix}s/meta`).value(JSON.stringify({...meta, auditHead: {seq: 2, hash: second.hash}}));
		const again = await reopen();
		await expect(again.run({...intent, toVersion: '1.4.0'})).rejects.toMatchObject({code: 'TAMPERED', message: expect.stringContaining('this box verified the trail up to seq 3')});
	});

	it('a commit whose reply was lost (the client sent it again, and the second failed its compare) is taken as committed: once, no STALE_STATE', async () => {
		const {store: made} = await fresh();
		const real = (made as EtcdStore).parts;
		// Every transaction is sent twice, the first reply dropped: what the client's retry does when a reply is lost.
		let doubled = 0;
		const client = new Proxy(real.client, {
			get(target, name, receiver) {
				if (name !== 'if') return Reflect.get(target, name, receiver) as unknown;
				return (...args: Parameters<Etcd3['if']>) => {
					const txn = target.if(...args);
					const commit = txn.commit.bind(txn);
					txn.commit = async () => {
						await commit();
						doubled++;
						return commit();
					};
					return txn;
				};
			},
		});
		const store = new EtcdStore({...real, client});
		const out = await store.run(intent);
		expect(doubled).toBeGreaterThan(0);
		expect(out.rev).toBe(1);
		expect((await made.audit()).map(e => e.seq)).toEqual([1]);
		expect(await made.verifyAudit()).toMatchObject({ok: true, count: 1});
	});

	it('a cluster that does not answer: an error naming the endpoints within seconds, never a hang', async () => {
		const server = createServer(socket => socket.destroy());
		await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
		const port = (server.address() as {port: number}).port;
		const target = parseStoreUrl(`etcd://127.0.0.1:${port}/nobody`);
		if ('problem' in target) throw new Error(target.problem);
		const started = Date.now();
		const error = await openEtcdStore(target, {connectTimeoutMs: 2_000}).catch((e: unknown) => e);
		server.close();
		expect(error).toMatchObject({code: 'IO', message: expect.stringContaining(`http://127.0.0.1:${port}`)});
		expect(Date.now() - started).toBeLessThan(10_000);
	});
});

describe.skipIf(etcd.absent !== undefined)('the etcd archive listed from its end', () => {
	it('takes the last rows that match a page at a time from the newest back, says whether older ones match, and lists all of them in pages', async () => {
		const {store, client, prefix} = await fresh();
		const keys = new KeyLayout(prefix);
		// More rows than three pages of a range request; one in seven of the service asked for.
		const rows = Array.from({length: 3 * PAGE + 50}, (_, i) => ({id: `DEP-${i}`, service: i % 7 === 0 ? 'checkout' : 'search'}));
		for (const [i, row] of rows.entries()) await client.put(keys.orderAt(i + 1, 0)).value(JSON.stringify({id: row.id, summary: row}));
		const ids = (list: {rows: DeploymentSummary[]; older: boolean}) => ({ids: list.rows.map(r => r.id), older: list.older});
		const checkout = (r: DeploymentSummary) => r.service === 'checkout';
		const allCheckout = rows.filter(checkout as (r: unknown) => boolean).map(r => r.id);
		expect(ids(await store.endedTail!(5))).toEqual({ids: rows.slice(-5).map(r => r.id), older: true});
		expect(ids(await store.endedTail!(5, checkout))).toEqual({ids: allCheckout.slice(-5), older: true});
		expect(ids(await store.endedTail!(allCheckout.length, checkout))).toEqual({ids: allCheckout, older: false});
		expect(ids(await store.endedTail!(allCheckout.length - 1, checkout))).toEqual({ids: allCheckout.slice(1), older: true});
		expect(ids(await store.endedTail!(0))).toEqual({ids: [], older: true});
		expect(ids(await store.endedTail!('all'))).toEqual({ids: rows.map(r => r.id), older: false});
		expect(ids(await store.endedTail!(10, r => r.service === 'none'))).toEqual({ids: [], older: false});
	});
});
