import {spawn} from 'node:child_process';
import {afterEach, describe, expect, it} from 'vitest';
import {BIN, sandbox, signedLease, snapshot, waitFor} from './helpers.js';

const children: Array<ReturnType<typeof spawn>> = [];
afterEach(() => {
	for (const child of children.splice(0)) child.kill('SIGKILL');
});

describe('calyx --readonly without a command', () => {
	it('asks for the console, which needs a terminal: exit 2, says so, writes nothing (never "unknown option")', async () => {
		const s = sandbox();
		expect((await s.calyx(['init'])).code).toBe(0);
		const before = snapshot(s.data);
		const run = await s.calyx(['--readonly']);
		expect(run.code).toBe(2);
		expect(run.stderr).toMatch(/ui: the console needs a terminal/);
		expect(run.stderr).not.toMatch(/unknown option/);
		expect(snapshot(s.data)).toEqual(before);
	});
});

describe('calyx canary status --watch', () => {
	it('ends with exit 1 when another process halts the deployment it watches', async () => {
		const s = sandbox();
		const {leaseId} = await signedLease(s, ['--bake', '15m']);
		const dep = (await s.calyx(['canary', 'start', leaseId])).stdout.split('\n')[0]!;
		// No --timeout: only the halt can end this watch.
		const watcher = spawn(process.execPath, [BIN, 'canary', 'status', dep, '--watch'], {env: s.env, stdio: ['ignore', 'pipe', 'pipe']});
		children.push(watcher);
		let watched = '';
		watcher.stdout!.on('data', d => (watched += d));
		const exited = new Promise<number>(done => watcher.on('exit', code => done(code ?? -1)));
		await waitFor(() => watched.includes('running at 5%'));
		expect((await s.calyx(['canary', 'halt', dep, '--reason', 'pager: checkout latency'])).code).toBe(0);
		expect(await exited).toBe(1);
		expect(watched.trim().split('\n').at(-1)).toMatch(/halted at 5% .*pager: checkout latency/);
	});
});

describe('status names in CLI text', () => {
	it('prints words in text (list, status, rollback) and keeps the codes in --json', async () => {
		const s = sandbox();
		const {leaseId} = await signedLease(s, ['--bake', '15m']);
		const dep = (await s.calyx(['canary', 'start', leaseId])).stdout.split('\n')[0]!;
		expect((await s.calyx(['rollback', dep, '--reason', 'drill'])).code).toBe(0);
		const list = await s.calyx(['canary', 'list']);
		expect(list.stdout).toMatch(new RegExp(`${dep} .* rolled back `));
		expect(list.stdout).not.toContain('rolled_back');
		const status = await s.calyx(['canary', 'status', dep]);
		expect(status.stdout).toMatch(/status: {3}rolled back at/);
		expect((await s.json<{deployments: Array<{status: string}>}>(['canary', 'list'])).doc.deployments[0]!.status).toBe('rolled_back');
		expect((await s.json<{status: string}>(['canary', 'status', dep])).doc.status).toBe('rolled_back');
		const again = await s.calyx(['canary', 'promote', dep]);
		expect(again.stderr).toContain(`${dep} is rolled back: cannot promote`);
	});
});

describe('times in CLI text', () => {
	it('carry the zone of TZ (and the date when not today); --json keeps ISO in UTC', async () => {
		const s = sandbox();
		const {leaseId} = await signedLease(s, ['--bake', '15m']);
		const dep = (await s.calyx(['canary', 'start', leaseId])).stdout.split('\n')[0]!;
		expect((await s.calyx(['canary', 'halt', dep, '--reason', 'drill'])).code).toBe(0);
		const env = {TZ: 'Asia/Kolkata'};
		// Today as a time, or with the date if midnight passed in between: either way the zone is named.
		const local = String.raw`(\d{4}-\d\d-\d\d \d\d:\d\d|\d\d:\d\d:\d\d) \+05:30`;
		const status = await s.calyx(['canary', 'status', dep], {env});
		expect(status.stdout).toMatch(new RegExp(`halt: .*drill \\(by \\S+ at ${local}\\)`));
		expect(status.stdout).not.toMatch(/\d{4}-\d\d-\d\dT/);
		const audit = await s.calyx(['audit', 'list', '--deployment', dep], {env});
		for (const line of audit.stdout.trim().split('\n')) expect(line).toMatch(new RegExp(`^ *\\d+  ${local}  `));
		const lease = await s.calyx(['lease', 'show', leaseId], {env});
		expect(lease.stdout).toMatch(new RegExp(`expires:  ${local} `));
		const json = await s.json<{halt: {at: string}}>(['canary', 'status', dep], {env});
		expect(json.doc.halt.at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
		const utc = await s.calyx(['canary', 'status', dep], {env: {TZ: 'UTC'}});
		expect(utc.stdout).toMatch(/ at (\d{4}-\d\d-\d\d \d\d:\d\d|\d\d:\d\d:\d\d) UTC\)/);
	});
});
