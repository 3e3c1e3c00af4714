/**
 * The etcd store's history kept in bounds on a real 3-member cluster: after many writes `maintain`
 * compacts to the policy's window (an older revision can no longer be read), defragments members
 * whose database is mostly free, is rate-limited by times kept in etcd, and leaves a store that
 * still reads, verifies and takes writes.
 */
import {afterEach, describe, expect, it} from 'vitest';
import type {Command} from '../../src/core/index.js';
import {initEtcdStore} from '../../src/store/etcd/index.js';
import type {EtcdStore} from '../../src/store/etcd/store.js';
import {etcdBackend} from './backends.js';
import {clockAt, tempDir} from './helpers.js';

const etcd = etcdBackend();
const home = tempDir();
const open: EtcdStore[] = [];
afterEach(async () => {
	for (const s of open.splice(0)) await s.close();
});

const intent = (n: number): Command => ({type: 'intent.create', fromVersion: '1.0.0', actor: 'human:alice', service: 'checkout', toVersion: `1.1.${n}`});

async function freshStore(): Promise<EtcdStore> {
	const {store} = await initEtcdStore(etcd.target(), {stateHome: home});
	open.push(store as EtcdStore);
	return store as EtcdStore;
}

const revisionNow = async (store: EtcdStore) => Number((await store.parts.client.get(store.keys.meta).exec()).header.revision);

describe.skipIf(etcd.absent !== undefined)('etcd maintenance: compaction and defragmentation', () => {
	it('compacts the history behind the window after many writes; the store still reads, verifies and writes', async () => {
		const store = await freshStore();
		const clock = clockAt();
		await store.maintenance.setPolicy({retainRevisions: 20, compactEveryMs: 60_000, defragRatio: 1, defragMinBytes: 0});
		const early = await revisionNow(store);
		for (let i = 0; i < 60; i++) await store.run(intent(i), {clock});
		const now = await revisionNow(store);

		const actions = await store.maintain(clock.now());
		const compacted = actions.find(a => a.kind === 'compacted');
		expect(compacted?.revision).toBeGreaterThanOrEqual(now - 20);
		expect(compacted!.revision).toBeGreaterThan(early);
		// Every member is mostly free space right after a compaction: each defragmented once, one at a time.
		expect(actions.filter(a => a.kind === 'defragmented').map(a => a.member).sort()).toEqual(['m1', 'm2', 'm3']);
		expect(actions.filter(a => a.kind === 'failed')).toEqual([]);

		const status = await store.maintenance.status(store.parts.target.endpoints);
		expect(status.compactedRevision).toBe(compacted!.revision);
		expect(status.members.filter(m => m.leader)).toHaveLength(1);
		expect(status.log.map(a => a.kind)).toContain('compacted');
		const old = await store.parts.client.get(store.keys.meta).revision(early).exec().then(
			() => 'read',
			(error: Error) => error.message,
		);
		expect(old).toMatch(/compacted/);

		expect((await store.read()).intents).toHaveLength(60);
		expect(await store.verifyAudit()).toMatchObject({ok: true, count: 60});
		await store.run(intent(60), {clock});
		expect((await store.audit({limit: 1}))[0]?.seq).toBe(61);
	}, 60_000);

	it('is rate-limited by the policy, through times kept in etcd (another engine taking over does not start over)', async () => {
		const store = await freshStore();
		const clock = clockAt();
		await store.maintenance.setPolicy({retainRevisions: 5, compactEveryMs: 60_000, defragMinBytes: 1 << 40});
		for (let i = 0; i < 12; i++) await store.run(intent(i), {clock});
		const first = await store.maintain(clock.now());
		expect(first.map(a => a.kind)).toEqual(['compacted']);
		for (let i = 12; i < 24; i++) await store.run(intent(i), {clock});
		clock.advance(30_000);
		expect(await store.maintain(clock.now())).toEqual([]);
		clock.advance(31_000);
		const second = await store.maintain(clock.now());
		expect(second.map(a => a.kind)).toEqual(['compacted']);
		expect(second[0]!.revision).toBeGreaterThan(first[0]!.revision!);
		expect(await store.maintenance.policy()).toMatchObject({retainRevisions: 5, compactEveryMs: 60_000, defragEveryMs: 3_600_000});
	}, 60_000);
});
