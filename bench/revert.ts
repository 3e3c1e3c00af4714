/**
 * From a critical sample recorded to the router reverted: a canary at 5% on a real HAProxy, led by
 * an engine loop in this process; another store handle (as another process would, `calyx metrics
 * push`) records a critical sample; the clock stops when HAProxy's own `show servers state` says
 * the canary has weight 0. Median and p95 over 20 runs, against a floor measured in the same run:
 * the driver's revert alone (set the weights, read them back, persist the config). Target ≤ 250 ms.
 * Run: node --import tsx bench/revert.ts (needs haproxy; npm run bench runs it).
 */
import '../test/setup-trust.js';
import {mkdtemp, rm} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {cosign, definitionFor, iso, serviceStatement, signStatement, type Intent, type Lease, type ServiceDefinition} from '../src/core/index.js';
import {startEngineLoop} from '../src/drivers/engine-loop.js';
import {reconcileDeployment} from '../src/drivers/reconciler.js';
import {readTarget, resolveTarget} from '../src/drivers/targets/resolve.js';
import {HaproxyDriver} from '../src/drivers/targets/haproxy.js';
import {runtimeCall, parseServersState} from '../src/drivers/targets/haproxy-socket.js';
import {initStore, openStore} from '../src/store/index.js';
import {ensureDemoTrust} from '../src/store/trust.js';
import {haproxyAbsent, startBackend, startHaproxy} from '../test/drivers/haproxy-harness.js';
import {approval, HOLDERS, registerHolders} from '../test/trust.js';
import {ms, ratio, stats, table} from './lib/stats.js';

const RUNS = 20;
const TARGET_MS = 250;
const absent = haproxyAbsent();
if (absent) {
	console.error(`bench:revert: ${absent}`);
	process.exit(2);
}

const root = await mkdtemp(join(tmpdir(), 'calyx-bench-revert-'));
const stable = await startBackend('v1');
const canary = await startBackend('v2');
const hx = await startHaproxy(root, {stablePort: stable.port, canaryPort: canary.port});
const settings = {kind: 'haproxy' as const, socket: hx.socket, backend: 'app', servers: {stable: 'stable', canary: 'canary'}, config: hx.config, timeoutMs: 2000};
const definition: ServiceDefinition = {name: 'web', target: settings};
const signal = new AbortController().signal;
const driver = HaproxyDriver.from(settings);

/** HAProxy's own word on the canary's weight: one `show servers state`, parsed. */
async function canaryWeight(): Promise<number> {
	const [out] = await runtimeCall(hx.socket, ['show servers state app'], {signal});
	return parseServersState(out!, 'app').get('canary')!.weight;
}

const {store} = await initStore(join(root, 'data'));
const other = await openStore(join(root, 'data'));
const drivers = {dataDir: store.dir};
try {
	await registerHolders(store);
	const {admin} = ensureDemoTrust(process.env);
	await store.run({type: 'service.apply', actor: 'admin', statement: signStatement(serviceStatement(definition, 'bench', iso(Date.now())), [admin])});

	/** A canary of `web` confirmed at 5% on HAProxy, started the way `calyx canary start` does. */
	async function liveCanary(n: number): Promise<string> {
		const {result: intent} = await store.run<Intent>({type: 'intent.create', actor: 'human:alice', service: 'web', fromVersion: `1.0.${n}`, toVersion: `1.0.${n + 1}`});
		await store.run(approval(await store.read(), intent.id));
		const {result: lease} = await store.run<Lease>({type: 'lease.issue', actor: 'human:alice', intentId: intent.id, plan: {bakeMs: 3_600_000, minSamples: 1}});
		for (const role of ['human', 'agent'] as const) {
			const state = await store.read();
			const holder = HOLDERS[role];
			const signature = cosign(state.leases.find(l => l.id === lease.id)!, intent, role, holder.id, holder.privateKey, definitionFor(state, 'web'));
			await store.run({type: 'lease.cosign', actor: `${role}:${holder.id}`, leaseId: lease.id, role, keyId: holder.id, signature});
		}
		const reading = await readTarget(resolveTarget('web', drivers, {definition}), signal);
		const {result} = await store.run<{id: string}>({type: 'canary.start', actor: 'human:alice', leaseId: lease.id, reading});
		await reconcileDeployment(store, drivers, result.id);
		return result.id;
	}

	// The floor: the revert itself, without the engine (weights set, read back, config persisted).
	const floor: number[] = [];
	for (let i = 0; i < RUNS; i++) {
		await driver.apply(5, {signal});
		const t0 = performance.now();
		await driver.apply(0, {signal});
		floor.push(performance.now() - t0);
	}

	const engine = await startEngineLoop(store, {intervalMs: 1000});
	const revert: number[] = [];
	const commit: number[] = [];
	try {
		for (let i = 0; i < RUNS; i++) {
			const dep = await liveCanary(i);
			if ((await canaryWeight()) !== 5) throw new Error(`${dep} is not at 5% on HAProxy`);
			const t0 = performance.now();
			await other.run({type: 'metrics.record', actor: 'agent:probe', id: dep, sample: {tesDelta: -6.5}});
			commit.push(performance.now() - t0);
			while ((await canaryWeight()) !== 0) {
				if (performance.now() - t0 > 10_000) throw new Error(`${dep}: HAProxy still sends traffic to the canary 10 s after the critical sample`);
			}
			revert.push(performance.now() - t0);
			// The next run starts from a verified rollback, not from one still being recorded.
			for (let spin = 0; (await store.read()).deployments.find(d => d.id === dep)?.status !== 'rolled_back'; spin++) {
				if (spin > 2000) throw new Error(`${dep} was reverted but never recorded as rolled back`);
				await new Promise(resolve => setTimeout(resolve, 5));
			}
		}
	} finally {
		await engine.stop();
	}

	const r = stats(revert);
	const c = stats(commit);
	const f = stats(floor);
	console.log(`critical sample → HAProxy reverted (${RUNS} runs, ms; target ≤ ${TARGET_MS} ms)\n`);
	console.log(
		table([
			['step', 'median', 'p95', 'vs floor (median)'],
			['sample committed (another store handle)', ms(c.median), ms(c.p95), ratio(c.median, f.median)],
			['sample → weights read back at 0', ms(r.median), ms(r.p95), ratio(r.median, f.median)],
			['floor: the driver revert alone', ms(f.median), ms(f.p95), '1.0×'],
		]),
	);
	console.log(`\n${r.p95 <= TARGET_MS ? 'within' : 'OVER'} the target: p95 ${ms(r.p95)} ms (the leader hears the write through the store's watch, then reconciles)`);
} finally {
	await other.close();
	await store.close();
	await hx.stop();
	await Promise.all([stable.close(), canary.close()]);
	await rm(root, {recursive: true, force: true});
}
