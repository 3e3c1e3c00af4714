/**
 * The exporter at 50 live canaries (ten services, each with samples in its window):
 *   - a scrape as Prometheus makes it (GET /metrics over HTTP: the lock-free state read, the
 *     gauges, the trail caught up, the exposition), with the exposition's size and series;
 *   - the gauges alone: what computing them on each engine cycle instead would cost per cycle
 *     (the state read they start from costs ~0.01 ms when nothing changed: the store's cache);
 *   - a scrape after 100 audit events were written since the last one (the trail's catch-up);
 *   - what the exporter adds to each engine cycle: the cycle's and a write's observations, and
 *     the timed store's call through its proxy (a read stands for a write: the same path, no disk).
 * Why the exporter computes on scrape: a scrape every 15 s pays the gauges once, a 1 s cycle would
 * pay them fifteen times. Run: node --import tsx bench/exporter.ts
 */
import {mkdtemp, rm} from 'node:fs/promises';
import {availableParallelism, loadavg, tmpdir} from 'node:os';
import {join} from 'node:path';
import {runDrill, systemClock} from '../src/core/index.js';
import {startExporter} from '../src/drivers/exporter/index.js';
import {ExporterMetrics} from '../src/drivers/exporter/metrics.js';
import {showState} from '../src/drivers/exporter/state-view.js';
import {initStore} from '../src/store/index.js';
import {ms, sample, stats, table, thousands} from './lib/stats.js';

const LIVE = 50;
const root = await mkdtemp(join(tmpdir(), 'calyx-bench-exporter-'));
process.env.XDG_STATE_HOME = join(root, 'state');
try {
	const {store} = await initStore(join(root, 'data'));
	// The drill's canaries never leave their first tier with an endless bake: 50 copies of its running one.
	const drill = runDrill({bakeMs: 1e12});
	const running = drill.state.deployments.find(d => d.status === 'running')!;
	const deployments = Array.from({length: LIVE}, (_, i) => ({...structuredClone(running), id: `DEP-20261126-${String(i + 101).padStart(3, '0')}`, service: `svc-${i % 10}`}));
	await store.mutate(state => ({state: {...state, keys: drill.state.keys, intents: drill.state.intents, leases: drill.state.leases, deployments}, events: [], result: null}));

	const exporter = await startExporter({listen: {host: '127.0.0.1', port: 0}, store, whileFollowing: 'serve'});
	exporter.follow({role: 'leader', onRoleChange: () => () => undefined});
	let body = '';
	const scrape = async () => {
		body = await (await fetch(exporter.url)).text();
	};
	const scrapes = stats(await sample(scrape, {iterations: 300, warmup: 20}));
	const series = body.split('\n').filter(l => l !== '' && !l.startsWith('#')).length;
	const perDeployment = body.split('\n').filter(l => l.includes('deployment="')).length;

	const state = await store.read();
	const metrics = new ExporterMetrics();
	const gauges = stats(await sample(() => showState(metrics, state, systemClock.now()), {iterations: 1000, warmup: 50}));

	const events = Array.from({length: 100}, (_, i) => ({...drill.events[i % drill.events.length]!, at: '2026-11-26T00:00:00.000Z'}));
	const write = () => store.mutate(s => ({state: s, events, result: null}));
	const behind = stats(await sample(async () => (await write(), await scrape()), {iterations: 30}));
	const written = stats(await sample(write, {iterations: 30}));
	const observed = stats(await sample(() => (exporter.ticked(12), metrics.write.observe(0.004)), {iterations: 10_000, warmup: 1000}));
	const proxied = stats(await sample(() => exporter.engineStore.read(), {iterations: 10_000, warmup: 1000}));
	const direct = stats(await sample(() => store.read(), {iterations: 10_000, warmup: 1000}));
	await exporter.close();

	console.log(`exporter at ${LIVE} live canaries (load average ${loadavg()[0]!.toFixed(2)} on ${availableParallelism()} cores)`);
	console.log(
		table([
			['figure', 'median ms', 'p95 ms'],
			['GET /metrics (read, gauges, trail, exposition, HTTP)', ms(scrapes.median), ms(scrapes.p95)],
			['the gauges alone (per cycle, if computed on each)', ms(gauges.median), ms(gauges.p95)],
			['100 events written, then GET /metrics', ms(behind.median), ms(behind.p95)],
			['  of which the 100 events written (no scrape)', ms(written.median), ms(written.p95)],
		]),
	);
	const us = (x: number) => `${(x * 1000).toFixed(1)} µs`;
	console.log(`per cycle: the two observations ${us(observed.median)}; a call through the timed store ${us(proxied.median)} against ${us(direct.median)} direct`);
	console.log(`exposition: ${thousands(Buffer.byteLength(body))} bytes, ${thousands(series)} samples (${thousands(perDeployment)} of them per deployment)`);
	console.log(`on each 1 s cycle the gauges would cost ${ms(gauges.median * 15)} ms per 15 s; on scrape, ${ms(scrapes.median)} ms per 15 s scrape`);
} finally {
	await rm(root, {recursive: true, force: true});
}
