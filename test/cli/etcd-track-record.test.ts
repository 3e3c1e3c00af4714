/**
 * `lease show`'s track record (the plan replayed against the service's last deployments) on an
 * etcd store: the past is read through the store (its archive and its samples), not from a data
 * directory's files, so a canary run to its end on etcd is in the track record of the service's
 * next lease, as it is on a data directory. `plan replay --deployment` reads it the same way.
 */
import {describe, expect, it} from 'vitest';
import {etcdSkipReason, sharedCluster} from '../helpers/etcd-cluster.js';
import {sandbox, signedLease} from './helpers.js';

type Doc = Record<string, any>;
type Sandbox = ReturnType<typeof sandbox>;

const absent = etcdSkipReason('the track record on an etcd store');

/** Polls `check` until it yields a value or the deadline passes. */
async function until<T>(check: () => Promise<T | undefined>, timeoutMs: number): Promise<T | undefined> {
	const deadline = Date.now() + timeoutMs;
	for (;;) {
		const value = await check();
		if (value !== undefined || Date.now() >= deadline) return value;
		await new Promise(resolve => setTimeout(resolve, 100));
	}
}

/** checkout 1.4.0 → 1.5.0 run to completed by `engine --once`, then the next change's lease, signed: what `lease show` says of it. */
async function nextLeaseAfterACompletedCanary(s: Sandbox) {
	const {leaseId} = await signedLease(s);
	const dep = (await s.calyx(['canary', 'start', leaseId])).stdout.split('\n')[0]!;
	expect(dep).toMatch(/^DEP-/);
	const ended = await until(async () => {
		await s.calyx(['engine', '--once']);
		const {status} = (await s.json<Doc>(['canary', 'status', dep])).doc;
		return status === 'completed' ? status : undefined;
	}, 60_000);
	expect(ended).toBe('completed');
	const intent = (await s.json<Doc>(['intent', 'create', '--service', 'checkout', '--from', '1.5.0', '--to', '1.6.0', '--lines', '40', '--key', 'ci-bot'])).doc;
	expect((await s.calyx(['intent', 'approve', intent.id, '--key', 'alice'])).code).toBe(0);
	const next = (await s.json<Doc>(['lease', 'issue', intent.id, '--bake', '0s', '--min-samples', '1'])).doc;
	const shown = await s.json<Doc>(['lease', 'show', next.id]);
	expect(shown.code).toBe(0);
	const text = await s.calyx(['lease', 'show', next.id]);
	const replay = await s.json<Doc>(['plan', 'replay', '--deployment', dep]);
	return {dep, replayed: shown.doc.replayed, line: text.stdout.split('\n').find(l => l.startsWith('replayed: ')), replay: replay.doc.replay};
}

describe.skipIf(absent !== undefined)('lease show\'s track record on an etcd store', () => {
	const shared = sharedCluster();

	it('a canary completed on etcd is in the next lease\'s track record, as on a data directory', async () => {
		const etcd = sandbox();
		etcd.env.CALYX_STORE = shared.freshUrl('t');
		const [onEtcd, onFiles] = await Promise.all([nextLeaseAfterACompletedCanary(etcd), nextLeaseAfterACompletedCanary(sandbox())]);
		expect(onEtcd.replayed).toMatchObject({completed: 1, halted: 0, unsampled: 0});
		expect(onEtcd.line).toBe('replayed: this plan against the last deployment of checkout: 1 complete');
		// The same past gives the same line on both stores.
		expect({replayed: onEtcd.replayed, line: onEtcd.line}).toEqual({replayed: onFiles.replayed, line: onFiles.line});
		// One deployment's replay reads its samples through the store too.
		expect(onEtcd.replay.verdict).toMatchObject({outcome: 'completed'});
		expect(onEtcd.replay.timeline.filter((t: Doc) => t.action === 'promoted').length).toBeGreaterThan(0);
	}, 240_000);
});
