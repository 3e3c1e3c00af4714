/**
 * `calyx service check` on an etcd store, where any box's engine may lead: each field of a
 * definition that only this box reaches (HAProxy's UNIX socket and its config file, a hook under a
 * home directory or by a relative path, a loopback Prometheus or sanity URL) is a warning line
 * naming it and what to use instead: exit 0, 1 under --strict, in --json as `boxLocal`. With a data
 * directory the engine runs here: no such warning, and a definition without a Prometheus source
 * has nothing to check (exit 2, as before).
 */
import {writeFileSync} from 'node:fs';
import {createServer as httpServer, type Server} from 'node:http';
import {createServer, type AddressInfo} from 'node:net';
import {join} from 'node:path';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {etcdSkipReason, sharedCluster} from '../helpers/etcd-cluster.js';
import {sandbox} from './helpers.js';

type Doc = Record<string, any>;
type Sandbox = ReturnType<typeof sandbox>;

const absent = etcdSkipReason('service check on an etcd store');

/** Prometheus' API as a stand-in on 127.0.0.1: every query answers one value. */
let prometheus: Server;
let address: string;
beforeAll(async () => {
	prometheus = httpServer((req, res) => {
		res.setHeader('content-type', 'application/json');
		const version = req.url?.startsWith('/api/v1/status/buildinfo');
		res.end(JSON.stringify(version ? {status: 'success', data: {version: '2.42.0'}} : {status: 'success', data: {resultType: 'vector', result: [{metric: {}, value: [1_700_000_000, '1.5']}]}}));
	});
	await new Promise<void>(done => prometheus.listen(0, '127.0.0.1', done));
	address = `http://127.0.0.1:${(prometheus.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>(done => prometheus.close(() => done())));

const write = (s: Sandbox, name: string, definition: unknown) => {
	const path = join(s.root, name);
	writeFileSync(path, JSON.stringify(definition));
	return path;
};

/** An HAProxy target on a UNIX socket that listens (service apply checks it is one) and its config file. */
async function haproxyOnThisBox(s: Sandbox) {
	const socket = join(s.root, 'haproxy.sock');
	const listener = createServer();
	await new Promise<void>(done => listener.listen(socket, done));
	const config = join(s.root, 'haproxy.cfg');
	writeFileSync(config, 'backend web\n  server s1 127.0.0.1:8001 weight 100\n  server s2 127.0.0.1:8002 weight 0\n');
	const target = {kind: 'haproxy', socket, backend: 'web', servers: {stable: 's1', canary: 's2'}, config};
	return {socket, config, target, close: () => new Promise(done => listener.close(done))};
}

describe.skipIf(absent !== undefined)('service check: what only this box reaches, on an etcd store', () => {
	const etcd = sharedCluster();

	const onEtcd = () => {
		const s = sandbox();
		s.env.CALYX_STORE = etcd.freshUrl('t');
		return s;
	};

	it('a UNIX socket: a warning per field on etcd (exit 0, 1 under --strict), for a file and the definition in force; none with a data directory', async () => {
		const s = onEtcd();
		const haproxy = await haproxyOnThisBox(s);
		try {
			const file = write(s, 'checkout.json', {name: 'checkout', target: haproxy.target});
			const run = await s.calyx(['service', 'check', '-f', file]);
			expect([run.code, run.stderr]).toEqual([0, '']);
			const lines = run.stdout.trimEnd().split('\n');
			expect(lines[1]).toBe('queries:  none: no metrics source: only a prometheus source has queries to check');
			expect(lines[2]).toBe(
				`warning: target.socket: unix socket ${haproxy.socket} is reachable from this box only; with an etcd store any box may lead, and one on another box could not steer this HAProxy: ` +
					'use its stats socket over TCP, which every box reaches ("socket": "ipv4@10.0.0.5:9999", with "stats socket ipv4@10.0.0.5:9999 level admin" in HAProxy)',
			);
			expect(lines[3]).toMatch(new RegExp(`^warning: target\\.config: ${haproxy.config} is this box's file: a leader on another box would write the weights into its own copy`));
			expect(lines.at(-1)).toBe('2 fields reached from this box only (target.socket, target.config); not a failure here (--strict makes it one)');
			const strict = await s.json<Doc>(['service', 'check', '-f', file, '--strict']);
			expect(strict.code).toBe(1);
			expect(strict.doc).toMatchObject({ok: false, strict: true, anyBoxMayLead: true, boxLocal: [{field: 'target.socket'}, {field: 'target.config'}]});

			// Applied, the definition in force reads the same.
			expect((await s.calyx(['init'])).code).toBe(0);
			const applied = await s.calyx(['service', 'apply', '-f', file, '--reason', 'checkout behind HAProxy']);
			expect([applied.code, applied.stderr]).toEqual([0, '']);
			const inForce = await s.json<Doc>(['service', 'check', 'checkout']);
			expect(inForce.code).toBe(0);
			expect(inForce.doc).toMatchObject({ok: true, definition: {kind: 'in force'}, boxLocal: [{field: 'target.socket'}, {field: 'target.config'}]});

			// A data directory: the engine runs on this box; nothing to warn of, and no queries to check.
			const files = sandbox();
			const here = await files.calyx(['service', 'check', '-f', file]);
			expect(here).toMatchObject({code: 2, stdout: ''});
			expect(here.stderr).toContain('no metrics source: only a prometheus source has queries to check');
		} finally {
			await haproxy.close();
		}
	}, 120_000);

	it('with a Prometheus source: the queries as ever, then the warnings; a data directory shows the queries alone', async () => {
		const s = onEtcd();
		const haproxy = await haproxyOnThisBox(s);
		try {
			const file = write(s, 'checkout.json', {name: 'checkout', target: haproxy.target, metrics: {source: 'prometheus', prometheus: {address}, checks: {errorRate: {query: 'sum(errors)'}}}});
			const run = await s.calyx(['service', 'check', '-f', file]);
			expect(run.code).toBe(0);
			expect(run.stdout).toMatch(/\n {2}error rate +1\.5%\n/);
			expect(run.stdout).toContain(`warning: metrics.prometheus.address: ${address} is this box's own address (127.0.0.1): a leader on another box would ask itself; with an etcd store any box may lead: give Prometheus an address every box reaches`);
			expect(run.stdout.trimEnd().split('\n').at(-1)).toBe('3 fields reached from this box only (target.socket, target.config, metrics.prometheus.address); not a failure here (--strict makes it one)');

			const here = await sandbox().json<Doc>(['service', 'check', '-f', file]);
			expect(here.code).toBe(0);
			expect(here.doc).toMatchObject({ok: true, anyBoxMayLead: false, boxLocal: [], answered: 1});
			expect((await sandbox().calyx(['service', 'check', '-f', file])).stdout).not.toContain('warning');
		} finally {
			await haproxy.close();
		}
	}, 60_000);

	it('hooks under a home directory or by a relative path, a loopback sanity URL: each named; a definition every box reaches says so', async () => {
		const s = onEtcd();
		const hooks = write(s, 'hooks.json', {
			name: 'checkout',
			target: {kind: 'exec', command: ['/home/ops/hooks/route', '--service', 'checkout'], cwd: '/tmp/route'},
			sanity: [{check: {kind: 'http', url: 'http://localhost:8080/health'}}, {check: {kind: 'exec', command: ['hooks/smoke']}}, {check: {kind: 'exec', command: ['/tmp/x'], shell: true}}],
		});
		const run = await s.json<Doc>(['service', 'check', '-f', hooks]);
		expect(run.code).toBe(0);
		expect(run.doc.boxLocal.map((b: Doc) => b.field)).toEqual(['target.command[0]', 'target.cwd', 'sanity[0].check.url', 'sanity[1].check.command[0]']);
		expect(run.doc.boxLocal[0].message).toBe(
			'/home/ops/hooks/route is under a home directory: most likely on this box only; with an etcd store any box may lead: install the hook at the same path on every box (e.g. /usr/local/libexec/calyx/)',
		);
		expect(run.doc.boxLocal[3].message).toMatch(/^hooks\/smoke is a relative path: each box's engine would look for it from where it started/);

		const everywhere = write(s, 'everywhere.json', {name: 'checkout', target: {kind: 'exec', command: ['/usr/local/libexec/calyx/route']}, sanity: [{check: {kind: 'http', url: 'http://checkout.internal/health'}}]});
		const clean = await s.calyx(['service', 'check', '-f', everywhere]);
		expect(clean.code).toBe(0);
		expect(clean.stdout.trimEnd().split('\n').at(-1)).toBe('nothing in this definition is tied to this box (an etcd store: any box may lead)');
		expect((await s.calyx(['service', 'check', '-f', everywhere, '--strict'])).code).toBe(0);
	}, 60_000);
});
