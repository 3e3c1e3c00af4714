/**
 * From Prometheus answering a critical reading to the deployment halted and recorded: a live canary
 * on a Prometheus source (its error rate query answers 12.5%, critical above 2%), one engine cycle
 * in this process (`engineCycle`, as `calyx engine` runs it); the clock starts when the query's
 * answer is back in calyx (the driver's `queryInstant` resolved, body parsed) and stops when the
 * store's commit of the halt returns (durable: fsync'd). Median and p95 over 20 runs, against a floor
 * measured in the same run on the same store: one plain durable commit (an engine tick with nothing
 * live). Target ≤ 100 ms: the physical limit is the scrape interval plus the query window, not calyx.
 * A real Prometheus when installed (a constant query: no scrape to wait for); else a local server
 * answering Prometheus' HTTP API, and the output says so.
 * Run: node --import tsx bench/halt-latency.ts (npm run bench runs it).
 */
import '../test/setup-trust.js';
import {mkdtemp, rm} from 'node:fs/promises';
import {createServer} from 'node:http';
import type {AddressInfo} from 'node:net';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {cosign, definitionFor, iso, serviceStatement, signStatement, type Intent, type Lease, type ServiceDefinition} from '../src/core/index.js';
import {engineCycle} from '../src/drivers/engine-cycle.js';
import {queryInstant} from '../src/drivers/metrics/prometheus.js';
import type {PollOptions} from '../src/drivers/metrics/poll.js';
import {reconcileDeployment} from '../src/drivers/reconciler.js';
import {readForStart} from '../src/drivers/start-reading.js';
import {initStore} from '../src/store/index.js';
import {ensureDemoTrust} from '../src/store/trust.js';
import {prometheusAbsent, startPrometheus} from '../test/prometheus-harness.js';
import {approval, HOLDERS, registerHolders} from '../test/trust.js';
import {ms, ratio, stats, table} from './lib/stats.js';

const RUNS = 20;
const TARGET_MS = 100;
const CRITICAL = 12.5;

const root = await mkdtemp(join(tmpdir(), 'calyx-bench-halt-'));
process.env.XDG_STATE_HOME = join(root, 'state');

/** Prometheus' API as a stand-in answers it: build info for the start's probe, and the one value for any query. */
async function standIn(): Promise<{url: string; stop(): Promise<void>}> {
	const server = createServer((req, res) => {
		const data = req.url?.startsWith('/api/v1/status/buildinfo')
			? {version: 'stand-in'}
			: {resultType: 'vector', result: [{metric: {}, value: [Date.now() / 1000, String(CRITICAL)]}]};
		res.writeHead(200, {'content-type': 'application/json'}).end(JSON.stringify({status: 'success', data}));
	});
	await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
	return {
		url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
		stop: () => new Promise(resolve => (server.closeAllConnections(), server.close(() => resolve()))),
	};
}

const absent = prometheusAbsent();
const prom = absent ? await standIn() : await startPrometheus({targets: [], dir: join(root, 'prometheus')});
const source = absent ? `a local stand-in for Prometheus' HTTP API (${absent})` : `a real Prometheus (${prom.url})`;

const definition: ServiceDefinition = {
	name: 'web',
	target: {kind: 'simulated'},
	metrics: {
		source: 'prometheus',
		prometheus: {address: prom.url, timeout: '2s'},
		// The first reading right after the target confirms the tier: the bench times calyx, not the warm-up.
		initialDelay: '1ms',
		interval: '1s',
		checks: {errorRate: {query: `vector(${CRITICAL})`}},
	},
};

const {store} = await initStore(join(root, 'data'));
const env = {dataDir: store.dir, now: () => Date.now()};

// When each commit returned: the store's own runMany, timed as it resolves.
const commits: number[] = [];
const runMany = store.runMany.bind(store);
store.runMany = (async (...args: Parameters<typeof runMany>) => {
	const out = await runMany(...args);
	commits.push(performance.now());
	return out;
}) as typeof store.runMany;

// When the critical answer was back in calyx: the real driver call, timed as it resolves.
let answeredAt: number | undefined;
const query: NonNullable<PollOptions['query']> = async (settings, q, opts) => {
	const answer = await queryInstant(settings, q, opts);
	if (answer.ok && answer.value === CRITICAL) answeredAt = performance.now();
	return answer;
};
const cycleOpts = {query};

try {
	await registerHolders(store);
	const {admin} = ensureDemoTrust(process.env);
	await store.run({type: 'service.apply', actor: 'admin', statement: signStatement(serviceStatement(definition, 'bench', iso(Date.now())), [admin])});

	/** A canary of `web` confirmed at 5% by its target, started the way `calyx canary start` does (Prometheus probed). */
	async function liveCanary(n: number): Promise<string> {
		const {result: intent} = await store.run<Intent>({type: 'intent.create', actor: 'human:alice', service: 'web', fromVersion: '1.0.0', toVersion: `1.0.${n + 1}`});
		await store.run(approval(await store.read(), intent.id));
		const {result: lease} = await store.run<Lease>({type: 'lease.issue', actor: 'human:alice', intentId: intent.id, plan: {bakeMs: 3_600_000, minSamples: 1, autoRollback: false}});
		for (const role of ['human', 'agent'] as const) {
			const state = await store.read();
			const holder = HOLDERS[role];
			const signature = cosign(state.leases.find(l => l.id === lease.id)!, intent, role, holder.id, holder.privateKey, definitionFor(state, 'web'));
			await store.run({type: 'lease.cosign', actor: `${role}:${holder.id}`, leaseId: lease.id, role, keyId: holder.id, signature});
		}
		const reading = await readForStart(await store.read(), store.trust, lease.id, env);
		const {result} = await store.run<{id: string}>({type: 'canary.start', actor: 'human:alice', leaseId: lease.id, ...(reading ? {reading} : {})});
		await reconcileDeployment(store, env, result.id);
		return result.id;
	}

	const latency: number[] = [];
	const toCommit: number[] = [];
	const floor: number[] = [];
	for (let i = 0; i < RUNS; i++) {
		const dep = await liveCanary(i);
		// Past the 1 ms warm-up: the cycle's poll is due.
		await new Promise(resolve => setTimeout(resolve, 2));
		answeredAt = undefined;
		commits.length = 0;
		const calledAt = performance.now();
		await engineCycle(store, env, cycleOpts);
		const after = (await store.read()).deployments.find(d => d.id === dep)!;
		if (after.status !== 'halted' || after.halt?.trigger !== 'critical') throw new Error(`${dep} is ${after.status} after the cycle (${after.halt?.reason ?? after.hold?.reason ?? 'no reason'})`);
		if (answeredAt === undefined) throw new Error('the engine cycle did not run the bench\'s query: engineCycle no longer hands its options to pollCommands');
		// The halt's commit is the cycle's first after the answer (samples and tick in one batch).
		const committed = commits.find(t => t >= answeredAt!);
		if (committed === undefined) throw new Error(`${dep}: no commit after the answer`);
		latency.push(committed - answeredAt);
		toCommit.push(answeredAt - calledAt);
		// The floor on the same store, as large now as the halt found it: one durable commit, nothing live.
		const t0 = performance.now();
		await store.runMany([{type: 'tick', actor: 'engine'}]);
		floor.push(performance.now() - t0);
		// The service free again for the next run, on its stable version.
		await store.run({type: 'rollback', actor: 'human:alice', id: dep, reason: 'bench: next run'});
		await reconcileDeployment(store, env, dep);
	}

	const l = stats(latency);
	const f = stats(floor);
	const q = stats(toCommit);
	console.log(`critical reading answered → deployment halted and recorded (${RUNS} runs, ms; target ≤ ${TARGET_MS} ms)`);
	console.log(`source: ${source}\n`);
	console.log(
		table([
			['step', 'median', 'p95', 'vs floor (median)'],
			['cycle start → answer back (reconcile, read, query)', ms(q.median), ms(q.p95), ratio(q.median, f.median)],
			['answer back → halt committed (durable)', ms(l.median), ms(l.p95), ratio(l.median, f.median)],
			['floor: one plain durable commit, same store', ms(f.median), ms(f.p95), '1.0×'],
		]),
	);
	console.log(`\n${l.p95 <= TARGET_MS ? 'within' : 'OVER'} the target: p95 ${ms(l.p95)} ms (the answer becomes a metrics.record, committed with the tick in one batch)`);
} finally {
	await store.close();
	await prom.stop();
	await rm(root, {recursive: true, force: true});
}

