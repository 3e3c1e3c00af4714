/**
 * The HAProxy target against a real HAProxy (Debian's package) in front of two node HTTP servers:
 * the split the driver sets is the split traffic gets, HAProxy's own report reads it back, the
 * config file carries it across a restart, and faults (no socket, a frozen or killed HAProxy) are
 * failures with reasons, within their bounds.
 */
import {mkdtemp, readFile, rm} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {callDriver} from '../../src/drivers/call.js';
import {DriverError} from '../../src/drivers/targets/driver.js';
import {HaproxyDriver} from '../../src/drivers/targets/haproxy.js';
import {runtimeCall} from '../../src/drivers/targets/haproxy-socket.js';
import {countAnswers, freePort, haproxyAbsent, runHaproxy, startBackend, startHaproxy, type Backend, type Haproxy} from './haproxy-harness.js';

const absent = haproxyAbsent();
// CI installs HAProxy (.ci/run sets CALYX_TEST_REQUIRE): there, a missing binary is a broken setup, not a reason to skip.
const required = Boolean(process.env.CI) || (process.env.CALYX_TEST_REQUIRE ?? '').split(',').includes('haproxy');
if (absent && required) throw new Error(`the HAProxy tests are required here: ${absent}`);
if (absent) console.log(`skipping the HAProxy tests: ${absent}`);

const opts = () => ({signal: new AbortController().signal});
const REQUESTS = 400;
/** Round robin over weights p and 100 − p is exact over any 100 consecutive requests; a point of slack for requests in flight. */
const TOLERANCE = 1;

const settingsFor = (hx: Haproxy, backend = 'app') => ({kind: 'haproxy', socket: hx.socket, backend, servers: {stable: 'stable', canary: 'canary'}, config: hx.config, timeoutMs: 2000});

/** A second backend whose static algorithm lets HAProxy refuse any weight but 0 and 100%. */
const STATIC_BACKEND = (stablePort: number, canaryPort: number) =>
	['backend fixed', '  balance static-rr', `  server stable 127.0.0.1:${stablePort} weight 100`, `  server canary 127.0.0.1:${canaryPort} weight 100`, ''].join('\n');

describe.skipIf(absent !== undefined)('HAProxy target, against a real HAProxy', () => {
	let dir: string;
	let stable: Backend;
	let canary: Backend;
	let hx: Haproxy;
	let driver: HaproxyDriver;

	beforeAll(async () => {
		dir = await mkdtemp(join(tmpdir(), 'calyx-hx-'));
		stable = await startBackend('v1');
		canary = await startBackend('v2');
		hx = await startHaproxy(dir, {stablePort: stable.port, canaryPort: canary.port, extra: STATIC_BACKEND(stable.port, canary.port)});
		driver = HaproxyDriver.from(settingsFor(hx));
	});

	afterAll(async () => {
		await hx?.stop();
		await Promise.all([stable?.close(), canary?.close()]);
		await rm(dir, {recursive: true, force: true});
	});

	it('reads the split HAProxy starts with, in its own words', async () => {
		const report = await driver.read(opts());
		expect(report).toMatchObject({kind: 'haproxy', canaryPercent: 0, stable: {weight: 100, serving: true}, canary: {weight: 0, serving: true}, evidence: 'router', persisted: true, notes: []});
		expect(report.raw).toContain('srv_uweight');
		expect(await countAnswers(hx.port, 50)).toEqual({v1: 50});
	});

	it('applies 5 → 25 → 100 → 0, and traffic through HAProxy follows the share it reads back', async () => {
		for (const percent of [5, 25, 100, 0]) {
			const applied = await driver.apply(percent, opts());
			expect(applied).toMatchObject({canaryPercent: percent, stable: {weight: 100 - percent}, canary: {weight: percent}, persisted: true});
			const read = await driver.read(opts());
			expect(read).toMatchObject({canaryPercent: percent, persisted: true, notes: []});
			const counts = await countAnswers(hx.port, REQUESTS);
			const share = (100 * (counts.v2 ?? 0)) / REQUESTS;
			console.log(`${percent}%: ${counts.v2 ?? 0} of ${REQUESTS} requests on the canary (${share.toFixed(2)}%)`);
			expect(Math.abs(share - percent)).toBeLessThanOrEqual(TOLERANCE);
			expect((counts.v1 ?? 0) + (counts.v2 ?? 0)).toBe(REQUESTS);
			const text = await readFile(hx.config, 'utf8');
			expect(text).toContain(`server stable 127.0.0.1:${stable.port} weight ${100 - percent} # the version in production`);
			expect(text).toContain(`server canary 127.0.0.1:${canary.port} weight ${percent}\n`);
		}
	});

	it('is idempotent: applying the same percent twice changes nothing and succeeds', async () => {
		const first = await driver.apply(25, opts());
		const before = await readFile(hx.config, 'utf8');
		const second = await driver.apply(25, opts());
		expect(second.canaryPercent).toBe(25);
		expect(first.canaryPercent).toBe(25);
		expect(await readFile(hx.config, 'utf8')).toBe(before);
	});

	it('keeps the split across a restart of HAProxy, from the rewritten config', async () => {
		await driver.apply(25, opts());
		await hx.stop();
		hx = await runHaproxy(hx.config, hx.socket, hx.port);
		expect(await driver.read(opts())).toMatchObject({canaryPercent: 25, stable: {weight: 75}, canary: {weight: 25}, persisted: true});
		const counts = await countAnswers(hx.port, 100);
		expect(counts).toEqual({v1: 75, v2: 25});
	});

	it('reports weights changed behind its back, and that the file no longer matches them', async () => {
		await driver.apply(25, opts());
		await runtimeCall(hx.socket, ['set server app/canary weight 7'], opts());
		const report = await driver.read(opts());
		expect(report).toMatchObject({stable: {weight: 75}, canary: {weight: 7}, persisted: false});
		expect(report.canaryPercent).toBeCloseTo((100 * 7) / 82, 6);
		expect(report.notes.join('\n')).toContain('has weights 75/25 (stable/canary): a restart would change the split');
		// Level-triggered: applying the desired percent again repairs it.
		expect(await driver.apply(25, opts())).toMatchObject({canaryPercent: 25, persisted: true});
	});

	it('says so when a side is in maintenance: its weight no longer carries traffic', async () => {
		await driver.apply(25, opts());
		await runtimeCall(hx.socket, ['set server app/canary state maint'], opts());
		try {
			const report = await driver.read(opts());
			expect(report.canary).toEqual({weight: 25, serving: false});
			expect(report.notes[0]).toMatch(/^canary server canary gets no traffic whatever its weight \(op state \d, admin state 0x1\)$/);
		} finally {
			await runtimeCall(hx.socket, ['set server app/canary state ready'], opts());
		}
	});

	it("fails with HAProxy's own words when it refuses a weight, with what it reads back", async () => {
		const fixed = HaproxyDriver.from(settingsFor(hx, 'fixed'));
		const error = await fixed.apply(25, opts()).then(() => undefined, (e: unknown) => e as DriverError);
		expect(error).toBeInstanceOf(DriverError);
		expect(error!.code).toBe('rejected');
		expect(error!.message).toMatch(/^HAProxy refused "set server fixed\/stable weight 75": .*static/);
		expect(error!.report).toMatchObject({stable: {weight: 100}, canary: {weight: 100}, canaryPercent: 50});
	});

	it('refuses a server the backend does not have, naming the ones it has', async () => {
		const wrong = HaproxyDriver.from({...settingsFor(hx), servers: {stable: 'stable', canary: 'green'}});
		await expect(wrong.read(opts())).rejects.toMatchObject({code: 'settings', message: `HAProxy's backend app has no server "green" (it has: stable, canary)`});
	});
});

describe.skipIf(absent !== undefined)('HAProxy target, faults', () => {
	let dir: string;
	let stable: Backend;
	let canary: Backend;

	beforeAll(async () => {
		dir = await mkdtemp(join(tmpdir(), 'calyx-hxf-'));
		stable = await startBackend('v1');
		canary = await startBackend('v2');
	});
	afterAll(async () => {
		await Promise.all([stable?.close(), canary?.close()]);
		await rm(dir, {recursive: true, force: true});
	});

	it('a missing socket is a clear failure, retried then given up', async () => {
		const driver = HaproxyDriver.from({kind: 'haproxy', socket: join(dir, 'nope.sock'), backend: 'app', servers: {stable: 'stable', canary: 'canary'}, config: join(dir, 'nope.cfg')});
		const result = await callDriver('haproxy read app', signal => driver.read({signal}), {timeoutMs: 1000, retries: 1, backoffMs: 10, maxBackoffMs: 10});
		expect(result.ok).toBe(false);
		expect(!result.ok && result.error.code).toBe('unreachable');
		expect(!result.ok && result.error.message).toBe(`no HAProxy admin socket at ${join(dir, 'nope.sock')} (is HAProxy running, with "stats socket ${join(dir, 'nope.sock')} level admin"?) (attempt 2 of 2)`);
	});

	it('a frozen HAProxy is a timeout within its bound; killed mid-call, a failure at once, not a hang', async () => {
		const sub = await mkdtemp(join(dir, 'k-'));
		const hx = await startHaproxy(sub, {stablePort: stable.port, canaryPort: canary.port});
		try {
			const driver = HaproxyDriver.from({...settingsFor(hx), timeoutMs: 300});
			process.kill(hx.pid, 'SIGSTOP');
			let started = Date.now();
			await expect(driver.read(opts())).rejects.toMatchObject({code: 'timeout', message: 'haproxy read app: no answer within 300 ms'});
			expect(Date.now() - started).toBeLessThan(1500);

			// A call in flight (connected, waiting on the frozen process) when HAProxy dies: the kernel
			// closes the socket and the call fails with a reason long before its 10 s bound.
			const patient = HaproxyDriver.from({...settingsFor(hx), timeoutMs: 10_000});
			started = Date.now();
			const pending = patient.apply(25, opts()).then(() => undefined, (e: unknown) => e as DriverError);
			process.kill(hx.pid, 'SIGKILL');
			const error = await pending;
			expect(Date.now() - started).toBeLessThan(3000);
			expect(error).toBeInstanceOf(DriverError);
			expect(error!.code).toBe('unreachable');
			// Which failure depends on where the kill lands: connected and waiting, a reset; connected but
			// the command not yet written, a closed pipe; before the connect, a refusal. Each names the cause.
			expect(error!.message).toMatch(/^HAProxy (reset the connection on|closed) .* \(stopped mid-call\?\)$|^nothing listens on /);

			// The socket file stays behind a killed HAProxy: connecting to it is refused, and said so.
			await expect(driver.read(opts())).rejects.toMatchObject({code: 'unreachable', message: `nothing listens on ${hx.socket} (a socket left by a stopped HAProxy, or no "stats socket ${hx.socket} level admin" in its global section?)`});
		} finally {
			await hx.stop();
		}
	});
});

describe.skipIf(absent !== undefined)('HAProxy target over its stats socket on TCP, without a configuration file (an HAProxy on another box)', () => {
	it('steers and reads the split through ipv4@host:port; the report says the split lives in the runtime only', async () => {
		const dir = await mkdtemp(join(tmpdir(), 'calyx-hx-tcp-'));
		const [stable, canary] = [await startBackend('v1'), await startBackend('v2')];
		const adminTcpPort = await freePort();
		const hx = await startHaproxy(dir, {stablePort: stable.port, canaryPort: canary.port, adminTcpPort});
		try {
			const driver = HaproxyDriver.from({kind: 'haproxy', socket: `ipv4@127.0.0.1:${adminTcpPort}`, backend: 'app', servers: {stable: 'stable', canary: 'canary'}});
			const applied = await driver.apply(25, opts());
			expect(applied).toMatchObject({canaryPercent: 25, stable: {weight: 75}, canary: {weight: 25}, evidence: 'router'});
			expect(applied.persisted).toBeUndefined();
			expect(applied.notes.join(' ')).toContain('runtime only');
			expect((await driver.read(opts())).canaryPercent).toBe(25);
			const answers = await countAnswers(hx.port, 100);
			expect(Math.abs((answers.v2 ?? 0) - 25)).toBeLessThanOrEqual(TOLERANCE);
		} finally {
			await hx.stop();
			await Promise.all([stable.close(), canary.close()]);
			await rm(dir, {recursive: true, force: true});
		}
	});

	it('refuses an address that is neither a socket path nor ipv4@host:port, naming the field', () => {
		for (const socket of ['ipv4@127.0.0.1:99999', 'tcp://10.0.0.5:9999', 'admin.sock']) {
			expect(() => HaproxyDriver.from({kind: 'haproxy', socket, backend: 'app', servers: {stable: 'stable', canary: 'canary'}})).toThrow(/socket/);
		}
	});
});
