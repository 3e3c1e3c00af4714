import {spawn, type ChildProcess} from 'node:child_process';
import {afterEach, describe, expect, it} from 'vitest';
import {BIN, sandbox, signedLease, waitFor} from './helpers.js';

type Doc = Record<string, any>;
const children: ChildProcess[] = [];
afterEach(() => {
	for (const child of children.splice(0)) child.kill('SIGKILL');
});

/** Starts `calyx engine` in the background and resolves once it says which role it took. */
function engine(env: NodeJS.ProcessEnv, args: string[] = []): Promise<{child: ChildProcess; first: string}> {
	const child = spawn(process.execPath, [BIN, 'engine', ...args], {env, stdio: ['ignore', 'pipe', 'pipe']});
	children.push(child);
	return new Promise((done, fail) => {
		let out = '';
		child.stdout!.on('data', d => {
			out += d;
			if (out.includes('\n')) done({child, first: out.split('\n')[0]!});
		});
		child.on('error', fail);
		child.on('exit', code => fail(new Error(`engine exited early (${code}): ${out}`)));
	});
}

describe('calyx engine and canary status --watch', () => {
	it('drives a canary to completed while a watcher follows it; a second engine is a follower', async () => {
		const s = sandbox();
		const {leaseId} = await signedLease(s, ['--bake', '1s', '--min-samples', '1']);
		const dep = (await s.calyx(['canary', 'start', leaseId])).stdout.split('\n')[0]!;
		// The watcher first, so it sees every tier the engine then moves through.
		const watcher = spawn(process.execPath, [BIN, 'canary', 'status', dep, '--watch', '--timeout', '60s'], {env: s.env, stdio: ['ignore', 'pipe', 'pipe']});
		children.push(watcher);
		let watched = '';
		watcher.stdout!.on('data', d => (watched += d));
		const exited = new Promise<number>(done => watcher.on('exit', code => done(code ?? -1)));
		await waitFor(() => watched.includes('running at 5%'));
		expect(watched).toContain('running at 5%');
		const leader = await engine(s.env, ['--interval', '300ms']);
		expect(leader.first).toMatch(/^leader: driving/);
		const second = await s.json<Doc>(['engine', '--once']);
		expect(second.code).toBe(1);
		expect(second.doc.role).toBe('follower');
		// canary status names the process that drives it, and has nothing to warn about.
		const status = await s.json<Doc>(['canary', 'status', dep]);
		expect(status.doc.engine).toMatchObject({pid: leader.child.pid});
		expect(status.stderr).not.toMatch(/no engine/);
		expect(await exited).toBe(0);
		const lines = watched.trim().split('\n');
		expect(lines.some(l => / running at 25%/.test(l))).toBe(true);
		expect(lines.at(-1)).toMatch(/completed at 100%/);
		expect((await s.json<Doc>(['canary', 'status', dep])).doc.status).toBe('completed');
	});

	it('a watch that times out exits 1 and says so', async () => {
		const s = sandbox();
		const {leaseId} = await signedLease(s, ['--bake', '15m']);
		const dep = (await s.calyx(['canary', 'start', leaseId])).stdout.split('\n')[0]!;
		const watched = await s.calyx(['canary', 'status', dep, '--watch', '--timeout', '1s']);
		expect(watched.code).toBe(1);
		expect(watched.stderr).toMatch(/did not finish within the timeout/);
	});
});
