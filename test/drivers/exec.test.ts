/**
 * The exec target through its protocol, with hook scripts of the test's own (test/drivers/hooks/hook.mjs,
 * copied into a temp dir and made executable): the happy paths, and every way a hook can fail.
 */
import {chmod, copyFile, mkdtemp, readFile, rm, writeFile} from 'node:fs/promises';
import {existsSync, readFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {callDriver} from '../../src/drivers/call.js';
import {DriverError} from '../../src/drivers/targets/driver.js';
import {ExecDriver, HOOK_LIMITS, hookProblem, parseExecSettings} from '../../src/drivers/targets/exec.js';
import {until} from './haproxy-harness.js';

let dir: string;
let hook: string;

beforeAll(async () => {
	dir = await mkdtemp(join(tmpdir(), 'calyx-exec-'));
	hook = join(dir, 'hook.mjs');
	// The interpreter by absolute path: the hook's PATH is the engine's, whatever node that holds.
	await writeFile(hook, `#!${process.execPath}\n${await readFile(join(import.meta.dirname, 'hooks/hook.mjs'), 'utf8')}`);
	await chmod(hook, 0o755);
});
afterAll(() => rm(dir, {recursive: true, force: true}));

const opts = (context = {}) => ({signal: new AbortController().signal, context});
const driver = (args: string[], extra: Record<string, unknown> = {}) => ExecDriver.from({kind: 'exec', command: [hook, ...args], ...extra}, {service: 'checkout', now: () => Date.UTC(2026, 10, 26)});
const failure = (p: Promise<unknown>) => p.then(() => expect.unreachable('should have failed'), (e: unknown) => e as DriverError);

/** Whether `pid` is a live process: gone, or a zombie waiting to be reaped, is not. */
function alive(pid: number): boolean {
	try {
		const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
		return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
	} catch {
		return false;
	}
}

describe('exec target: the protocol', () => {
	it('reads, applies with read-back, and runs the sanity op, sending one JSON request each', async () => {
		const state = join(dir, 'route.json');
		const log = join(dir, 'requests.jsonl');
		const d = driver(['router', state, log]);
		expect(await d.read(opts())).toEqual({
			kind: 'exec',
			canaryPercent: 0,
			stable: {weight: 100, serving: true, version: '1.4.0'},
			canary: {weight: 0, serving: true, version: '1.5.0'},
			evidence: 'router',
			notes: [],
			raw: '{"ok":true,"canaryPercent":0,"evidence":"router","stable":{"weight":100,"version":"1.4.0"},"canary":{"weight":0,"version":"1.5.0"}}',
			at: '2026-11-26T00:00:00.000Z',
		});
		expect(await d.apply(25, opts({deployment: 'DEP-20261126-001', tier: 25}))).toMatchObject({canaryPercent: 25, evidence: 'router', notes: []});
		expect(await d.read(opts())).toMatchObject({canaryPercent: 25});
		expect(await d.sanity(25, opts({deployment: 'DEP-20261126-001'}))).toEqual({ok: true, output: 'smoke tests passed at 25%'});
		expect(await d.sanity(100, opts())).toEqual({ok: false, output: 'checkout: 3 of 12 smoke tests failed at 100%'});
		const requests = (await readFile(log, 'utf8')).trim().split('\n').map(l => JSON.parse(l) as unknown);
		expect(requests).toEqual([
			{protocol: 1, op: 'read', service: 'checkout', desired: null, tier: null, deployment: null},
			{protocol: 1, op: 'apply', service: 'checkout', desired: 25, tier: 25, deployment: 'DEP-20261126-001'},
			{protocol: 1, op: 'read', service: 'checkout', desired: null, tier: null, deployment: null},
			{protocol: 1, op: 'sanity', service: 'checkout', desired: null, tier: 25, deployment: 'DEP-20261126-001'},
			{protocol: 1, op: 'sanity', service: 'checkout', desired: null, tier: 100, deployment: null},
		]);
	});

	it('marks an apply the hook did not read back as claimed, and a read-back that differs as a mismatch', async () => {
		expect(await driver(['claimed']).apply(25, opts())).toMatchObject({canaryPercent: 25, evidence: 'claimed', notes: ['the hook did not read the split back: unverified']});
		const error = await failure(driver(['stuck']).apply(25, opts()));
		expect(error).toMatchObject({code: 'mismatch', message: 'the hook reads back 5% after applying 25%'});
		expect(error.report?.canaryPercent).toBe(5);
	});

	it('passes arguments as data: no shell reads them', async () => {
		const args = ['a b', '; rm -rf /tmp/calyx-nothing', `$(touch ${join(dir, 'pwned')})`, '*', '`id`'];
		expect((await driver(['args', ...args]).read(opts())).notes).toEqual(args);
		expect(existsSync(join(dir, 'pwned'))).toBe(false);
	});

	it('runs a shell script only when the definition says shell: true', async () => {
		const d = ExecDriver.from({kind: 'exec', shell: true, command: [`echo '{"ok":true,"canaryPercent":5,"evidence":"router"}' | cat`]}, {service: 'checkout'});
		expect(await d.read(opts())).toMatchObject({canaryPercent: 5});
	});

	it("gives the hook a small environment plus the definition's env, not the engine's whole one", async () => {
		process.env.CALYX_TEST_SECRET = 'engine-only';
		try {
			expect((await driver(['env'], {env: {ROUTE: 'checkout-route'}}).read(opts())).notes).toEqual(['absent', 'checkout-route', 'read', 'checkout']);
		} finally {
			delete process.env.CALYX_TEST_SECRET;
		}
	});

	it("a chatty stderr does not fail a good reply", async () => {
		expect(await driver(['chatty']).read(opts())).toMatchObject({canaryPercent: 5});
	});
});

describe('exec target: failures', () => {
	it('a hook that hangs is killed with its process group within the bound', async () => {
		const pids = join(dir, 'sleep.json');
		const started = Date.now();
		const error = await failure(driver(['sleep', pids], {timeoutMs: 1000}).apply(5, opts()));
		// The bound: the timeout, plus the SIGTERM taking effect (not the grace: the hook dies of SIGTERM).
		expect(Date.now() - started).toBeLessThan(1000 + 1000);
		expect(error.code).toBe('timeout');
		expect(error.message).toBe('exec hook apply 5%: no answer within 1000 ms (the hook was killed); stderr: waiting for the API server...');
		const {hook: pid, grandchild} = JSON.parse(await readFile(pids, 'utf8')) as {hook: number; grandchild: number};
		await until(() => !alive(pid) && !alive(grandchild), 2000, 'the hook and its grandchild to be gone');
	});

	it('a hook that ignores SIGTERM is killed by SIGKILL after the grace period', async () => {
		const pids = join(dir, 'stubborn.json');
		const started = Date.now();
		const d = driver(['stubborn', pids], {timeoutMs: 1000});
		const error = await failure(d.read(opts()));
		const took = Date.now() - started;
		expect(took).toBeGreaterThanOrEqual(1000 + HOOK_LIMITS.killGraceMs);
		// Within the bound the driver announces for callDriver's backstop.
		expect(d.boundMs).toBe(1000 + HOOK_LIMITS.killGraceMs + 1000);
		expect(took).toBeLessThan(d.boundMs);
		// It said so on stderr after the SIGTERM; the line break comes out escaped.
		expect(error.message).toBe('exec hook read: no answer within 1000 ms (the hook was killed); stderr: waiting for the API server...\\nignoring SIGTERM');
		const {hook: pid} = JSON.parse(await readFile(pids, 'utf8')) as {hook: number};
		expect(alive(pid)).toBe(false);
	});

	it('a non-zero exit fails with the hook’s stderr, escaped', async () => {
		expect(await failure(driver(['fail']).apply(25, opts()))).toMatchObject({
			code: 'rejected',
			message: 'exec hook apply 25%: the hook exited with status 3; stderr: error: httproutes.gateway.networking.k8s.io "checkout" not found\\x1b[2J',
		});
	});

	it('exit 75 is a temporary failure, which callDriver retries', async () => {
		const result = await callDriver('exec read', signal => driver(['tempfail']).read({signal}), {timeoutMs: 5000, retries: 1, backoffMs: 1, maxBackoffMs: 1});
		expect(result.attempts).toHaveLength(2);
		expect(!result.ok && result.error).toMatchObject({code: 'unreachable', message: 'exec hook read: the hook exited with status 75 (temporary failure); stderr: the API server is not answering (attempt 2 of 2)'});
	});

	it('garbage on stdout is a protocol failure quoting it, escaped', async () => {
		expect(await failure(driver(['garbage']).read(opts()))).toMatchObject({code: 'protocol', message: `exec hook read: the hook's reply is not one JSON document (it wrote "Patched! \\x1b[32mOK\\x1b[0m")`});
	});

	it('a reply that does not validate names the field', async () => {
		expect(await failure(driver(['badreply']).read(opts()))).toMatchObject({code: 'protocol', message: expect.stringMatching(/^exec hook read: the hook's reply does not follow the protocol: canaryPercent: /)});
	});

	it('a refusal in the protocol carries the hook’s words', async () => {
		expect(await failure(driver(['refuse']).apply(5, opts()))).toMatchObject({code: 'rejected', message: 'exec hook apply 5%: the hook refused: HTTPRoute checkout has no backendRef for the canary'});
	});

	it('oversized stdout kills the hook', async () => {
		expect(await failure(driver(['huge']).read(opts()))).toMatchObject({code: 'protocol', message: `exec hook read: the hook wrote more than ${HOOK_LIMITS.stdout} bytes on stdout (killed)`});
	});

	it('a command that is missing or not executable is said so, and found out before any call', async () => {
		const missing = ExecDriver.from({kind: 'exec', command: [join(dir, 'nope')]}, {service: 'checkout'});
		expect(await failure(missing.read(opts()))).toMatchObject({code: 'unreachable', message: `exec hook read: ${join(dir, 'nope')}: not found`});
		const plain = join(dir, 'plain.mjs');
		await copyFile(hook, plain);
		await chmod(plain, 0o644);
		const notExec = ExecDriver.from({kind: 'exec', command: [plain]}, {service: 'checkout'});
		// root may open anything but still needs an execute bit to run it.
		expect(await failure(notExec.read(opts()))).toMatchObject({code: 'settings', message: `exec hook read: ${plain}: not executable`});
		expect(await hookProblem(notExec.settings)).toBe(`command[0]: ${plain} is not an executable file`);
		expect(await hookProblem(parseExecSettings({kind: 'exec', command: ['no-such-calyx-hook']}))).toBe('command[0]: no-such-calyx-hook is not an executable file on PATH');
		expect(await hookProblem(parseExecSettings({kind: 'exec', command: ['node']}))).toBeUndefined();
		expect(await hookProblem(parseExecSettings({kind: 'exec', command: ['./hook.sh']}))).toMatch(/is a relative path/);
	});

	it('refuses invalid settings, naming the field', () => {
		expect(() => parseExecSettings({kind: 'exec', command: []})).toThrow('exec settings: command: must name the program to run');
		expect(() => parseExecSettings({kind: 'exec', command: ['a', 'b'], shell: true})).toThrow('exec settings: command: with shell: true, command must be one string (the script)');
		expect(() => parseExecSettings({kind: 'exec', command: ['a'], env: {'BAD NAME': 'x'}})).toThrow('exec settings: env.BAD NAME: must be an environment variable name');
		expect(() => parseExecSettings({kind: 'exec', command: ['a'], timeoutMs: 10 ** 6})).toThrow('exec settings: timeoutMs: must be at most 120000 ms');
	});
});
