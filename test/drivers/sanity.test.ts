/** Sanity checks: HTTP against a server of the test's own, and the hook variant through the exec protocol. */
import {chmod, mkdtemp, readFile, rm, writeFile} from 'node:fs/promises';
import {createServer, type Server} from 'node:http';
import type {AddressInfo} from 'node:net';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {parseSettings} from '../../src/drivers/targets/settings.js';
import {httpSanity, runSanity, SanityCheck} from '../../src/drivers/targets/sanity.js';
import {freePort} from './haproxy-harness.js';

let server: Server;
let base: string;
let dir: string;
let hook: string;

beforeAll(async () => {
	server = createServer((req, res) => {
		if (req.url === '/ok') return res.writeHead(200).end('{"status": "healthy",\n "db": "up"}');
		if (req.url === '/fail') return res.writeHead(500).end('database connection pool exhausted\u001b[31m');
		if (req.url === '/redirect') return res.writeHead(302, {location: '/login'}).end();
		if (req.url === '/big') return res.writeHead(200).end('y'.repeat(1 << 20));
		if (req.url === '/slow') return; // never answers
		res.writeHead(404).end();
	});
	await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
	base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
	dir = await mkdtemp(join(tmpdir(), 'calyx-sanity-'));
	hook = join(dir, 'hook.mjs');
	await writeFile(hook, `#!${process.execPath}\n${await readFile(join(import.meta.dirname, 'hooks/hook.mjs'), 'utf8')}`);
	await chmod(hook, 0o755);
});
afterAll(async () => {
	server.closeAllConnections();
	await new Promise(resolve => server.close(resolve));
	await rm(dir, {recursive: true, force: true});
});

const signal = () => new AbortController().signal;
const http = (path: string, timeoutMs = 2000) => httpSanity({kind: 'http', url: `${base}${path}`, timeoutMs}, {signal: signal()});

describe('HTTP sanity check', () => {
	it('passes on a 2xx, quoting the body', async () => {
		const result = await http('/ok');
		expect(result.ok).toBe(true);
		expect(result.output).toMatch(new RegExp(`^GET ${base}/ok → 200 OK in \\d+ ms: \\{"status": "healthy", "db": "up"\\}$`));
	});

	it('fails on a 500, with the status and the body, escaped', async () => {
		const result = await http('/fail');
		expect(result.ok).toBe(false);
		expect(result.output).toMatch(/→ 500 Internal Server Error in \d+ ms: database connection pool exhausted\\x1b\[31m$/);
	});

	it('fails on a redirect, which it does not follow', async () => {
		expect(await http('/redirect')).toMatchObject({ok: false, output: expect.stringMatching(/→ 302 Found in \d+ ms \(redirect to \/login, not followed\)$/)});
	});

	it('reads only the start of a large body', async () => {
		const result = await http('/big');
		expect(result.ok).toBe(true);
		expect(result.output).toMatch(/ in \d+ ms: y{300}…$/);
	});

	it('fails when no answer comes within the timeout, within its bound', async () => {
		const started = Date.now();
		expect(await http('/slow', 200)).toEqual({ok: false, output: `GET ${base}/slow: no answer within 200 ms`});
		expect(Date.now() - started).toBeLessThan(1500);
	});

	it('fails when nothing listens', async () => {
		const port = await freePort();
		expect(await httpSanity({kind: 'http', url: `http://127.0.0.1:${port}/health`, timeoutMs: 2000}, {signal: signal()})).toEqual({ok: false, output: `GET http://127.0.0.1:${port}/health: connection refused`});
	});

	it('throws only when the caller cancels: that is no verdict', async () => {
		const caller = new AbortController();
		const pending = httpSanity({kind: 'http', url: `${base}/slow`, timeoutMs: 5000}, {signal: caller.signal});
		caller.abort();
		await expect(pending).rejects.toMatchObject({code: 'aborted'});
	});

	it.each([
		[{kind: 'http', url: 'checkout/health'}, 'sanity settings: url: must be an absolute URL (http://host:port/path)'],
		[{kind: 'http', url: 'file:///etc/passwd'}, 'sanity settings: url: must be http or https, not file'],
		[{kind: 'http', url: 'https://ops:hunter2@checkout/health'}, 'sanity settings: url: must not carry credentials (user:password@): the URL is written to the audit trail'],
		[{kind: 'smtp', url: 'x'}, 'sanity settings: kind: '],
	])('refuses %j, naming the field', (input, message) => {
		expect(() => parseSettings(SanityCheck, input, 'sanity')).toThrow(message);
	});
});

describe('hook sanity check', () => {
	const check = (mode: string[]) => parseSettings(SanityCheck, {kind: 'exec', command: [hook, ...mode]}, 'sanity');

	it("gives the hook's verdict and output for the tier", async () => {
		const state = join(dir, 'route.json');
		expect(await runSanity(check(['router', state]), {service: 'checkout', tier: 25, signal: signal()})).toEqual({ok: true, output: 'smoke tests passed at 25%'});
		expect(await runSanity(check(['router', state]), {service: 'checkout', tier: 100, signal: signal()})).toEqual({ok: false, output: 'checkout: 3 of 12 smoke tests failed at 100%'});
	});

	it('a hook that fails gives a failed verdict whose output carries its stderr', async () => {
		expect(await runSanity(check(['fail']), {service: 'checkout', tier: 5, signal: signal()})).toEqual({
			ok: false,
			output: 'exec hook sanity: the hook exited with status 3; stderr: error: httproutes.gateway.networking.k8s.io "checkout" not found\\x1b[2J',
		});
	});

	it('an HTTP check through runSanity', async () => {
		expect(await runSanity(parseSettings(SanityCheck, {kind: 'http', url: `${base}/ok`}, 'sanity'), {service: 'checkout', tier: 5, signal: signal()})).toMatchObject({ok: true});
	});
});
