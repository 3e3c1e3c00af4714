/**
 * `calyx store init | migrate | status` through the built CLI, against a real 3-member etcd
 * cluster: a data directory migrated to etcd and back (each side verifies, same head), a target
 * that holds a store refused with exit 1 naming it, bad input exit 2 naming the flag.
 */
import {join} from 'node:path';
import {describe, expect, it} from 'vitest';
import {etcdSkipReason, sharedCluster} from '../helpers/etcd-cluster.js';
import {sandbox, signedLease} from './helpers.js';

type Doc = Record<string, any>;
const absent = etcdSkipReason('the store command tests on etcd');

describe.skipIf(absent !== undefined)('calyx store (a real 3-member etcd cluster)', () => {
	const shared = sharedCluster();
	const fresh = () => shared.freshUrl('c');

	it('migrates a data directory to etcd and back: both verify to the same head; a second run is refused', async () => {
		const s = sandbox();
		await signedLease(s);
		const head = (await s.json<Doc>(['audit', 'verify'])).doc;
		expect(head.ok).toBe(true);
		const url = fresh();
		const there = await s.json<Doc>(['store', 'migrate', '--from', s.data, '--to', url]);
		expect(there.code).toBe(0);
		expect(there.doc).toMatchObject({ok: true, events: head.head.seq, head: head.head, verified: {target: head.head}});
		const onEtcd = await s.json<Doc>(['--store', url, 'audit', 'verify']);
		expect(onEtcd.doc).toMatchObject({ok: true, head: head.head});

		const again = await s.calyx(['store', 'migrate', '--from', s.data, '--to', url]);
		expect(again.code).toBe(1);
		expect(again.stderr).toContain('already holds a calyx store');
		expect(again.stderr).toContain(url.replace('etcd://', ''));

		const back = join(s.root, 'back');
		const text = await s.calyx(['store', 'migrate', '--from', url, '--to', back]);
		expect(text.stderr).toBe('');
		expect(text.code).toBe(0);
		expect(text.stdout).toContain(`migrated ${url}`);
		expect(text.stdout).toContain(`verified on both sides to seq ${head.head.seq}`);
		expect((await s.json<Doc>(['--data', back, 'audit', 'verify'])).doc).toMatchObject({ok: true, head: head.head});
	}, 90_000);

	it('store init sets the history policy; store status shows members, the Raft leader, revisions and the policy', async () => {
		const s = sandbox({suiteTrust: true});
		const url = fresh();
		const made = await s.json<Doc>(['--store', url, 'store', 'init', '--retain-revisions', '500', '--compact-every', '2m']);
		expect(made.code).toBe(0);
		expect(made.doc).toMatchObject({created: true, maintenance: {retainRevisions: 500, compactEveryMs: 120_000, defragRatio: 2}});
		const twice = await s.json<Doc>(['--store', url, 'store', 'init']);
		expect(twice.doc).toMatchObject({created: false, maintenance: {retainRevisions: 500}});

		const status = await s.json<Doc>(['--store', url, 'store', 'status']);
		expect(status.code).toBe(0);
		expect(status.doc.members).toHaveLength(3);
		expect(status.doc.members.filter((m: Doc) => m.leader)).toHaveLength(1);
		expect(status.doc.members[0].dbSize).toBeGreaterThan(0);
		expect(status.doc).toMatchObject({kind: 'etcd', state: {rev: 0}, engine: {leader: null}, policy: {retainRevisions: 500}});
		expect(status.doc.revision).toBeGreaterThan(0);
		const text = await s.calyx(['--store', url, 'store', 'status']);
		expect(text.stdout).toMatch(/\(Raft leader\)/);
		expect(text.stdout).toContain('keep the last 500 revisions, compact at most every 2m');
	}, 60_000);

	it('bad input: exit 2 naming the flag, nothing written', async () => {
		const s = sandbox({suiteTrust: true});
		const badUrl = await s.calyx(['store', 'migrate', '--from', 'etcd://nohost', '--to', join(s.root, 'x')]);
		expect(badUrl.code).toBe(2);
		expect(badUrl.stderr).toContain('--from: endpoint "nohost"');
		const missing = await s.calyx(['store', 'migrate', '--from', s.data]);
		expect(missing.code).toBe(2);
		expect(missing.stderr).toContain('--to: required');
		const small = await s.calyx(['--store', fresh(), 'store', 'init', '--retain-revisions', '5']);
		expect(small.code).toBe(2);
		expect(small.stderr).toContain('--retain-revisions');
		const onDir = await s.calyx(['store', 'init', '--retain-revisions', '500']);
		expect(onDir.code).toBe(2);
		expect(onDir.stderr).toContain('a data directory has none');
	}, 60_000);
});
