/**
 * calyx's own metrics scraped by a real Prometheus: `calyx engine --metrics-listen` over a data
 * directory with a live canary, a value read back through Prometheus' HTTP API, a halt from the
 * CLI counted; and the example alerting rules checked by promtool. Also the option's bad input.
 */
import {spawn, spawnSync, type ChildProcess} from 'node:child_process';
import {mkdtempSync, rmSync} from 'node:fs';
import {createServer, type AddressInfo} from 'node:net';
import {tmpdir} from 'node:os';
import {join, resolve} from 'node:path';
import {afterAll, afterEach, beforeAll, describe, expect, it} from 'vitest';
import {BIN, sandbox, signedLease, snapshot} from '../cli/helpers.js';
import {until} from '../drivers/haproxy-harness.js';
import {prometheusAbsent, startPrometheus, waitForSeries, type RunningPrometheus} from '../prometheus-harness.js';

const EXAMPLES = resolve(import.meta.dirname, '../../examples/alerts');

interface Engine {
	child: ChildProcess;
	url: string;
	out(): string;
}

const engines: ChildProcess[] = [];
afterEach(() => {
	for (const child of engines.splice(0)) child.kill('SIGKILL');
});

/** `calyx engine --metrics-listen 127.0.0.1:0`, once it says where its metrics are. */
async function engineWithMetrics(env: NodeJS.ProcessEnv): Promise<Engine> {
	const child = spawn(process.execPath, [BIN, 'engine', '--interval', '300ms', '--metrics-listen', '127.0.0.1:0'], {env, stdio: ['ignore', 'pipe', 'pipe']});
	engines.push(child);
	let out = '';
	child.stdout!.on('data', d => (out += d));
	child.stderr!.on('data', d => (out += d));
	let url: string | undefined;
	await until(() => child.exitCode !== null || (url = /^metrics: (http:\/\/127\.0\.0\.1:\d+\/metrics)$/m.exec(out)?.[1]) !== undefined, 15_000, 'the engine to say where its metrics are');
	if (!url) throw new Error(`engine ended (${child.exitCode}): ${out}`);
	return {child, url, out: () => out};
}

/** One instant query through Prometheus' HTTP API: each series' labels and value. */
async function query(prom: string, promql: string): Promise<Array<{metric: Record<string, string>; value: number}>> {
	const res = await fetch(`${prom}/api/v1/query?${new URLSearchParams({query: promql})}`, {signal: AbortSignal.timeout(2000)});
	const body = (await res.json()) as {status: string; data: {result: Array<{metric: Record<string, string>; value: [number, string]}>}};
	expect(body.status).toBe('success');
	return body.data.result.map(r => ({metric: r.metric, value: Number(r.value[1])}));
}

const absent = prometheusAbsent();
// CI installs Prometheus, promtool with it (.ci/run sets CALYX_TEST_REQUIRE): there, a missing binary is a broken setup, not a reason to skip.
const required = Boolean(process.env.CI) || (process.env.CALYX_TEST_REQUIRE ?? '').split(',').includes('prometheus');
if (absent && required) throw new Error(`the exporter's Prometheus tests are required here: ${absent}`);
if (absent) console.log(`skipping the exporter's real-Prometheus tests: ${absent}`);

describe.skipIf(absent !== undefined)('a real Prometheus scrapes calyx engine --metrics-listen', () => {
	const dir = mkdtempSync(join(tmpdir(), 'calyx-exporter-'));
	let prom: RunningPrometheus | undefined;
	afterAll(async () => {
		await prom?.stop();
		rmSync(dir, {recursive: true, force: true});
	});

	it('reads a live canary through the HTTP API, and counts a halt the CLI writes', async () => {
		const s = sandbox();
		// A long bake: the canary stays live at 5% whatever the engine does.
		const {leaseId} = await signedLease(s, ['--bake', '15m', '--min-samples', '1']);
		const dep = (await s.calyx(['canary', 'start', leaseId])).stdout.split('\n')[0]!;
		const engine = await engineWithMetrics(s.env);
		expect(engine.out()).toMatch(/^leader: driving/);
		// Only GET /metrics.
		expect((await fetch(engine.url.replace('/metrics', '/'))).status).toBe(404);
		prom = await startPrometheus({targets: [new URL(engine.url).host], scrapeInterval: '1s', dir: join(dir, 'prometheus')});

		const percent = `calyx_deployment_canary_percent{deployment="${dep}"}`;
		await waitForSeries(prom.url, percent, 30_000);
		expect(await query(prom.url, percent)).toEqual([{metric: expect.objectContaining({__name__: 'calyx_deployment_canary_percent', deployment: dep, service: 'checkout', job: 'targets'}), value: 5}]);
		expect((await query(prom.url, 'calyx_engine_leader')).map(r => r.value)).toEqual([1]);
		expect((await query(prom.url, `calyx_deployment_status{deployment="${dep}"}`)).map(r => r.metric.status)).toEqual(['running']);

		const halt = await s.calyx(['canary', 'halt', dep, '--reason', 'pager: checkout latency']);
		expect(halt.code).toBe(0);
		const halted = `calyx_halts_total{trigger="manual"} == 1 and on() calyx_deployment_status{deployment="${dep}",status="halted"} == 1`;
		await waitForSeries(prom.url, halted, 20_000);
		// The tick's histogram has observations of the engine's cycles.
		expect((await query(prom.url, 'calyx_engine_tick_duration_seconds_count'))[0]!.value).toBeGreaterThan(0);

		engine.child.kill('SIGTERM');
		await until(() => engine.child.exitCode !== null, 10_000, 'the engine to stop');
		expect(engine.child.exitCode).toBe(0);
	});

	it('the example alerting rules pass promtool check rules and their own promtool tests', () => {
		const check = spawnSync('promtool', ['check', 'rules', 'calyx.rules.yaml'], {cwd: EXAMPLES, encoding: 'utf8', timeout: 20_000});
		expect(check.status, check.stdout + check.stderr).toBe(0);
		expect(check.stdout).toMatch(/SUCCESS: 2 rules found/);
		const test = spawnSync('promtool', ['test', 'rules', 'calyx.rules.test.yaml'], {cwd: EXAMPLES, encoding: 'utf8', timeout: 20_000});
		expect(test.status, test.stdout + test.stderr).toBe(0);
	});
});

describe('--metrics-listen refuses bad input: exit 2, naming the option, nothing written', () => {
	let s: ReturnType<typeof sandbox>;
	beforeAll(async () => {
		s = sandbox();
		expect((await s.calyx(['init'])).code).toBe(0);
	});

	it('an address that is not host:port', async () => {
		const before = snapshot(s.data);
		for (const bad of ['9464', 'localhost', '127.0.0.1:99999', 'exa mple:1']) {
			const run = await s.calyx(['engine', '--metrics-listen', bad]);
			expect(run.code, bad).toBe(2);
			expect(run.stderr).toMatch(/--metrics-listen/);
			expect(run.stderr).toMatch(/allowed: host:port/);
		}
		expect(snapshot(s.data)).toEqual(before);
	});

	it('a port in use', async () => {
		const taken = createServer();
		await new Promise<void>(done => taken.listen(0, '127.0.0.1', done));
		try {
			const port = (taken.address() as AddressInfo).port;
			const before = snapshot(s.data);
			const run = await s.calyx(['engine', '--metrics-listen', `127.0.0.1:${port}`]);
			expect(run.code).toBe(2);
			expect(run.stderr).toBe(`calyx: --metrics-listen: cannot listen on 127.0.0.1:${port}: the port is in use by another process (EADDRINUSE)\n`);
			expect(run.stdout).toBe('');
			expect(snapshot(s.data)).toEqual(before);
		} finally {
			await new Promise(done => taken.close(done));
		}
	});

	it('with --once, which ends before anyone scrapes', async () => {
		const run = await s.calyx(['engine', '--once', '--metrics-listen', '127.0.0.1:0']);
		expect(run.code).toBe(2);
		expect(run.stderr).toMatch(/--metrics-listen serves a running engine: not with --once/);
	});
});
