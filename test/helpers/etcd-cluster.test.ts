/**
 * The etcd cluster harness against a real etcd: three members answer the etcd3 client, the Raft
 * leader's SIGKILL leaves a quorum that still takes writes, the killed member restarted on its own
 * data dir catches up on what it missed, and stop leaves no process and no dir behind.
 */
import {existsSync} from 'node:fs';
import {Etcd3} from 'etcd3';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {until} from '../drivers/haproxy-harness.js';
import {etcdSkipReason, startCluster, type EtcdCluster, type EtcdMember} from './etcd-cluster.js';

const absent = etcdSkipReason('the etcd cluster harness tests');

/** A write refused while the cluster elects a new leader is tried again until this deadline. */
const QUORUM_MS = 10_000;
/** Per call: a call stuck on the killed member must fail fast enough for the next try. */
const CALL_MS = 1_000;

const clientOf = (hosts: string[]) => new Etcd3({hosts, dialTimeout: CALL_MS, defaultCallOptions: c => (c.isStream ? {} : {deadline: Date.now() + CALL_MS})});

/** Whether the pid names a live process (a reaped child's does not). */
function alive(pid: number): boolean {
	try {
		process.kill(pid, 0);
		return true;
	} catch {
		return false;
	}
}

describe.skipIf(absent !== undefined)('a real 3-member etcd cluster', () => {
	let cluster: EtcdCluster;
	let client: Etcd3;
	let killed: EtcdMember;
	let killedPid: number;

	beforeAll(async () => {
		cluster = await startCluster();
		client = clientOf(cluster.endpoints);
		console.log(`etcd cluster of 3 healthy in ${Math.round(cluster.startMs)} ms`);
	});

	afterAll(async () => {
		client?.close();
		await cluster?.stop();
	});

	it('names three running members, each on its own ports, and takes a put read back through the client', async () => {
		expect(cluster.members.map(m => m.name)).toEqual(['m1', 'm2', 'm3']);
		expect(new Set([...cluster.members.map(m => m.clientUrl), ...cluster.members.map(m => m.peerUrl)]).size).toBe(6);
		for (const m of cluster.members) expect(alive(m.pid!)).toBe(true);
		expect(cluster.endpoints).toEqual(cluster.members.map(m => m.clientUrl));
		expect(cluster.url).toBe(`etcd://${cluster.endpoints.map(e => e.replace('http://', '')).join(',')}`);
		await client.put('calyx/harness/first').value('one');
		expect(await client.get('calyx/harness/first').string()).toBe('one');
	});

	it('after a SIGKILL of the Raft leader, the two left elect another and take writes', async () => {
		killed = await cluster.leader();
		killedPid = killed.pid!;
		const killedAt = performance.now();
		await cluster.kill(killed);
		expect(killed.pid).toBeUndefined();
		expect(alive(killedPid)).toBe(false);

		await until(
			() =>
				client
					.put('calyx/harness/without-leader')
					.value('two')
					.then(() => true, () => false),
			QUORUM_MS,
			'a put accepted by the two members left',
		);
		const acceptedMs = performance.now() - killedAt;
		const next = await cluster.leader();
		expect(next.name).not.toBe(killed.name);
		expect(await client.get('calyx/harness/without-leader').string()).toBe('two');
		console.log(`etcd leader ${killed.name} killed: a put accepted again after ${Math.round(acceptedMs)} ms, ${next.name} leads`);
	});

	it('the killed member restarted on its data dir is healthy and holds the write made without it', async () => {
		const restartedAt = performance.now();
		await cluster.restart(killed);
		const restartMs = performance.now() - restartedAt;
		expect(killed.pid).toBeDefined();
		expect(killed.pid).not.toBe(killedPid);
		// A serializable read answers from that member's own copy: it caught up, not just forwarded.
		const own = clientOf([killed.clientUrl]);
		try {
			await until(async () => (await own.get('calyx/harness/without-leader').serializable(true).string()) === 'two', QUORUM_MS, `${killed.name} to hold the write it missed`);
		} finally {
			own.close();
		}
		console.log(`etcd ${killed.name} restarted: healthy in ${Math.round(restartMs)} ms`);
	});

	it('stop kills every member and removes the dir', async () => {
		const pids = cluster.members.map(m => m.pid!);
		client.close();
		await cluster.stop();
		expect(pids.filter(alive)).toEqual([]);
		expect(cluster.members.map(m => m.pid)).toEqual([undefined, undefined, undefined]);
		expect(existsSync(cluster.dir)).toBe(false);
	});
});
