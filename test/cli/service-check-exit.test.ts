/**
 * `calyx service check` as a script's gate: before a canary its version serves no traffic, so its
 * queries answer no data; that passes (exit 0), printed as NO DATA with the reason and a last line
 * saying how many and what no data does during a canary. An error fails (exit 1): bad PromQL,
 * several series, a value out of range. --strict fails on no data too. A stand-in for Prometheus'
 * API answers by the query's text, so that each kind of answer is asked for by name.
 */
import {writeFileSync} from 'node:fs';
import {createServer, type Server} from 'node:http';
import type {AddressInfo} from 'node:net';
import {join} from 'node:path';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {sandbox, snapshot} from './helpers.js';

type Doc = Record<string, any>;

const vector = (...values: string[]) => ({status: 'success', data: {resultType: 'vector', result: values.map((v, i) => ({metric: {i: String(i)}, value: [1_700_000_000, v]}))}});

/** What the stand-in answers a query holding each word. */
function answer(query: string): {status: number; body: unknown} {
	if (query.includes('nan')) return {status: 200, body: vector('NaN')};
	if (query.includes('nothing')) return {status: 200, body: vector()};
	if (query.includes('two')) return {status: 200, body: vector('1', '2')};
	if (query.includes('huge')) return {status: 200, body: vector('4000')};
	if (query.includes('broken')) return {status: 400, body: {status: 'error', errorType: 'bad_data', error: 'parse error: unclosed left parenthesis'}};
	return {status: 200, body: vector('1.5')};
}

let server: Server;
let address: string;
beforeAll(async () => {
	server = createServer((req, res) => {
		let body = '';
		req.on('data', d => (body += d));
		req.on('end', () => {
			res.setHeader('content-type', 'application/json');
			if (req.url?.startsWith('/api/v1/status/buildinfo')) return res.end(JSON.stringify({status: 'success', data: {version: '2.42.0'}}));
			const a = answer(new URLSearchParams(body).get('query') ?? '');
			res.statusCode = a.status;
			res.end(JSON.stringify(a.body));
		});
	});
	await new Promise<void>(done => server.listen(0, '127.0.0.1', done));
	address = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>(done => server.close(() => done())));

function file(s: ReturnType<typeof sandbox>, checks: Record<string, unknown>, custom: unknown[] = []): string {
	const path = join(s.root, 'checkout.json');
	writeFileSync(path, JSON.stringify({name: 'checkout', target: {kind: 'simulated'}, metrics: {source: 'prometheus', prometheus: {address}, checks, custom}}));
	return path;
}

describe('service check: no data passes, an error fails, --strict fails on no data', () => {
	it('a value and two queries without data: exit 0, each NO DATA with its reason, a last line on what no data means', async () => {
		const s = sandbox();
		const path = file(s, {errorRate: {query: 'sum(errors)'}, memory: {query: 'nan'}}, [{name: 'queue', query: 'nothing', direction: 'above', warning: 10, critical: 20, noData: 'fail'}]);
		const run = await s.calyx(['service', 'check', '-f', path]);
		expect(run.stderr).toBe('');
		expect(run.code).toBe(0);
		expect(run.stdout).toMatch(/\n {2}error rate +1\.5%\n/);
		expect(run.stdout).toMatch(/\n {2}memory +NO DATA: NaN \(0\/0: no traffic in the window\?\)\n/);
		expect(run.stdout).toMatch(/\n {2}queue +NO DATA: empty result \(no series matched\)\n/);
		const lines = run.stdout.trimEnd().split('\n');
		expect(lines.at(-2)).toBe('1 of 3 answered a value; 2 without data');
		expect(lines.at(-1)).toBe(
			'2 of 3 had no data (memory, queue): expected before the canary takes traffic; during a canary no data holds the gate (for queue: counts as a critical reading, noData: fail); not a failure here (--strict makes it one)',
		);
		const json = await s.json<Doc>(['service', 'check', '-f', path]);
		expect(json.code).toBe(0);
		expect(json.doc).toMatchObject({ok: true, strict: false, answered: 1, noData: 2, failed: 0});
		expect(json.doc.metrics.map((m: Doc) => [m.metric, m.answer.kind ?? 'value', m.noData])).toEqual([
			['errorRate', 'value', 'hold'],
			['memory', 'no_data', 'hold'],
			['queue', 'no_data', 'fail'],
		]);
	});

	it('--strict: the same answers exit 1, and the last line says why', async () => {
		const s = sandbox();
		const path = file(s, {errorRate: {query: 'sum(errors)'}, memory: {query: 'nan'}});
		const run = await s.calyx(['service', 'check', '-f', path, '--strict']);
		expect(run.code).toBe(1);
		expect(run.stdout.trimEnd().split('\n').at(-1)).toBe('1 of 2 had no data (memory): expected before the canary takes traffic; during a canary no data holds the gate; a failure under --strict');
		const json = await s.json<Doc>(['service', 'check', '-f', path, '--strict']);
		expect(json.doc).toMatchObject({ok: false, strict: true, noData: 1, failed: 0});
		// Every query with a value: --strict passes.
		const values = file(s, {errorRate: {query: 'sum(errors)'}});
		expect(await s.calyx(['service', 'check', '-f', values, '--strict'])).toMatchObject({code: 0, stdout: expect.stringContaining('1 of 1 answered a value\n')});
	});

	it.each([
		['bad PromQL', 'sum(broken', /ERROR: bad_data: parse error: unclosed left parenthesis/],
		['several series', 'two', /ERROR: 2 series: aggregate the query/],
		['a value out of range', 'huge', /ERROR: error rate read 4000: outside 0–100/],
	])('%s is an error: exit 1, even beside no data', async (_what, query, message) => {
		const s = sandbox();
		const path = file(s, {errorRate: {query}, memory: {query: 'nan'}});
		const before = snapshot(s.data);
		const run = await s.calyx(['service', 'check', '-f', path]);
		expect(run.code).toBe(1);
		expect(run.stdout).toMatch(new RegExp(`\\n {2}error rate +${message.source}`));
		expect(run.stdout).toContain('0 of 2 answered a value; 1 without data; 1 failed\n');
		expect((await s.json<Doc>(['service', 'check', '-f', path])).doc).toMatchObject({ok: false, failed: 1, noData: 1});
		expect(snapshot(s.data)).toEqual(before);
	});

	it('a definition file refused by the schema says no query was asked (a check registers nothing)', async () => {
		const s = sandbox();
		const path = file(s, {errorRate: {query: 'sum(x{job="{{pod}}"})'}});
		const run = await s.calyx(['service', 'check', '-f', path]);
		expect(run.code).toBe(2);
		expect(run.stderr).toMatch(/metrics\.checks\.errorRate\.query: unknown variable \{\{pod\}\}: .*; no query was asked\n$/);
		expect(run.stderr).not.toContain('registered');
	});

	it('--help says what exits 0 and what 1', async () => {
		const help = (await sandbox().calyx(['service', 'check', '--help'])).stdout.replace(/\s+/g, ' ');
		expect(help).toContain('Exit 0 when every query answered a value or no data');
		expect(help).toContain('1 when any query errs (bad PromQL, Prometheus unreachable, several series, a value out of range), or has no data under --strict');
		expect(help).toMatch(/--strict +no data fails the check too \(exit 1\)/);
	});
});
