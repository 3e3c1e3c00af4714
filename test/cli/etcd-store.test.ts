/**
 * The CLI on an etcd store (issue 16): every command answers as on a data directory. A canary run
 * to its end through `engine --once` is then listed as ended (read from the store's archive, not a
 * data directory's index), shown by `history` and `canary status`, and the trail verifies; a live
 * one names the box whose engine drives it. A --store that names no etcd store is refused before
 * anything is written; an endpoint where nothing listens fails, naming it, rather than hang.
 */
import {spawn} from 'node:child_process';
import {existsSync} from 'node:fs';
import {createServer, type AddressInfo} from 'node:net';
import {hostname} from 'node:os';
import {describe, expect, it} from 'vitest';
import {etcdSkipReason, sharedCluster} from '../helpers/etcd-cluster.js';
import {BIN, sandbox, signedLease} from './helpers.js';

type Doc = Record<string, any>;

const absent = etcdSkipReason('the CLI tests on an etcd store');

/** A port nothing listens on: one the kernel handed out and that was closed again. */
async function closedPort(): Promise<number> {
	const server = createServer();
	await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
	const {port} = server.address() as AddressInfo;
	await new Promise(resolve => server.close(resolve));
	return port;
}

/** Polls `check` until it yields a value or the deadline passes. */
async function until<T>(check: () => Promise<T | undefined>, timeoutMs = 20_000): Promise<T | undefined> {
	const deadline = Date.now() + timeoutMs;
	for (;;) {
		const value = await check();
		if (value !== undefined || Date.now() >= deadline) return value;
		await new Promise(resolve => setTimeout(resolve, 100));
	}
}

describe.skipIf(absent !== undefined)('the CLI on an etcd store', () => {
	const etcd = sharedCluster();

	/** A sandbox whose commands all go to a fresh store of its own on the cluster (CALYX_STORE). */
	const onEtcd = () => {
		const url = etcd.freshUrl('t');
		const s = sandbox();
		s.env.CALYX_STORE = url;
		return {...s, url};
	};

	it('init, a canary run to its end, then list, history, status and audit verify read it from the store', async () => {
		const s = onEtcd();
		const first = await s.calyx(['init']);
		expect([first.code, first.stdout]).toEqual([0, `initialised ${s.url}\n`]);
		const again = await s.calyx(['init']);
		expect([again.code, again.stdout]).toEqual([0, `${s.url} is already initialised; nothing changed\n`]);

		const {leaseId} = await signedLease(s);
		const dep = (await s.calyx(['canary', 'start', leaseId])).stdout.split('\n')[0]!;
		expect(dep).toMatch(/^DEP-/);
		const status = async () => (await s.json<Doc>(['canary', 'status', dep])).doc.status as string;
		const ended = await until(async () => {
			await s.calyx(['engine', '--once']);
			const now = await status();
			return now === 'completed' ? now : undefined;
		}, 60_000);
		expect(ended).toBe('completed');

		// Ended: the store archived it, and the list reads it from there.
		const plain = (await s.json<Doc>(['canary', 'list'])).doc;
		expect(plain).toMatchObject({deployments: [{id: dep, status: 'completed', service: 'checkout'}], olderEnded: false});
		expect((await s.json<Doc>(['canary', 'list', '--all'])).doc.deployments).toEqual(plain.deployments);
		expect((await s.json<Doc>(['canary', 'list', '--status', 'completed'])).doc.deployments).toEqual(plain.deployments);
		expect((await s.json<Doc>(['canary', 'list', '--service', 'payments'])).doc.deployments).toEqual([]);
		expect((await s.json<Doc>(['canary', 'list', '--ended', '0'])).doc).toMatchObject({deployments: [], olderEnded: true});
		expect((await s.calyx(['canary', 'list', '--no-color'])).stdout).toMatch(new RegExp(`${dep}\\s+checkout\\s+1\\.4\\.0 → 1\\.5\\.0\\s+completed`));

		const history = (await s.json<Doc>(['history', 'checkout'])).doc;
		expect(history).toMatchObject({service: 'checkout', older: false, deployments: [{id: dep, status: 'completed', reached: 100, signers: ['human:alice', 'agent:ci-bot']}]});

		const shown = await s.calyx(['canary', 'status', dep, '--no-color']);
		expect(shown.code).toBe(0);
		expect(shown.stdout).toContain(`status:   completed at 100%`);
		expect(shown.stdout).toContain(`lease:    ${leaseId} signed by human:alice, agent:ci-bot`);

		const verified = await s.calyx(['audit', 'verify']);
		expect([verified.code, verified.stdout]).toEqual([0, expect.stringContaining('audit trail intact')]);
		// Nothing of it went to a data directory.
		expect(existsSync(s.data)).toBe(false);
	}, 180_000);

	it('a live canary says when no engine drives it, and which box\'s engine does once one runs', async () => {
		const s = onEtcd();
		const {leaseId} = await signedLease(s, ['--bake', '15m']);
		const dep = (await s.calyx(['canary', 'start', leaseId])).stdout.split('\n')[0]!;
		const undriven = await s.calyx(['canary', 'status', dep]);
		expect(undriven.stderr).toContain(`no engine is running for ${s.url}: ${dep} is not sampled`);

		const engine = spawn(process.execPath, [BIN, 'engine'], {env: s.env, stdio: ['ignore', 'pipe', 'pipe']});
		let log = '';
		engine.stdout.on('data', d => (log += d));
		engine.stderr.on('data', d => (log += d));
		const exited = new Promise<string>(resolve => engine.on('close', (code, signal) => resolve(`${code} ${signal} ${log}`)));
		try {
			const led = await until(async () => {
				const run = await s.calyx(['canary', 'status', dep, '--no-color']);
				return run.stdout.includes('engine:') ? run : undefined;
			});
			expect(led?.stdout).toContain(`engine:   the engine of pid ${engine.pid} on ${hostname()}`);
			expect(led?.stderr).toBe('');
			expect((await s.json<Doc>(['canary', 'status', dep])).doc.engine).toEqual({pid: engine.pid, host: hostname()});
			expect(log).toContain(`leader: driving ${s.url} every 1000 ms`);
		} finally {
			engine.kill('SIGINT');
			expect(await exited).toMatch(/^0 null /);
		}
	}, 120_000);

	it('a --store that names no etcd store is exit 2 naming --store and the form; one where nothing listens is exit 1 naming it', async () => {
		const s = sandbox();
		for (const url of ['etcd://nohost', 'http://x']) {
			for (const args of [['init'], ['canary', 'list']]) {
				const run = await s.calyx(['--store', url, ...args]);
				expect([run.code, run.stdout]).toEqual([2, '']);
				expect(run.stderr).toMatch(/^calyx: --store: .*etcd:\/\/host:port\[,host:port…\]\[\/name\]/);
			}
		}
		const port = await closedPort();
		for (const args of [['init'], ['canary', 'list'], ['canary', 'status', 'DEP-20261126-001']]) {
			const run = await s.calyx(['--store', `etcd://127.0.0.1:${port}`, ...args]);
			expect([run.code, run.stdout]).toEqual([1, '']);
			expect(run.stderr).toMatch(new RegExp(`^calyx: .*etcd cluster at http://127\\.0\\.0\\.1:${port}\\b.*nothing was read or written`));
		}
		// Nothing written: no data directory, no local directory of a store.
		expect(existsSync(s.data)).toBe(false);
		expect(existsSync(`${s.root}/state/calyx/etcd`)).toBe(false);
	}, 60_000);
});
