/**
 * `calyx service check` and `service apply` on what needs no real Prometheus: bad input (exit 2,
 * naming the field or flag, nothing written), a Prometheus that does not answer (exit 1), one that
 * answers hostile text (escaped on output), and a definition edited into the document (not asked).
 */
import {readFileSync, writeFileSync} from 'node:fs';
import {createServer, type Server} from 'node:http';
import type {AddressInfo} from 'node:net';
import {join} from 'node:path';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {PAYLOADS, RAW_CONTROL} from '../untrusted.js';
import {sandbox, snapshot} from './helpers.js';

type Doc = Record<string, any>;
type Box = ReturnType<typeof sandbox>;

const write = (s: Box, name: string, content: unknown) => {
	const path = join(s.root, name);
	writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content));
	return path;
};

const definition = (address: string, checks: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
	name: 'checkout',
	target: {kind: 'simulated'},
	metrics: {source: 'prometheus', prometheus: {address, timeout: '2s'}, checks, ...extra},
});

/** A Prometheus stand-in: counts requests, answers what `answer` says (the real one will not write control characters on demand). */
let server: Server;
let address: string;
let asked = 0;
const HOSTILE_VERSION = `2.42${PAYLOADS.title}`;
const HOSTILE_ERROR = `parse error ${PAYLOADS.fakeHalt}${PAYLOADS.c1} at char 3`;
beforeAll(async () => {
	server = createServer((req, res) => {
		asked++;
		req.resume();
		req.on('end', () => {
			res.setHeader('content-type', 'application/json');
			if (req.url?.startsWith('/api/v1/status/buildinfo')) res.end(JSON.stringify({status: 'success', data: {version: HOSTILE_VERSION}}));
			else {
				res.statusCode = 400;
				res.end(JSON.stringify({status: 'error', errorType: 'bad_data', error: HOSTILE_ERROR}));
			}
		});
	});
	await new Promise<void>(done => server.listen(0, '127.0.0.1', done));
	address = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>(done => server.close(() => done())));

describe('service apply refuses a query naming an unknown variable', () => {
	it('exit 2 naming the query\'s field and the variable, what is allowed; nothing written', async () => {
		const s = sandbox();
		expect((await s.calyx(['init'])).code).toBe(0);
		const before = snapshot(s.data);
		const file = write(s, 'vars.json', definition(address, {errorRate: {query: 'sum(rate(http_errors{job="{{service}}", pod=~"{{pod}}"}[{{window}}]))'}}, {variables: {cluster: 'eu-1'}}));
		const run = await s.calyx(['service', 'apply', '-f', file, '--reason', 'gate from Prometheus']);
		expect(run.code).toBe(2);
		expect(run.stderr).toBe(
			`calyx: ${file}: metrics.checks.errorRate.query: unknown variable {{pod}}: allowed are {{service}}, {{canary}}, {{stable}}, {{window}}, {{cluster}} (declare it under variables); nothing was registered\n`,
		);
		expect(snapshot(s.data)).toEqual(before);
		expect((await s.json<Doc>(['service', 'list'])).doc.services).toEqual([]);
		// The same refusal before anything is applied: service check reads the file through the same schema.
		expect(await s.calyx(['service', 'check', '-f', file])).toMatchObject({code: 2, stderr: expect.stringContaining('unknown variable {{pod}}')});
		// A mistyped field of the metrics source names what is allowed there.
		const typo = write(s, 'typo.json', definition(address, {errorRate: {qeury: 'up'}}));
		const refused = await s.calyx(['service', 'apply', '-f', typo, '--reason', 'typo']);
		expect(refused).toMatchObject({code: 2, stderr: expect.stringContaining('metrics.checks.errorRate.qeury: unknown field (allowed: query, canary, stable, failureLimit, noData, interval)')});
		expect(snapshot(s.data)).toEqual(before);
	});
});

describe('service check: bad input is exit 2, nothing asked or written', () => {
	it('no name and no file, an unknown service, a file of another service, a definition without a prometheus source', async () => {
		const s = sandbox();
		expect((await s.calyx(['init'])).code).toBe(0);
		expect((await s.calyx(['service', 'apply', '-f', write(s, 'sim.json', {name: 'checkout', target: {kind: 'simulated'}}), '--reason', 'simulated'])).code).toBe(0);
		const before = snapshot(s.data);
		const count = asked;
		expect(await s.calyx(['service', 'check'])).toMatchObject({code: 2, stderr: expect.stringContaining('name: give the service whose definition in force to check, or -f <file>')});
		expect(await s.calyx(['service', 'check', 'payments'])).toMatchObject({code: 2, stderr: expect.stringContaining('name: no definition for service payments')});
		expect(await s.calyx(['service', 'check', 'bad name'])).toMatchObject({code: 2, stderr: expect.stringContaining('name: must be 1–63 letters')});
		expect(await s.calyx(['service', 'check', 'checkout'])).toMatchObject({code: 2, stderr: expect.stringContaining("service checkout's definition in force: no metrics source: only a prometheus source has queries to check")});
		const push = write(s, 'push.json', {name: 'checkout', target: {kind: 'simulated'}, metrics: {source: 'push'}});
		expect(await s.calyx(['service', 'check', '-f', push])).toMatchObject({code: 2, stderr: expect.stringContaining(`${push}: metrics.source is push: only a prometheus source`)});
		const prom = write(s, 'prom.json', definition(address, {memory: {query: 'up'}}));
		expect(await s.calyx(['service', 'check', 'payments', '-f', prom])).toMatchObject({code: 2, stderr: expect.stringContaining(`name: payments is not the service ${prom} defines (checkout)`)});
		const json = await s.json<Doc>(['service', 'check', 'payments']);
		expect(json.doc).toMatchObject({ok: false, error: {code: 'NOT_FOUND', exitCode: 2}});
		expect(asked).toBe(count);
		expect(snapshot(s.data)).toEqual(before);
	});

	it('versions: refused naming --canary and --stable when the queries need them and nothing gives them; a version that could end a PromQL string is refused', async () => {
		const s = sandbox();
		expect((await s.calyx(['init'])).code).toBe(0);
		const file = write(s, 'tes.json', definition(address, {tesDelta: {canary: 'sum(ok{v="{{canary}}"})', stable: 'sum(ok{v="{{stable}}"})'}, errorRate: {query: 'sum(err{v="{{canary}}"})'}}));
		const count = asked;
		const none = await s.calyx(['service', 'check', '-f', file]);
		expect(none).toMatchObject({code: 2, stderr: expect.stringContaining('--canary and --stable: the queries name {{canary}} and {{stable}}, and service checkout has no live deployment or intent to take the versions from: give them')});
		const one = await s.calyx(['service', 'check', '-f', file, '--canary', '1.5.0']);
		expect(one).toMatchObject({code: 2, stderr: expect.stringContaining('--stable: the queries name {{stable}}')});
		const hostile = await s.calyx(['service', 'check', '-f', file, '--canary', '1"} or vector(1) or {x="', '--stable', '1.4.0']);
		expect(hostile).toMatchObject({code: 2, stderr: expect.stringContaining("option '--canary <version>' argument")});
		expect(hostile.stderr).toContain('only letters, digits and . _ : @ + / - can go into a query');
		expect(asked).toBe(count);
	});

	it('a file is checked where no data directory exists, and none is made', async () => {
		const s = sandbox();
		const file = write(s, 'tes.json', definition(address, {tesDelta: {canary: 'sum(ok{v="{{canary}}"})', stable: 'sum(ok{v="{{stable}}"})'}, errorRate: {query: 'sum(err{v="{{canary}}"})'}}));
		const run = await s.json<Doc>(['service', 'check', '-f', file, '--canary', '1.5.0', '--stable', '1.4.0']);
		expect(run.doc).toMatchObject({ok: false, versions: {canary: '1.5.0', stable: '1.4.0'}, failed: 2});
		expect(run.doc.metrics[0]).toMatchObject({canary: 'sum(ok{v="1.5.0"})', stable: 'sum(ok{v="1.4.0"})', answer: {ok: false, kind: 'error', message: expect.stringMatching(/^canary: bad_data: /)}});
		expect(snapshot(s.data)).toEqual({});
	});
});

describe('service check: what Prometheus answers', () => {
	it('unreachable: the probe\'s error, no query asked, exit 1', async () => {
		const s = sandbox();
		// A port that was just listened on and closed: nothing answers there.
		const closed = createServer();
		await new Promise<void>(done => closed.listen(0, '127.0.0.1', done));
		const port = (closed.address() as AddressInfo).port;
		await new Promise<void>(done => closed.close(() => done()));
		const file = write(s, 'down.json', definition(`http://127.0.0.1:${port}`, {errorRate: {query: 'up'}, memory: {query: 'up'}}));
		const run = await s.calyx(['service', 'check', '-f', file]);
		expect(run.code).toBe(1);
		expect(run.stdout).toContain(`source:   PROMETHEUS DID NOT ANSWER: cannot reach Prometheus at http://127.0.0.1:${port}: connect ECONNREFUSED`);
		expect(run.stdout).toMatch(/\n {2}error rate +ERROR: not asked: Prometheus did not answer the probe\n/);
		expect(run.stdout).toContain('0 of 2 answered a value; 2 failed');
	});

	it('hostile text in its answers (version, error) is escaped in text and JSON; the exit is 1', async () => {
		const s = sandbox();
		const file = write(s, 'prom.json', definition(address, {errorRate: {query: 'sum(up)'}}));
		const run = await s.calyx(['service', 'check', '-f', file]);
		expect(run.code).toBe(1);
		expect(run.stdout).not.toMatch(RAW_CONTROL);
		expect(run.stdout).toContain('source:   Prometheus 2.42\\x1b]0;pwned\\x07 at');
		expect(run.stdout).toContain('ERROR: bad_data: parse error \\x1b[31mHALTED\\x1b[0m\\u009b31m at char 3 (HTTP 400 Bad Request)');
		const json = await s.calyx(['service', 'check', '-f', file, '--json']);
		expect(json.stdout).not.toMatch(RAW_CONTROL);
		// Escaped for the terminal by the driver, then carried as text: the document parses, nothing raw in it.
		expect(JSON.parse(json.stdout).metrics[0].answer.message).toContain('\\x1b[31mHALTED');
	});

	it('a definition edited into the document by hand is not asked (its address would get the headers): exit 1', async () => {
		const s = sandbox();
		expect((await s.calyx(['init'])).code).toBe(0);
		const file = write(s, 'prom.json', definition('http://127.0.0.1:9', {errorRate: {query: 'sum(up)'}}));
		expect((await s.calyx(['service', 'apply', '-f', file, '--reason', 'gate from Prometheus'])).code).toBe(0);
		const path = join(s.data, 'state.json');
		const state = JSON.parse(readFileSync(path, 'utf8'));
		state.services[0].definition.metrics.prometheus.address = address;
		writeFileSync(path, JSON.stringify(state));
		const count = asked;
		const run = await s.json<Doc>(['service', 'check', 'checkout']);
		expect(run.code).toBe(1);
		expect(run.doc.error).toMatchObject({code: 'UNTRUSTED_SERVICE', message: expect.stringMatching(/edited by hand.*its queries are not run \(check the definition file with -f\)/)});
		expect(asked).toBe(count);
	});
});
