/**
 * The etcd store under the failures a cluster of boxes meets, on a real 3-member cluster: many
 * writers at once, the Raft leader killed mid-stream, an engine frozen past its lease.
 */
import {afterEach, describe, expect, it} from 'vitest';
import type {BatchStore} from '../../src/store/index.js';
import {initEtcdStore, openEtcdStore} from '../../src/store/etcd/index.js';
import {until} from '../drivers/haproxy-harness.js';
import {etcdBackend} from './backends.js';
import {Child, tempDir} from './helpers.js';

const etcd = etcdBackend();
const home = tempDir();
const children: Child[] = [];
const stores: BatchStore[] = [];
afterEach(async () => {
	await Promise.all(children.splice(0).map(c => c.kill()));
	for (const s of stores.splice(0)) await s.close();
});

const url = (prefix: string) => `${etcd.cluster().url}/${prefix.split('/')[1]}`;

describe.skipIf(etcd.absent !== undefined)('the etcd store when things go wrong', () => {
	it('8 processes × 100 mutations at once: exactly 800, audit seq contiguous, the chain verifies', async () => {
		const target = etcd.target();
		const {store} = await initEtcdStore(target, {stateHome: home});
		stores.push(store);
		const writers = Array.from({length: 8}, (_, i) => new Child('writer.ts', [url(target.prefix), '100', `w${i}`], {XDG_STATE_HOME: home}));
		children.push(...writers);
		await Promise.all(writers.map(w => w.waitFor(l => l === 'ready', 'writer ready', 120_000)));
		for (const w of writers) w.send('go');
		await Promise.all(writers.map(w => w.waitFor(l => l.startsWith('done'), 'writer done', 150_000)));
		const state = await store.read();
		expect(state.rev).toBe(800);
		const titles = new Set(state.intents.map(i => i.title));
		for (let w = 0; w < 8; w++) for (let i = 0; i < 100; i++) expect(titles.has(`w${w}-${i}`)).toBe(true);
		const events = await store.audit();
		expect(events.map(e => e.seq)).toEqual(Array.from({length: 800}, (_, i) => i + 1));
		expect(await store.verifyAudit()).toMatchObject({ok: true, count: 800});
	}, 300_000);

	it('kill -9 of the Raft leader during a stream of writes: no acknowledged write lost, the chain intact', async () => {
		const target = etcd.target();
		const {store} = await initEtcdStore(target, {stateHome: home});
		stores.push(store);
		const cluster = etcd.cluster();
		const acked: string[] = [];
		const failed: string[] = [];
		let stop = false;
		const stream = (async () => {
			for (let i = 0; !stop; i++) {
				const title = `s-${i}`;
				await store.run({type: 'intent.create', fromVersion: '1.0.0', actor: 'agent:stream', service: 'checkout', toVersion: '1.1.0', title}).then(
					() => acked.push(title),
					(error: Error) => failed.push(`${title}: ${error.message}`),
				);
			}
		})();
		await until(() => acked.length >= 20, 20_000, 'writes before the kill');
		const leader = await cluster.leader();
		await cluster.kill(leader);
		const atKill = acked.length;
		await until(() => acked.length >= atKill + 20, 30_000, 'writes after the kill');
		stop = true;
		await stream;
		await cluster.restart(leader);
		const reader = await openEtcdStore(target, {stateHome: home});
		stores.push(reader);
		const titles = new Set((await reader.read()).intents.map(i => i.title));
		expect(acked.filter(t => !titles.has(t))).toEqual([]);
		expect(await reader.verifyAudit()).toMatchObject({ok: true});
		console.log(`Raft leader killed: ${acked.length} writes acknowledged, ${failed.length} failed (${failed.slice(0, 2).join('; ')})`);
	}, 120_000);

	it('an engine frozen past its lease is replaced, and once it wakes its writes are refused', async () => {
		const target = etcd.target();
		const {store} = await initEtcdStore(target, {stateHome: home});
		stores.push(store);
		const first = new Child('etcd-leader.ts', [url(target.prefix), 'first'], {XDG_STATE_HOME: home});
		children.push(first);
		await first.waitFor(l => l === 'role leader', 'the first to lead', 60_000);
		const second = new Child('etcd-leader.ts', [url(target.prefix), 'second'], {XDG_STATE_HOME: home});
		children.push(second);
		await second.waitFor(l => l === 'role follower', 'the second to follow', 60_000);
		first.proc.kill('SIGSTOP');
		const frozenAt = Date.now();
		await second.waitFor(l => l === 'role leader', 'the second to take over', 15_000);
		const takeover = Date.now() - frozenAt;
		// The lease's TTL is 2 s here: taken over within it and a second.
		expect(takeover).toBeLessThan(2000 + 1000 + 1500);
		second.send('write');
		await second.waitFor(l => l.startsWith('wrote'), 'the new leader writes');
		const before = (await store.read()).rev;
		first.proc.kill('SIGCONT');
		first.send('write');
		const answer = await first.waitFor(l => l === 'follower' || l.startsWith('refused') || l.startsWith('wrote'), 'the woken one to answer', 15_000);
		expect(['follower', 'refused LOCK_LOST']).toContain(answer);
		expect((await store.read()).rev).toBe(before);
		await first.waitFor(l => l === 'role follower', 'the woken one to follow', 15_000);
		console.log(`frozen leader replaced in ${takeover} ms; woken, it answered "${answer}"`);
	}, 120_000);

	it('a cluster lost mid-run: the leader stops deciding within the TTL, a read fails naming the endpoints, the probe a console listens to says so and then that it is back', async () => {
		const target = etcd.target();
		const {store} = await initEtcdStore(target, {stateHome: home});
		stores.push(store);
		const leadership = await store.lead({staleMs: 3000});
		expect(leadership.role).toBe('leader');
		// What a console listens to, to say the cluster does not answer.
		const probe = store.reachability!();
		const unsubscribe = probe.subscribe(() => undefined);
		const members = etcd.cluster().members.filter(m => m.pid !== undefined);
		for (const m of members) process.kill(m.pid!, 'SIGSTOP');
		try {
			const lostAt = Date.now();
			await until(() => leadership.role === 'follower', 10_000, 'the leader to step down');
			const steppedDown = Date.now() - lostAt;
			expect(steppedDown).toBeLessThanOrEqual(3000);
			const error = await store.read().catch((e: unknown) => e);
			expect(error).toMatchObject({code: 'IO', message: expect.stringContaining(target.endpoints[0]!)});
			await until(() => !probe.get().reachable, 10_000, 'the probe to find the cluster gone');
			expect(probe.get()).toMatchObject({reachable: false, endpoints: expect.stringContaining(target.endpoints[0]!)});
			console.log(`cluster frozen: the leader stepped down after ${steppedDown} ms (TTL 3 s); a read failed: ${(error as Error).message.slice(0, 120)}`);
		} finally {
			for (const m of members) process.kill(m.pid!, 'SIGCONT');
		}
		await until(() => probe.get().reachable, 20_000, 'the probe to find the cluster back');
		unsubscribe();
	}, 60_000);
});
