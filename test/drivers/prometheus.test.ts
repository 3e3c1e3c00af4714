/**
 * The Prometheus client against a real Prometheus (Debian's 2.42, scraping its own /metrics): a
 * value, the "no data" answers (NaN, ±Inf, no series), the errors (several series, bad PromQL in
 * Prometheus' own words, a stopped server), and against small node servers what a real one will not
 * do on demand: never answer, answer too much, echo a credential, write control characters.
 */
import {getEventListeners} from 'node:events';
import {createServer, type IncomingHttpHeaders, type ServerResponse} from 'node:http';
import {createServer as createNetServer, type AddressInfo, type Server, type Socket} from 'node:net';
import {mkdtemp, rm} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {probePrometheus, queryInstant, type PrometheusSettings} from '../../src/drivers/metrics/prometheus.js';
import {prometheusAbsent, startPrometheus, waitForSeries, type RunningPrometheus} from '../prometheus-harness.js';
import {PAYLOADS, RAW_CONTROL} from '../untrusted.js';

const absent = prometheusAbsent();
// CI installs Prometheus (.ci/run sets CALYX_TEST_REQUIRE): there, a missing binary is a broken setup, not a reason to skip.
const required = Boolean(process.env.CI) || (process.env.CALYX_TEST_REQUIRE ?? '').split(',').includes('prometheus');
if (absent && required) throw new Error(`the Prometheus tests are required here: ${absent}`);
if (absent) console.log(`skipping the real-Prometheus tests: ${absent}`);

const SECRET = 'Bearer s3cr3t-t0ken-4711';

describe.skipIf(absent !== undefined)('Prometheus client, against a real Prometheus', () => {
	let dir: string;
	let prom: RunningPrometheus;
	let settings: PrometheusSettings;

	beforeAll(async () => {
		dir = await mkdtemp(join(tmpdir(), 'calyx-prom-'));
		prom = await startPrometheus({targets: [], self: true, dir});
		settings = {address: prom.url, timeoutMs: 2000};
		const firstSample = await waitForSeries(prom.url, 'up{job="prometheus"}', 15_000);
		console.log(`Prometheus listening after ${prom.timings.listeningMs.toFixed(0)} ms, ready after ${prom.timings.readyMs.toFixed(0)} ms; its first sample queryable ${firstSample.toFixed(0)} ms later`);
	}, 25_000);

	afterAll(async () => {
		await prom?.stop();
		if (dir) await rm(dir, {recursive: true, force: true});
	});

	it('answers the value of a query that gives one series, with or without aggregation', async () => {
		expect(await queryInstant(settings, 'up{job="prometheus"}')).toEqual({ok: true, value: 1});
		expect(await queryInstant(settings, 'sum(up)')).toEqual({ok: true, value: 1});
		expect(await queryInstant(settings, 'vector(0.25) * 2')).toEqual({ok: true, value: 0.5});
	});

	it('answers a scalar, evaluated at the time asked for', async () => {
		const time = Date.now() - 60_000;
		expect(await queryInstant(settings, 'time()', {time})).toEqual({ok: true, value: time / 1000});
		expect(await queryInstant(settings, 'scalar(vector(3))')).toEqual({ok: true, value: 3});
	});

	it('takes an address with a trailing slash', async () => {
		expect(await queryInstant({...settings, address: `${prom.url}/`}, 'sum(up)')).toEqual({ok: true, value: 1});
	});

	it('answers no data, never a number, for 0/0, ±Inf and a series that does not exist', async () => {
		expect(await queryInstant(settings, '0/0')).toEqual({ok: false, kind: 'no_data', message: 'NaN (0/0: no traffic in the window?)'});
		expect(await queryInstant(settings, 'sum(up) / 0')).toMatchObject({ok: false, kind: 'no_data', message: expect.stringMatching(/^\+Inf /)});
		expect(await queryInstant(settings, '-1/0')).toMatchObject({ok: false, kind: 'no_data', message: expect.stringMatching(/^-Inf /)});
		expect(await queryInstant(settings, 'calyx_no_such_metric_total')).toEqual({ok: false, kind: 'no_data', message: 'empty result (no series matched)'});
		expect(await queryInstant(settings, 'sum(calyx_no_such_metric_total)')).toEqual({ok: false, kind: 'no_data', message: 'empty result (no series matched)'});
	});

	it('refuses several series: which one would be the number?', async () => {
		const answer = await queryInstant(settings, '{__name__=~"prometheus_http_.*"}');
		expect(answer).toMatchObject({ok: false, kind: 'error', message: expect.stringMatching(/^\d+ series: aggregate the query \(e\.g\. sum\(…\)\)/)});
	});

	it('gives bad PromQL back in Prometheus own words, and refuses a range vector and a string', async () => {
		const bad = await queryInstant(settings, 'rate(up[');
		expect(bad).toMatchObject({ok: false, kind: 'error'});
		expect(!bad.ok && bad.message).toMatch(/^bad_data: .*parse error.*\(HTTP 400/);
		expect(await queryInstant(settings, 'up[1m]')).toMatchObject({ok: false, kind: 'error', message: expect.stringContaining('range vector')});
		expect(await queryInstant(settings, '"text"')).toMatchObject({ok: false, kind: 'error', message: expect.stringContaining('"string"')});
	});

	it('probes: the version and where', async () => {
		const probe = await probePrometheus(settings);
		expect(probe).toEqual({ok: true, detail: expect.stringMatching(/^Prometheus 2\.\d+\.\d+\S* at http:\/\/127\.0\.0\.1:\d+$/)});
	});

	it('says "connection refused" once Prometheus is stopped, for a query and for a probe', async () => {
		const other = await startPrometheus({targets: [], dir: join(dir, 'second')});
		const there = {address: other.url, timeoutMs: 2000};
		expect(await probePrometheus(there)).toMatchObject({ok: true});
		await other.stop();
		expect(() => process.kill(other.pid, 0)).toThrow();
		const port = other.url.split(':').at(-1);
		expect(await queryInstant(there, 'sum(up)')).toEqual({ok: false, kind: 'error', message: `cannot reach Prometheus at ${other.url}: connect ECONNREFUSED 127.0.0.1:${port}`});
		expect(await probePrometheus(there)).toEqual({ok: false, message: expect.stringContaining('ECONNREFUSED')});
	});
});

interface Seen {
	method: string;
	url: string;
	headers: IncomingHttpHeaders;
	body: string;
}

/** A node HTTP server answering with `answer`, recording every request. */
async function fakeServer(answer: (res: ServerResponse, seen: Seen) => void) {
	const seen: Seen[] = [];
	const server = createServer((req, res) => {
		let body = '';
		req.on('data', (d: Buffer) => (body += d.toString()));
		req.on('end', () => {
			const one = {method: req.method ?? '', url: req.url ?? '', headers: req.headers, body};
			seen.push(one);
			answer(res, one);
		});
	});
	await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
	const {port} = server.address() as AddressInfo;
	return {
		url: `http://127.0.0.1:${port}`,
		seen,
		close: () => new Promise<void>(resolve => (server.closeAllConnections(), server.close(() => resolve()))),
	};
}

const json = (status: number, body: unknown) => (res: ServerResponse) => res.writeHead(status, {'content-type': 'application/json'}).end(JSON.stringify(body));
const vector = (value: string) => json(200, {status: 'success', data: {resultType: 'vector', result: [{metric: {}, value: [1700000000, value]}]}});

describe('Prometheus client, against servers that misbehave', () => {
	it('sends the headers as given, POSTs the query form-encoded under the address path prefix', async () => {
		const fake = await fakeServer(vector('7'));
		try {
			const settings = {address: `${fake.url}/prom/`, headers: {authorization: SECRET, 'X-Scope-OrgID': 'tenant-1'}, timeoutMs: 2000};
			expect(await queryInstant(settings, 'sum(rate(x[5m]))', {time: 1_700_000_000_500})).toEqual({ok: true, value: 7});
			const [request] = fake.seen;
			expect(request).toMatchObject({method: 'POST', url: '/prom/api/v1/query', headers: {authorization: SECRET, 'x-scope-orgid': 'tenant-1', 'content-type': 'application/x-www-form-urlencoded'}});
			const form = new URLSearchParams(request!.body);
			expect([form.get('query'), form.get('time'), form.get('timeout')]).toEqual(['sum(rate(x[5m]))', '1700000000.500', '2000ms']);
		} finally {
			await fake.close();
		}
	});

	it('leaves nothing on a long-lived caller signal (an engine\'s), query after query', async () => {
		const fake = await fakeServer(vector('1'));
		try {
			const engine = new AbortController().signal;
			for (let i = 0; i < 20; i++) expect(await queryInstant({address: fake.url, timeoutMs: 2000}, 'up', {signal: engine})).toEqual({ok: true, value: 1});
			expect(getEventListeners(engine, 'abort')).toHaveLength(0);
		} finally {
			await fake.close();
		}
	});

	it('never writes a header value into a message, even when the server echoes it or the value is invalid', async () => {
		const fake = await fakeServer((res, seen) => res.writeHead(401, {'content-type': 'text/plain'}).end(`no access for ${seen.headers.authorization}`));
		try {
			const answer = await queryInstant({address: fake.url, headers: {authorization: SECRET}, timeoutMs: 2000}, 'up');
			expect(answer).toEqual({ok: false, kind: 'error', message: `HTTP 401 Unauthorized from ${fake.url}: no access for [header value]`});
			const invalid = await queryInstant({address: fake.url, headers: {authorization: `${SECRET}\r\nX-Evil: 1`}, timeoutMs: 2000}, 'up');
			expect(invalid).toMatchObject({ok: false, kind: 'error', message: expect.stringContaining('header "authorization"')});
			expect(!invalid.ok && invalid.message).not.toContain('s3cr3t');
			const probe = await probePrometheus({address: fake.url, headers: {authorization: SECRET}, timeoutMs: 2000});
			expect(probe).toMatchObject({ok: false});
			expect(JSON.stringify(probe)).not.toContain('s3cr3t');
		} finally {
			await fake.close();
		}
	});

	it('scrubs a credential quoted without its scheme (a proxy answering "token … expired")', async () => {
		const fake = await fakeServer((res, seen) => res.writeHead(401, {'content-type': 'text/plain'}).end(`token ${String(seen.headers.authorization).split(' ')[1]} expired`));
		try {
			const answer = await queryInstant({address: fake.url, headers: {authorization: SECRET}, timeoutMs: 2000}, 'up');
			expect(answer).toEqual({ok: false, kind: 'error', message: `HTTP 401 Unauthorized from ${fake.url}: token [header value] expired`});
		} finally {
			await fake.close();
		}
	});

	it('bounds the time: a server that accepts and never answers is a timeout, within its bound', async () => {
		const sockets: Socket[] = [];
		const silent: Server = createNetServer(socket => sockets.push(socket));
		await new Promise<void>(resolve => silent.listen(0, '127.0.0.1', resolve));
		const address = `http://127.0.0.1:${(silent.address() as AddressInfo).port}`;
		try {
			const started = performance.now();
			const answer = await queryInstant({address, timeoutMs: 300}, 'up');
			const took = performance.now() - started;
			expect(answer).toEqual({ok: false, kind: 'error', message: `no answer from Prometheus at ${address} within the timeout of 300 ms`});
			expect(took).toBeGreaterThanOrEqual(290);
			expect(took).toBeLessThan(1500);
			// The caller's own cancellation is no answer at all: it rejects, with the caller's reason.
			const controller = new AbortController();
			const pending = queryInstant({address, timeoutMs: 10_000}, 'up', {signal: controller.signal});
			controller.abort(new Error('engine stepping down'));
			await expect(pending).rejects.toThrow('engine stepping down');
		} finally {
			for (const socket of sockets) socket.destroy();
			await new Promise(resolve => silent.close(resolve));
		}
	});

	it('reads at most 1 MiB of an answer, declared or streamed', async () => {
		const chunk = Buffer.alloc(64 * 1024, 'x');
		const streamed = await fakeServer(res => {
			res.writeHead(200, {'content-type': 'application/json'});
			// 4 MiB without a length: the client must stop reading, not buffer it all.
			for (let i = 0; i < 64; i++) res.write(chunk);
			res.end();
		});
		const declared = await fakeServer(res => res.writeHead(200, {'content-length': String(2 * 1024 * 1024)}).end(Buffer.alloc(2 * 1024 * 1024, ' ')));
		try {
			expect(await queryInstant({address: streamed.url, timeoutMs: 2000}, 'up')).toEqual({ok: false, kind: 'error', message: 'answer of over 1048576 bytes: more than the 1048576 read at most'});
			expect(await queryInstant({address: declared.url, timeoutMs: 2000}, 'up')).toEqual({ok: false, kind: 'error', message: 'answer of 2097152 bytes: more than the 1048576 read at most'});
		} finally {
			await Promise.all([streamed.close(), declared.close()]);
		}
	});

	it('writes out the control characters of an error text, and cuts it', async () => {
		const hostile = `${PAYLOADS.title}${PAYLOADS.fakeHalt}${PAYLOADS.c1}\u202e${'x'.repeat(10_000)}`;
		const fake = await fakeServer(json(422, {status: 'error', errorType: `execution${PAYLOADS.clear}`, error: hostile}));
		try {
			const answer = await queryInstant({address: fake.url, timeoutMs: 2000}, 'up');
			expect(answer).toMatchObject({ok: false, kind: 'error'});
			const message = answer.ok ? '' : answer.message;
			expect(message).not.toMatch(RAW_CONTROL);
			expect(message).not.toContain('\u202e');
			expect(message).toContain('execution\\x1b[2J: \\x1b]0;pwned\\x07\\x1b[31mHALTED');
			expect(message).toContain(`(${hostile.length} characters in all)`);
			expect(message.length).toBeLessThan(700);
		} finally {
			await fake.close();
		}
	});

	it('refuses what is not one number: a non-numeric value, a body that is not JSON, a redirect', async () => {
		const weird = await fakeServer(vector('0x10'));
		const html = await fakeServer(res => res.writeHead(200, {'content-type': 'text/html'}).end('<html>\u001b[2Jlogin</html>'));
		const moved = await fakeServer(res => res.writeHead(302, {location: 'http://elsewhere.example/'}).end());
		try {
			expect(await queryInstant({address: weird.url, timeoutMs: 2000}, 'up')).toEqual({ok: false, kind: 'error', message: 'a value that is not a number: "0x10"'});
			expect(await queryInstant({address: html.url, timeoutMs: 2000}, 'up')).toEqual({ok: false, kind: 'error', message: `an answer from ${html.url} that is not Prometheus' JSON: <html>\\x1b[2Jlogin</html>`});
			const redirect = await queryInstant({address: moved.url, headers: {authorization: SECRET}, timeoutMs: 2000}, 'up');
			expect(redirect).toMatchObject({ok: false, kind: 'error', message: expect.stringContaining('a redirect to http://elsewhere.example/, not followed')});
			expect(moved.seen).toHaveLength(1);
		} finally {
			await Promise.all([weird.close(), html.close(), moved.close()]);
		}
	});

	it('refuses an address it cannot use, before any request', async () => {
		const refused = (address: string) => queryInstant({address, timeoutMs: 2000}, 'up');
		expect(await refused('127.0.0.1:9090')).toMatchObject({kind: 'error', message: expect.stringContaining('not an absolute URL')});
		expect(await refused('http://admin:hunter22@127.0.0.1:9/')).toEqual({ok: false, kind: 'error', message: 'address must not carry credentials (user:password@): send them as a header (Authorization)'});
		expect(await refused('ftp://127.0.0.1/')).toMatchObject({kind: 'error', message: 'address must be http or https, not ftp:'});
	});
});
