import {execFileSync, spawnSync} from 'node:child_process';
import {chmodSync, linkSync, lstatSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {afterAll, describe, expect, it} from 'vitest';
import {BIN, sandbox, snapshot} from './helpers.js';

/**
 * A data directory a group can write is one a group member can booby-trap for the next person,
 * root included, who runs calyx in it. Each trap below is refused with the path named, and the
 * file the trap points at is left exactly as it was.
 */
const mode = (path: string) => statSync(path).mode & 0o7777;
const UNSAFE = /is (a symbolic link|not a regular file)|hard links/;

async function initialised() {
	const s = sandbox({suiteTrust: true});
	expect((await s.calyx(['init'])).code).toBe(0);
	const secret = join(s.root, 'secret');
	writeFileSync(secret, 'root-only line 1\nroot-only line 2 without newline', {mode: 0o600});
	return {s, secret, before: readFileSync(secret)};
}

describe('the data directory does not follow links or trust special files', () => {
	it('a symlinked metrics log is refused by reads and writes, and its target is untouched (no truncation, no copy)', async () => {
		const {s, secret, before} = await initialised();
		symlinkSync(secret, join(s.data, 'metrics.ndjson'));
		for (const args of [['audit', 'verify'], ['intent', 'list'], ['intent', 'create', '--service', 'a', '--from', '1', '--to', '2']]) {
			const run = await s.calyx(args);
			expect(run.code, args.join(' ')).toBe(1);
			expect(run.stderr).toContain(`${join(s.data, 'metrics.ndjson')} is a symbolic link`);
		}
		expect(readFileSync(secret)).toEqual(before);
		expect(readdirSync(s.data).filter(n => n.includes('torn') || n.includes('orphan'))).toEqual([]);
	});

	it('a symlinked audit trail takes no appends', async () => {
		const {s, secret, before} = await initialised();
		rmSync(join(s.data, 'audit.ndjson'), {force: true});
		symlinkSync(secret, join(s.data, 'audit.ndjson'));
		const run = await s.calyx(['intent', 'create', '--service', 'a', '--from', '1', '--to', '2']);
		expect(run.code).toBe(1);
		expect(run.stderr).toMatch(UNSAFE);
		expect(readFileSync(secret)).toEqual(before);
	});

	it('a symlinked state file is refused, not read through', async () => {
		const {s, secret} = await initialised();
		writeFileSync(secret, readFileSync(join(s.data, 'state.json')));
		rmSync(join(s.data, 'state.json'));
		symlinkSync(secret, join(s.data, 'state.json'));
		const run = await s.calyx(['intent', 'list']);
		expect(run.code).toBe(1);
		expect(run.stderr).toContain(`${join(s.data, 'state.json')} is a symbolic link`);
	});

	it('a FIFO in place of the state file is refused at once instead of blocking the command', async () => {
		const {s} = await initialised();
		rmSync(join(s.data, 'state.json'));
		execFileSync('mkfifo', [join(s.data, 'state.json')]);
		const run = await s.calyx(['intent', 'list']);
		expect(run.code).toBe(1);
		expect(run.stderr).toContain('is not a regular file');
	});

	it('a log with a second hard link is not written through', async () => {
		const {s} = await initialised();
		expect((await s.calyx(['intent', 'create', '--service', 'a', '--from', '1', '--to', '2'])).code).toBe(0);
		const other = join(s.root, 'elsewhere');
		linkSync(join(s.data, 'audit.ndjson'), other);
		const before = readFileSync(other);
		const run = await s.calyx(['intent', 'create', '--service', 'b', '--from', '1', '--to', '2']);
		expect(run.code).toBe(1);
		expect(run.stderr).toContain('hard links');
		expect(readFileSync(other)).toEqual(before);
	});
});

describe('modes are explicit, not the umask', () => {
	const umask0 = (args: string[], s: ReturnType<typeof sandbox>) =>
		spawnSync('sh', ['-c', `umask 000; exec "$@"`, 'sh', process.execPath, BIN, ...args], {env: s.env, encoding: 'utf8'});

	it('under umask 000 a new directory is 0700 and every file 0600', () => {
		const s = sandbox({suiteTrust: true});
		expect(umask0(['init'], s).status).toBe(0);
		expect(umask0(['intent', 'create', '--service', 'a', '--from', '1', '--to', '2'], s).status).toBe(0);
		expect(mode(s.data)).toBe(0o700);
		const files = readdirSync(s.data).filter(n => lstatSync(join(s.data, n)).isFile());
		expect(files).toEqual(expect.arrayContaining(['state.json', 'audit.ndjson']));
		for (const f of files) expect([f, mode(join(s.data, f))]).toEqual([f, 0o600]);
	});

	it('init --group shares the directory with the group: setgid 2770, files 0660, nothing for others', () => {
		const s = sandbox({suiteTrust: true});
		const gid = String(process.getgid!());
		expect(umask0(['init', '--group', gid], s).status).toBe(0);
		expect(umask0(['intent', 'create', '--service', 'a', '--from', '1', '--to', '2'], s).status).toBe(0);
		expect(mode(s.data)).toBe(0o2770);
		for (const f of readdirSync(s.data).filter(n => lstatSync(join(s.data, n)).isFile())) expect([f, mode(join(s.data, f))]).toEqual([f, 0o660]);
	});

	it('init --group over an existing directory shares calyx files, never what a link planted among them points at', () => {
		const s = sandbox({suiteTrust: true});
		expect(umask0(['init'], s).status).toBe(0);
		const secret = join(s.root, 'secret');
		writeFileSync(secret, 'private\n', {mode: 0o600});
		const planted = join(s.data, 'metrics.ndjson');
		rmSync(planted, {force: true});
		symlinkSync(secret, planted);
		umask0(['init', '--group', String(process.getgid!())], s);
		expect(mode(secret)).toBe(0o600);
		expect(lstatSync(planted).isSymbolicLink()).toBe(true);
		expect(mode(join(s.data, 'state.json'))).toBe(0o660);
	});

	it('init --group with an unknown group is a usage error and creates nothing', async () => {
		const s = sandbox({suiteTrust: true});
		const run = await s.calyx(['init', '--group', 'no-such-group-calyx']);
		expect(run.code).toBe(2);
		expect(run.stderr).toContain('--group');
		expect(snapshot(s.data)).toEqual({});
	});

	it('a world-writable data directory is refused with the chmod that fixes it', async () => {
		const s = sandbox({suiteTrust: true});
		expect((await s.calyx(['init'])).code).toBe(0);
		chmodSync(s.data, 0o777);
		const run = await s.calyx(['intent', 'list']);
		expect(run.code).toBe(1);
		expect(run.stderr).toContain(`chmod o-w ${s.data}`);
	});
});

/**
 * The attack as it happens on a shared box: a second Unix user in the directory's group plants a
 * link to a file only root can read, and root runs calyx. Needs root to make the user.
 */
const isRoot = process.getuid?.() === 0;
const attacker = `calyxatk${process.pid % 100000}`;
if (!isRoot) console.log('unsafe-files: the second-user attack needs root to create a Unix user; skipped (CI runs as root)');
afterAll(() => {
	if (isRoot) spawnSync('userdel', [attacker]);
});

describe.runIf(isRoot)('a second Unix user in the group', () => {
	it('cannot make root truncate or copy a root-only file through a planted link', async () => {
		const s = sandbox({suiteTrust: true});
		execFileSync('useradd', ['--no-create-home', '--user-group', attacker]);
		const gid = String(Number(execFileSync('id', ['-g', attacker], {encoding: 'utf8'}).trim()));
		// The sandbox root is private (mkdtemp): let the attacker reach the data directory inside it.
		chmodSync(s.root, 0o755);
		expect((await s.calyx(['init', '--group', gid])).code).toBe(0);
		expect((await s.calyx(['intent', 'create', '--service', 'a', '--from', '1', '--to', '2'])).code).toBe(0);
		const secretDir = join(s.root, 'root-only');
		mkdirSync(secretDir, {mode: 0o700});
		const secret = join(secretDir, 'shadow');
		writeFileSync(secret, 'root secret, torn tail', {mode: 0o600});
		const metrics = join(s.data, 'metrics.ndjson');
		const plant = spawnSync('runuser', ['-u', attacker, '--', 'sh', '-c', `rm -f '${metrics}' && ln -s '${secret}' '${metrics}'`], {encoding: 'utf8'});
		expect(plant.status, plant.stderr).toBe(0);
		for (const args of [['audit', 'verify'], ['intent', 'list']]) {
			const run = await s.calyx(args);
			expect(run.code).toBe(1);
			expect(run.stderr).toContain(`${metrics} is a symbolic link`);
		}
		expect(readFileSync(secret, 'utf8')).toBe('root secret, torn tail');
		expect(readdirSync(s.data).filter(n => n.startsWith('metrics.ndjson.'))).toEqual([]);
	});
});
