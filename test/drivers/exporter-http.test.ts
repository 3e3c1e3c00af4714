import {createServer} from 'node:net';
import type {AddressInfo} from 'node:net';
import {afterEach, describe, expect, it} from 'vitest';
import {metricsUrl, parseListen} from '../../src/drivers/exporter/address.js';
import {boundedLabel, LabelBudget} from '../../src/drivers/exporter/labels.js';
import {listenMetrics, ListenError, type MetricsServer} from '../../src/drivers/exporter/server.js';

const servers: MetricsServer[] = [];
afterEach(async () => {
	for (const s of servers.splice(0)) await s.close();
});

describe('--metrics-listen addresses', () => {
	it('takes host:port as given: IPv4, a bracketed IPv6, a host name; port 0 lets the system pick', () => {
		expect(parseListen('127.0.0.1:9464')).toEqual({host: '127.0.0.1', port: 9464});
		expect(parseListen('[::1]:9464')).toEqual({host: '::1', port: 9464});
		expect(parseListen('localhost:0')).toEqual({host: 'localhost', port: 0});
		expect(parseListen('0.0.0.0:9464')).toEqual({host: '0.0.0.0', port: 9464});
		expect(metricsUrl({host: '::1', port: 9464})).toBe('http://[::1]:9464/metrics');
	});

	it('refuses anything else, naming the forms allowed', () => {
		for (const bad of ['9464', ':9464', '127.0.0.1', '127.0.0.1:', '127.0.0.1:70000', '127.0.0.1:94a', '::1:9464', '[nope]:9464', '999.1.1.1:9464', 'a b:9464', 'host:9464/metrics', `${'a'.repeat(300)}:1`, 'ho\u0007st:1']) {
			const parsed = parseListen(bad);
			expect(parsed, bad).toHaveProperty('problem');
			expect((parsed as {problem: string}).problem).toMatch(/allowed: host:port/);
		}
	});
});

describe('label values', () => {
	it('keeps a safe value, replaces anything else, cuts at 63 characters', () => {
		expect(boundedLabel('checkout-eu.v2_1')).toBe('checkout-eu.v2_1');
		expect(boundedLabel('a"b\\c\nd}')).toBe('a_b_c_d_');
		expect(boundedLabel('x'.repeat(100))).toHaveLength(63);
		expect(boundedLabel('')).toBe('_');
	});

	it('an open label keeps its first values and calls the rest other', () => {
		const codes = new LabelBudget(2);
		expect(['A', 'B', 'C', 'A', 'D'].map(c => codes.label(c))).toEqual(['A', 'B', 'other', 'A', 'other']);
	});
});

describe('the HTTP side', () => {
	const ok = async () => ({status: 200, contentType: 'text/plain; version=0.0.4; charset=utf-8', body: 'calyx_up 1\n'});

	it('answers GET /metrics (a query string too) and 404 to anything else', async () => {
		const server = await listenMetrics({host: '127.0.0.1', port: 0}, ok);
		servers.push(server);
		const base = `http://127.0.0.1:${server.address.port}`;
		const got = await fetch(`${base}/metrics`);
		expect(got.status).toBe(200);
		expect(got.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
		expect(await got.text()).toBe('calyx_up 1\n');
		expect((await fetch(`${base}/metrics?name[]=x`)).status).toBe(200);
		for (const [path, method] of [['/', 'GET'], ['/metrics/', 'GET'], ['/metrics', 'POST'], ['/metrics', 'DELETE'], ['/admin', 'GET']] as const) {
			const res = await fetch(`${base}${path}`, {method});
			expect(res.status, `${method} ${path}`).toBe(404);
			expect(await res.text()).toBe('not found: only GET /metrics\n');
		}
	});

	it('a scrape that fails answers 500 with why', async () => {
		const server = await listenMetrics({host: '127.0.0.1', port: 0}, async () => {
			throw new Error('state.json is corrupt');
		});
		servers.push(server);
		const res = await fetch(`http://127.0.0.1:${server.address.port}/metrics`);
		expect(res.status).toBe(500);
		expect(await res.text()).toMatch(/state\.json is corrupt/);
	});

	it('a port in use is a ListenError that says so', async () => {
		const taken = createServer();
		await new Promise<void>(resolve => taken.listen(0, '127.0.0.1', resolve));
		try {
			const port = (taken.address() as AddressInfo).port;
			const error = await listenMetrics({host: '127.0.0.1', port}, ok).then(
				() => undefined,
				(e: unknown) => e,
			);
			expect(error).toBeInstanceOf(ListenError);
			expect(error).toMatchObject({code: 'EADDRINUSE', message: `cannot listen on 127.0.0.1:${port}: the port is in use by another process (EADDRINUSE)`});
		} finally {
			await new Promise(resolve => taken.close(resolve));
		}
	});
});
