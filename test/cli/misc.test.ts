import {readFileSync, statSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {describe, expect, it} from 'vitest';
import {sandbox, snapshot} from './helpers.js';

type Doc = Record<string, any>;

describe('calyx monitor check (stateless, as in the seed)', () => {
	const s = sandbox();
	it('prints HALT with the reason and the recommendation, exit 1', async () => {
		const run = await s.calyx(['monitor', 'check', '--tes-delta', '-6.0']);
		expect(run.code).toBe(1);
		expect(run.stdout).toMatch(/Status: HALT/);
		expect(run.stdout).toMatch(/Reason: CRITICAL: TES drop > 5%/);
		expect(run.stdout).toMatch(/Recommendation: HALT deployment and initiate rollback/);
	});
	it('prints WARNING and exits 0 for a warning', async () => {
		const run = await s.json<Doc>(['monitor', 'check', '--error-rate', '1.5']);
		expect(run.code).toBe(0);
		expect(run.doc).toMatchObject({status: 'WARNING', reasons: ['WARNING: error rate > 1%']});
	});
	it('prints OK and exits 0 within thresholds', async () => {
		const run = await s.calyx(['monitor', 'check', '--cpu', '80', '--memory', '50']);
		expect(run.code).toBe(0);
		expect(run.stdout).toMatch(/Status: OK/);
	});
});

describe('init, keys and help', () => {
	it('init is idempotent and changes nothing the second time', async () => {
		const s = sandbox();
		const first = await s.json<Doc>(['init']);
		expect(first.doc.created).toBe(true);
		const before = snapshot(s.data);
		const second = await s.json<Doc>(['init']);
		expect(second.doc.created).toBe(false);
		expect(snapshot(s.data)).toEqual(before);
	});

	it('init on a damaged state says so with its path, exit 1, and changes nothing (never "already initialised")', async () => {
		const s = sandbox();
		await s.calyx(['init']);
		const state = join(s.data, 'state.json');
		writeFileSync(state, readFileSync(state).subarray(0, 200));
		const before = snapshot(s.data);
		const again = await s.calyx(['init']);
		expect(again.code).toBe(1);
		expect(again.stderr).toContain(`${state} ends early`);
		expect(again.stderr).toContain('nothing was written');
		expect(again.stdout).not.toContain('already initialised');
		expect(snapshot(s.data)).toEqual(before);
	});

	it('writes private keys outside the data directory with mode 0600, and lists the public halves', async () => {
		const s = sandbox();
		await s.calyx(['init']);
		const added = await s.json<Doc>(['keys', 'add', '--role', 'human', '--id', 'alice', '--owner', 'alice']);
		expect(added.code).toBe(0);
		expect(added.doc.privateKey).toBe(join(s.root, 'config', 'calyx', 'keys', 'alice.pem'));
		expect(statSync(added.doc.privateKey).mode & 0o777).toBe(0o600);
		const listed = (await s.json<Doc>(['keys', 'list'])).doc.keys;
		expect(listed).toEqual([expect.objectContaining({id: 'alice', role: 'human', owner: 'alice', trusted: true, status: 'active'})]);
		expect(JSON.stringify(snapshot(s.data))).not.toContain('PRIVATE');
		const again = await s.calyx(['keys', 'add', '--role', 'human', '--id', 'alice', '--owner', 'alice']);
		expect(again.code).toBe(2);
		expect(again.stderr).toMatch(/calyx keys register --key/);
	});

	it('registers a key already held in a second data directory, public half only', async () => {
		const s = sandbox();
		await s.calyx(['init']);
		await s.calyx(['keys', 'add', '--role', 'agent', '--id', 'ci-bot', '--owner', 'ci-bot']);
		const other = join(s.root, 'data2');
		await s.calyx(['--data', other, 'init']);
		const registered = await s.json<Doc>(['--data', other, 'keys', 'register', '--key', 'ci-bot', '--owner', 'ci-bot']);
		expect(registered.code).toBe(0);
		expect(registered.doc).toMatchObject({id: 'ci-bot', role: 'agent'});
		expect((await s.json<Doc>(['--data', other, 'keys', 'list'])).doc.keys.map((k: Doc) => k.id)).toEqual(['ci-bot']);
	});

	it('answers --version', async () => {
		const run = await sandbox().calyx(['--version']);
		expect(run.code).toBe(0);
		expect(run.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
	});

	it('documents the exit codes in --help, and every command has an example', async () => {
		const s = sandbox();
		const top = await s.calyx(['--help']);
		expect(top.code).toBe(0);
		expect(top.stdout).toMatch(/Exit codes:[\s\S]*3 {2}the state changed underneath/);
		const commands = [
			['init'], ['demo'], ['keys', 'add'], ['keys', 'register'], ['keys', 'list'], ['keys', 'revoke'], ['service', 'apply'], ['service', 'list'], ['service', 'show'], ['intent', 'create'], ['intent', 'approve'],
			['intent', 'list'], ['intent', 'show'], ['risk'], ['lease', 'issue'], ['lease', 'sign'], ['lease', 'verify'], ['lease', 'show'],
			['lease', 'list'], ['canary', 'start'], ['canary', 'list'], ['canary', 'status'], ['canary', 'promote'], ['canary', 'halt'],
			['canary', 'resume'], ['rollback'], ['metrics', 'push'], ['monitor', 'check'], ['engine'], ['audit', 'list'], ['audit', 'verify'], ['ui'],
		];
		for (const c of commands) {
			const help = await s.calyx([...c, '--help']);
			expect(help.code, c.join(' ')).toBe(0);
			expect(help.stdout, c.join(' ')).toMatch(/Examples:\n {2}\$ /);
		}
	});

	it('names a failed file operation once, in words and with its code', async () => {
		const s = sandbox();
		const file = join(s.root, 'a-file');
		writeFileSync(file, '');
		const run = await s.calyx(['--data', file, 'canary', 'list']);
		expect(run).toMatchObject({code: 1, stderr: `calyx: reading ${join(file, 'state.json')} failed: not a directory (ENOTDIR); nothing was applied\n`});
	});

	it('takes --bake on the console only with --demo-if-empty, as a duration', async () => {
		const alone = await sandbox().calyx(['ui', '--bake', '2m']);
		expect(alone).toMatchObject({code: 2, stderr: expect.stringContaining('--bake: only with --demo-if-empty')});
		const bad = await sandbox().calyx(['ui', '--demo-if-empty', '--bake', 'soon']);
		expect(bad.code).toBe(2);
		expect(bad.stderr).toMatch(/--bake.*not a duration/);
	});

	it('refuses the console without a terminal instead of mounting Ink', async () => {
		const run = await sandbox().calyx(['ui']);
		expect(run.code).toBe(2);
		expect(run.stderr).toMatch(/needs a terminal/);
	});
});

describe('calyx demo', () => {
	it('seeds keys, intents, live canaries and a lease waiting for its second key', async () => {
		const s = sandbox();
		const run = await s.json<Doc>(['demo']);
		expect(run.code).toBe(0);
		expect(run.doc.deployments).toHaveLength(3);
		const leases = (await s.json<Doc>(['lease', 'list'])).doc.leases;
		const waiting = leases.filter((l: Doc) => l.status === 'pending');
		expect(waiting).toHaveLength(1);
		expect(waiting[0].missing).toEqual(['human']);
		expect((await s.json<Doc>(['intent', 'list'])).doc.intents.some((i: Doc) => i.status === 'draft')).toBe(true);
		const again = await s.calyx(['demo']);
		expect(again.code).toBe(1);
		expect(again.stderr).toMatch(/not empty/);
	});

	it('says how to open the directory it seeded, from anywhere, quoted for a shell when it must be', async () => {
		const s = sandbox();
		const spaced = `${s.data} two`;
		const run = await s.calyx(['--data', spaced, 'demo']);
		expect(run.code).toBe(0);
		expect(run.stdout).toContain(`watch them: calyx --data '${spaced}' ui`);
		expect(run.stdout).toContain(`calyx --data '${spaced}' engine`);
		const plain = await s.calyx(['demo']);
		expect(plain.stdout).toContain(`watch them: calyx --data ${s.data} ui`);
	});
});
