/**
 * The gate on real metrics, end to end through the built CLI: HAProxy (Debian's) in front of a
 * stable and a canary server, its built-in Prometheus exporter scraped every second by a real
 * Prometheus, a steady load through HAProxy, and the service's definition reading each server's
 * error rate and success share from the router's own counters. A healthy canary goes 5 → 25 → 100
 * on those readings; one whose server fails 10% of its requests is halted at the first tier and
 * rolled back (and HAProxy then answers no 5xx); with Prometheus gone mid-canary the gate holds on
 * "no data" and the error budget halts it, without a rollback.
 */
import {mkdtemp, rm, writeFile} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {dirname, join} from 'node:path';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {HaproxyDriver} from '../../src/drivers/targets/haproxy.js';
import {freePort, haproxyAbsent, startBackend, startHaproxy, until, type Backend, type Haproxy} from '../drivers/haproxy-harness.js';
import {prometheusAbsent, startPrometheus, waitForSeries, type RunningPrometheus} from '../prometheus-harness.js';
import {cliOf} from './cli-rig.js';
import {answered, exporterFrontend, haproxyMetrics, startFaultyBackend, startLoad, tallyAnswers, type FaultyBackend, type Load} from './prometheus-rig.js';
import {openStore} from '../../src/store/index.js';
import {sandbox, type Sandbox} from './tmux.js';

const absent = haproxyAbsent() ?? prometheusAbsent();
const wanted = (process.env.CALYX_TEST_REQUIRE ?? '').split(',');
const required = Boolean(process.env.CI) || wanted.includes('haproxy') || wanted.includes('prometheus');
if (absent && required) throw new Error(`the Prometheus pipeline test is required here: ${absent}`);
if (absent) console.log(`skipping the Prometheus pipeline test: ${absent}`);

type Doc = Record<string, any>;
/** Requests per second through HAProxy: at 5%, ~4 a second reach the canary, ~20 in a 5 s window. */
const LOAD = 80;
/** The error budget of the third case: three failed polls in a row halt. */
const ERROR_LIMIT = 3;
/** A tier takes its warm-up (window 5 s + two 1 s scrapes) plus two 1 s polls: a deadline well past it. */
const TIER_MS = 30_000;
const PLAN = ['--tiers', '5,25,100', '--min-samples', '2'];
/** The definition's warm-up after each tier: its window (5 s) plus two scrapes (1 s each). */
const WARM_UP_MS = 7_000;

describe.skipIf(absent !== undefined)('the gate reads a real Prometheus scraping a real HAProxy', () => {
	let dir: string;
	let stable: Backend;
	let canary: FaultyBackend;
	let hx: Haproxy;
	let prom: RunningPrometheus;
	let haproxy: HaproxyDriver;
	let load: Load;
	let cli: ReturnType<typeof cliOf>;
	let box: Sandbox;
	const durations: Record<string, number> = {};

	const weights = async () => {
		const r = await haproxy.read({signal: AbortSignal.timeout(5000)});
		return {stable: r.stable.weight, canary: r.canary.weight, percent: r.canaryPercent};
	};
	/** Polls `canary status` until `test` holds, and answers that status. */
	const statusWhen = async (dep: string, test: (s: Doc) => boolean, what: string, ms = TIER_MS): Promise<Doc> => {
		let seen: Doc = {};
		await until(async () => test((seen = await cli.status(dep))), ms, `${dep}: ${what}`).catch((error: Error) => {
			throw new Error(`${error.message}; last status: ${JSON.stringify({status: seen.status, percent: seen.percent, gate: seen.gate?.summary, hold: seen.hold, halt: seen.halt})}`);
		});
		return seen;
	};
	const feed = (s: Doc, metric: string): Doc | undefined => (s.gate?.metrics as Doc[] | undefined)?.find(m => m.metric === metric)?.feed;
	/** A test that failed half way leaves no live canary to the next one: it is rolled back. */
	const leave = async (dep: string | undefined) => {
		if (dep === undefined) return;
		const s = await cli.status(dep);
		if (s.active || s.status === 'halted') await cli.calyx(['rollback', dep, '--reason', 'e2e: the test ended']);
	};
	/** Every sample recorded for a deployment, read from the data directory as the CLI's store does. */
	const samplesOf = async (dep: string): Promise<Doc[]> => {
		const store = await openStore(box.data);
		try {
			return await store.samples(dep);
		} finally {
			await store.close();
		}
	};
	const start = async (lease: string) => {
		const started = await cli.calyx(['canary', 'start', lease]);
		expect(started.code, started.stderr).toBe(0);
		expect(started.stdout).toContain('target: 5% · confirmed by the haproxy target');
		return started.stdout.split('\n')[0]!;
	};

	beforeAll(async () => {
		const t0 = performance.now();
		dir = await mkdtemp(join(tmpdir(), 'calyx-prom-e2e-'));
		stable = await startBackend('v1');
		canary = await startFaultyBackend('v2');
		const statsPort = await freePort();
		hx = await startHaproxy(dir, {stablePort: stable.port, canaryPort: canary.port, extra: exporterFrontend(statsPort)});
		prom = await startPrometheus({targets: [`127.0.0.1:${statsPort}`], scrapeInterval: '1s', dir: join(dir, 'prometheus')});
		load = startLoad(hx.port, LOAD);
		const settings = {kind: 'haproxy', socket: hx.socket, backend: 'app', servers: {stable: 'stable', canary: 'canary'}, config: hx.config, timeoutMs: 2000};
		haproxy = HaproxyDriver.from(settings);
		box = sandbox('1h', true);
		cli = cliOf(box);
		const definition = join(dir, 'web.json');
		await writeFile(definition, JSON.stringify({name: 'web', target: settings, metrics: haproxyMetrics(prom.url, {consecutiveErrorLimit: ERROR_LIMIT})}));
		const applied = await cli.calyx(['service', 'apply', '-f', definition, '--reason', 'web behind HAProxy, read by Prometheus']);
		expect(applied.code, applied.stderr).toBe(0);
		// Prometheus applies its targets every 5 s: the first rate answers some 6–7 s after its start.
		await waitForSeries(prom.url, 'sum(rate(haproxy_server_http_responses_total{proxy="app",server="stable",code="2xx"}[5s])) > 0', 20_000);
		durations.setup = performance.now() - t0;
	}, 60_000);

	afterAll(async () => {
		await cli?.stopEngines();
		await load?.stop();
		await prom?.stop();
		await hx?.stop();
		await Promise.all([stable?.close(), canary?.close()]);
		await rm(dir, {recursive: true, force: true});
		if (box) await rm(dirname(box.data), {recursive: true, force: true});
		console.log(`prometheus pipeline (ms): ${JSON.stringify(Object.fromEntries(Object.entries(durations).map(([k, v]) => [k, Math.round(v)])))}`);
	});

	it('a healthy canary goes 5 → 25 → 100 % on Prometheus readings of HAProxy, and completes', async () => {
		const t0 = performance.now();
		const traffic = load.tally();
		const dep = await start(await cli.signedLease('1.0.0', '2.0.0', [...PLAN, '--bake', '3s']));
		const engine = cli.startEngine();
		try {
			// The gate says where its readings come from while the canary is live (a feed keeps its last reading across tiers).
			const live = await statusWhen(dep, x => x.status === 'completed' || feed(x, 'errorRate')?.at !== undefined, 'a first Prometheus reading');
			expect(live.status).not.toBe('completed');
			expect([feed(live, 'errorRate')?.source, feed(live, 'tesDelta')?.source]).toEqual(['prometheus', 'prometheus']);
			const done = await statusWhen(dep, x => !x.active, 'completed', 2 * TIER_MS);
			expect(done).toMatchObject({status: 'completed', percent: 100});
			expect(await weights()).toEqual({stable: 0, canary: 100, percent: 100});
			const events = (await cli.json(['audit', 'list', '--deployment', dep])).events as Doc[];
			expect(events.filter(e => e.kind === 'canary.promoted').map(e => [e.data.from, e.data.to])).toEqual([
				[5, 25],
				[25, 100],
				[100, 100],
			]);
			// Every answer through HAProxy on the way was a 200, from either version: the weights moved under load.
			const during = load.tally();
			expect(answered(during, '200') - answered(traffic, '200')).toBeGreaterThan(0);
			expect(Object.keys(during).filter(k => !k.startsWith('200 '))).toEqual([]);
			// No data, no error on the way: every tier passed on values.
			expect(events.filter(e => e.kind.startsWith('metrics.'))).toEqual([]);
			// Each tier was judged on readings of that tier alone: taken after HAProxy confirmed it (and
			// its warm-up), before the promotion out of it; nothing else records samples here.
			const samples = await samplesOf(dep);
			for (const percent of [5, 25, 100]) {
				const applied = events.find(e => e.kind === 'canary.tier_applied' && e.data.percent === percent)!;
				const promoted = events.find(e => e.kind === 'canary.promoted' && e.data.from === percent)!;
				const tier = samples.filter(x => x.at >= applied.at && x.at <= promoted.at);
				expect(tier.length, `${percent}%: ${JSON.stringify(samples)}`).toBeGreaterThanOrEqual(2);
				expect(Date.parse(tier[0]!.at) - Date.parse(applied.at)).toBeGreaterThanOrEqual(WARM_UP_MS);
				expect(tier.map(x => x.errorRate)).toEqual(tier.map(() => 0));
				// At 100% the stable server has no traffic left to compare with: TES Δ is compared below it.
				if (percent < 100) expect(tier.map(x => [x.tesDelta, x.tes])).toEqual(tier.map(() => [0, {canary: 100, stable: 100}]));
			}
		} finally {
			await cli.stopEngine(engine);
			await leave(dep);
		}
		durations.healthy = performance.now() - t0;
	}, 120_000);

	it('a canary server failing 10% of its requests is halted by the error rate at 5% and rolled back; HAProxy then answers no 5xx', async () => {
		const t0 = performance.now();
		await haproxy.apply(0, {signal: AbortSignal.timeout(5000)});
		canary.failEvery(10);
		const before = load.tally();
		const dep = await start(await cli.signedLease('2.0.0', '3.0.0', [...PLAN, '--bake', '3s']));
		const engine = cli.startEngine();
		try {
			const s = await statusWhen(dep, x => x.status === 'rolled_back' || x.status === 'rollback_failed', 'rolled back');
			expect(s).toMatchObject({status: 'rolled_back', percent: 5, halt: {trigger: 'critical'}, rollback: {trigger: 'automatic', verified: true}});
			expect(s.halt.reason).toMatch(/error rate/i);
			expect(await weights()).toEqual({stable: 100, canary: 0, percent: 0});
			// The fault was real: the load met the canary's 500s through HAProxy while it had traffic.
			expect(answered(load.tally(), '500') - answered(before, '500')).toBeGreaterThan(0);
			const after = await tallyAnswers(hx.port, 200);
			expect(after).toEqual({'200 v1': 200});
		} finally {
			await cli.stopEngine(engine);
			await leave(dep);
			canary.failEvery(undefined);
		}
		durations.faulty = performance.now() - t0;
	}, 120_000);

	it('with Prometheus gone mid-canary the gate holds on "no data", then the error budget halts it, without a rollback', async () => {
		const t0 = performance.now();
		// A bake of an hour: the canary stays at 5% and running (bake holds are no hold) whatever it reads.
		const dep = await start(await cli.signedLease('3.0.0', '4.0.0', [...PLAN, '--bake', '1h']));
		const engine = cli.startEngine();
		try {
			const before = await statusWhen(dep, x => feed(x, 'errorRate')?.at !== undefined, 'a first Prometheus reading');
			expect(before.status).toBe('running');
			await prom.stop();
			const stopped = performance.now();
			const halted = await statusWhen(dep, x => !x.active, 'halted by the error budget');
			durations.outageToHalt = performance.now() - stopped;
			expect(halted).toMatchObject({status: 'halted', percent: 5, halt: {trigger: 'metrics'}});
			expect(halted.rollback).toBeUndefined();
			expect(halted.halt.reason).toMatch(new RegExp(`the query failed ${ERROR_LIMIT} times in a row \\(limit ${ERROR_LIMIT}\\): ((canary|stable): )?cannot reach Prometheus at http://127\\.0\\.0\\.1:\\d+`));
			// Halted, not rolled back: the router keeps the tier it had confirmed.
			expect(await weights()).toEqual({stable: 95, canary: 5, percent: 5});
			// Between the two, the trail has the hold on no data (it lasts two polls: read from the record, not caught live).
			const events = (await cli.json(['audit', 'list', '--deployment', dep])).events as Doc[];
			const outage = events.findIndex(e => e.kind === 'metrics.error');
			expect(outage).toBeGreaterThan(-1);
			expect(events.slice(outage).filter(e => e.kind.startsWith('deployment.')).map(e => e.kind)).toEqual(['deployment.holding', 'deployment.halted']);
			const hold = events.find(e => e.kind === 'deployment.holding')!;
			expect(hold.reason).toMatch(/^no data from (error rate|TES) since \d\d:\d\d:\d\d UTC: query failed 1× \(((canary|stable): )?cannot reach Prometheus/);
			expect(events.find(e => e.kind === 'deployment.halted')!.data).toMatchObject({from: 'holding', trigger: 'metrics'});
		} finally {
			await cli.stopEngine(engine);
			await leave(dep);
		}
		durations.outage = performance.now() - t0;
	}, 120_000);
});
