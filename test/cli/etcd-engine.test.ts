/**
 * Two `calyx engine` processes on one etcd store (a real 3-member cluster): the leader is killed
 * mid-canary with SIGKILL, and the follower takes over within the lease's TTL and a second, then
 * drives the canary to the end. The TTL is the store's default (3 s).
 */
import {spawn, type ChildProcess} from 'node:child_process';
import {afterEach, describe, expect, it} from 'vitest';
import {DEFAULT_TTL_S} from '../../src/store/etcd/leader.js';
import {etcdSkipReason, sharedCluster} from '../helpers/etcd-cluster.js';
import {BIN, sandbox, signedLease, waitFor} from './helpers.js';

type Doc = Record<string, any>;
const absent = etcdSkipReason('the engine takeover tests on etcd');
const children: ChildProcess[] = [];
afterEach(() => {
	for (const child of children.splice(0)) child.kill('SIGKILL');
});

/** `calyx engine` in the background, its output collected line by line. */
function engine(env: NodeJS.ProcessEnv): {child: ChildProcess; lines: string[]} {
	const child = spawn(process.execPath, [BIN, 'engine', '--interval', '300ms'], {env, stdio: ['ignore', 'pipe', 'pipe']});
	children.push(child);
	const lines: string[] = [];
	let partial = '';
	child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
		const parts = (partial + chunk).split('\n');
		partial = parts.pop()!;
		lines.push(...parts);
	});
	return {child, lines};
}

describe.skipIf(absent !== undefined)('engines on an etcd store', () => {
	const etcd = sharedCluster();

	it('kill -9 of the leading engine mid-canary: the other takes over within the TTL and a second, and drives the canary to the end', async () => {
		const s = sandbox();
		s.env.CALYX_STORE = etcd.freshUrl('e');
		const {leaseId} = await signedLease(s, ['--bake', '2s', '--min-samples', '1']);
		const dep = (await s.calyx(['canary', 'start', leaseId])).stdout.split('\n')[0]!;
		expect(dep).toMatch(/^DEP-/);
		const first = engine(s.env);
		await waitFor(() => first.lines.some(l => l.startsWith('leader:')));
		expect(first.lines[0]).toMatch(/^leader: driving etcd:\/\//);
		const second = engine(s.env);
		await waitFor(() => second.lines.some(l => l.startsWith('follower:')));
		const status = async () => (await s.json<Doc>(['canary', 'status', dep])).doc;
		// Mid-canary: past its first tier, not yet at the end.
		let seen: Doc = {};
		const deadline = Date.now() + 30_000;
		while (Date.now() < deadline && !((seen = await status()).tierIndex >= 1)) await new Promise(r => setTimeout(r, 100));
		expect(seen.tierIndex).toBeGreaterThanOrEqual(1);
		expect(seen.status).not.toBe('completed');
		first.child.kill('SIGKILL');
		const killedAt = Date.now();
		await waitFor(() => second.lines.some(l => l.startsWith('leader:')), 15_000);
		const takeover = Date.now() - killedAt;
		expect(second.lines.some(l => l.startsWith('leader:'))).toBe(true);
		expect(takeover).toBeLessThanOrEqual(DEFAULT_TTL_S * 1000 + 1000);
		const end = Date.now() + 60_000;
		while (Date.now() < end && (seen = await status()).status !== 'completed') await new Promise(r => setTimeout(r, 200));
		expect(seen.status).toBe('completed');
		console.log(`engine killed mid-canary: the follower led after ${takeover} ms (TTL ${DEFAULT_TTL_S} s) and completed ${dep}`);
	}, 180_000);
});
