import {chmodSync, existsSync, mkdirSync, renameSync} from 'node:fs';
import {join} from 'node:path';
import {describe, expect, it} from 'vitest';
import {sandbox} from './helpers.js';

/** Private keys are kept as ssh keeps them: written before anything is registered, never shared. */
describe('private keys', () => {
	const keysDir = (s: ReturnType<typeof sandbox>) => join(s.root, 'config', 'calyx', 'keys');
	const registered = async (s: ReturnType<typeof sandbox>) => (await s.json<{keys: unknown[]}>(['keys', 'list'])).doc.keys;

	it('keys add to a path that cannot be written registers nothing and exits 2 at once', async () => {
		const s = sandbox();
		await s.calyx(['init']);
		const run = await s.calyx(['keys', 'add', '--role', 'human', '--id', 'alice', '--owner', 'alice', '--out', '/proc/no-such-dir/alice.pem']);
		expect(run.code).toBe(2);
		expect(run.stderr).toContain('--out: cannot write the private key to /proc/no-such-dir/alice.pem');
		expect(await registered(s)).toEqual([]);
	});

	it('a key named by a relative path is read in the key directory; when it lies here instead, the refusal says how to name it', async () => {
		const s = sandbox();
		await s.calyx(['init']);
		const out = join(s.root, 'ops.pem');
		expect((await s.calyx(['trust', 'init', '--out', join(s.root, 'trust.json'), '--admin-out', out])).code).toBe(0);
		const run = await s.calyx(['keys', 'add', '--role', 'human', '--id', 'alice', '--owner', 'alice', '--admin-key', 'ops.pem'], {cwd: s.root, env: {CALYX_TRUST: join(s.root, 'trust.json')}});
		expect(run.code).toBe(2);
		expect(run.stderr).toContain(`--admin-key: no key file at ${join(keysDir(s), 'ops.pem')}`);
		expect(run.stderr).toContain('the file here is ./ops.pem, or give its full path');
		expect(await registered(s)).toEqual([]);
		const named = await s.calyx(['keys', 'add', '--role', 'human', '--id', 'alice', '--owner', 'alice', '--admin-key', './ops.pem'], {cwd: s.root, env: {CALYX_TRUST: join(s.root, 'trust.json')}});
		expect(named.code).toBe(0);
	});

	it('keys add refuses to write a private key inside a data directory', async () => {
		const s = sandbox();
		await s.calyx(['init']);
		const run = await s.calyx(['keys', 'add', '--role', 'human', '--id', 'alice', '--owner', 'alice', '--out', join(s.data, 'alice.pem')]);
		expect(run.code).toBe(2);
		expect(run.stderr).toContain('is inside a data directory');
		expect(existsSync(join(s.data, 'alice.pem'))).toBe(false);
		expect(await registered(s)).toEqual([]);
	});

	it('a registration the registry refuses leaves no private key behind', async () => {
		const s = sandbox();
		await s.calyx(['init']);
		expect((await s.calyx(['keys', 'add', '--role', 'human', '--id', 'alice', '--owner', 'alice'])).code).toBe(0);
		const out = join(s.root, 'second.pem');
		const run = await s.calyx(['keys', 'add', '--role', 'agent', '--id', 'alice', '--owner', 'alice', '--out', out]);
		expect(run.code).not.toBe(0);
		expect(existsSync(out)).toBe(false);
	});

	it('a key readable by others, or in a directory others can write, is refused with the chmod that fixes it', async () => {
		const s = sandbox();
		await s.calyx(['init']);
		await s.calyx(['keys', 'add', '--role', 'human', '--id', 'alice', '--owner', 'alice']);
		const path = join(keysDir(s), 'alice.pem');
		chmodSync(path, 0o644);
		let run = await s.calyx(['keys', 'register', '--key', 'alice', '--owner', 'alice']);
		expect(run.code).toBe(2);
		expect(run.stderr).toContain(`run chmod 600 ${path}`);
		chmodSync(path, 0o600);
		chmodSync(keysDir(s), 0o777);
		run = await s.calyx(['keys', 'register', '--key', 'alice', '--owner', 'alice']);
		expect(run.code).toBe(2);
		expect(run.stderr).toContain(`run chmod go-w ${keysDir(s)}`);
	});

	it('CALYX_KEY with a relative path is resolved in the key directory', async () => {
		const s = sandbox();
		await s.calyx(['init']);
		await s.calyx(['keys', 'add', '--role', 'human', '--id', 'alice', '--owner', 'alice']);
		mkdirSync(join(keysDir(s), 'team'), {mode: 0o700});
		renameSync(join(keysDir(s), 'alice.pem'), join(keysDir(s), 'team', 'alice.pem'));
		const other = sandbox();
		await other.calyx(['init']);
		const run = await other.calyx(['keys', 'register', '--owner', 'alice'], {env: {CALYX_KEY: 'team/alice.pem', XDG_CONFIG_HOME: join(s.root, 'config')}});
		expect(run.stderr).toBe('');
		expect(run.code).toBe(0);
	});
});
