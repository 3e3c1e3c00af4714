/**
 * A store a migration copied elsewhere is sealed: an engine left on it would drive the targets the
 * copy's engine drives, each undoing the other's steps. Through the built CLI: an engine running on
 * the source stops (exit 1) naming where the store went; every command there is refused (exit 1,
 * MOVED) and writes nothing; the copy takes them; store status says so.
 */
import {spawn} from 'node:child_process';
import {join} from 'node:path';
import {describe, expect, it} from 'vitest';
import {BIN, sandbox, signedLease, snapshot, waitFor} from './helpers.js';

type Doc = Record<string, any>;

describe('a migrated source is sealed', () => {
	it('stops the engine left on it, refuses every command there naming the copy, and the copy goes on', async () => {
		const s = sandbox();
		const {leaseId} = await signedLease(s, ['--bake', '1h', '--min-samples', '1']);
		// An engine with nothing live writes nothing: the migration below reads a store that holds still.
		const idle = snapshot(s.data);
		expect((await s.calyx(['engine', '--once'])).code).toBe(0);
		expect(snapshot(s.data)).toEqual(idle);

		const engine = spawn(process.execPath, [BIN, 'engine', '--interval', '200ms'], {env: s.env, stdio: ['ignore', 'pipe', 'pipe']});
		let out = '';
		let err = '';
		engine.stdout.on('data', d => (out += d));
		engine.stderr.on('data', d => (err += d));
		const exited = new Promise<number>(done => engine.on('exit', code => done(code ?? -1)));
		try {
			await waitFor(() => out.includes('leader: driving'));
			const copy = join(s.root, 'copy');
			const moved = await s.calyx(['store', 'migrate', '--from', s.data, '--to', copy]);
			expect(moved.stderr).toBe('');
			expect(moved.code).toBe(0);
			expect(moved.stdout).toMatch(new RegExp(`sealed ${s.data} at seq \\d+: nothing is written there any more`));

			expect(await exited).toBe(1);
			expect(err).toContain(`calyx engine: stopping: this store was migrated to ${copy}`);
			expect(err).toContain(`use --data ${copy}`);

			const sealed = snapshot(s.data);
			const start = await s.json<Doc>(['canary', 'start', leaseId]);
			expect(start.code).toBe(1);
			expect(start.doc).toMatchObject({ok: false, error: {code: 'MOVED'}});
			expect(start.doc.error.message).toContain(`this store was migrated to ${copy}`);
			const once = await s.calyx(['engine', '--once']);
			expect(once.code).toBe(1);
			expect(once.stderr).toContain('no engine runs from it');
			expect(snapshot(s.data)).toEqual(sealed);
			const status = await s.json<Doc>(['store', 'status']);
			expect(status.code).toBe(1);
			expect(status.doc).toMatchObject({moved: {to: copy}});

			// The copy is not sealed: the same start goes through there, and its engine drives it.
			const there = await s.calyx(['--data', copy, 'canary', 'start', leaseId]);
			expect(there.code).toBe(0);
			expect((await s.calyx(['--data', copy, 'engine', '--once'])).code).toBe(0);
			expect((await s.json<Doc>(['--data', copy, 'store', 'status'])).code).toBe(0);
		} finally {
			engine.kill('SIGKILL');
		}
	}, 60_000);
});
