/**
 * The etcd store beside the file store, on a real 3-member cluster on loopback started here:
 * one mutation (metrics.record through the engine, 50 live canaries) in turns with the floor of
 * one bare etcd transaction (compare a key's revision, put a value the size of the state's meta and
 * one audit key) and with the same mutation on a file store; the change feed's delay (a commit's
 * acknowledgement to another client's notice); and the engine's takeover when its leader is killed.
 * The mutation is measured again with 1,000 and 10,000 ended deployments in the archive
 * (CALYX_BENCH_SCALES): a write never reads the archive, so its cost should not follow them.
 * Run: node --import tsx bench/etcd.ts (needs etcd: apt-get install etcd-server etcd-client).
 */
import {randomBytes} from 'node:crypto';
import {spawn} from 'node:child_process';
import {mkdtemp, rm} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {initialState, ManualClock, runDrill, type State} from '../src/core/index.js';
import {recordOps} from '../src/store/etcd/archive.js';
import {connectEtcdStore, initEtcdStore, openEtcdStore, parseStoreUrl} from '../src/store/etcd/index.js';
import {DEFAULT_TTL_S} from '../src/store/etcd/leader.js';
import {initStore, type BatchStore} from '../src/store/index.js';
import {etcdAbsent, startCluster} from '../test/helpers/etcd-cluster.js';
import {endedId, healthy, liveId} from './lib/scale.js';
import {interleaved, load, ms, ratio, stats, table, thousands} from './lib/stats.js';

const LIVE = 50;
const ROUNDS = Number(process.env.CALYX_BENCH_ROUNDS ?? 200);
const TARGET_P95_MS = 25;
const TAKEOVERS = 3;
const SCALES = (process.env.CALYX_BENCH_SCALES ?? '1000,10000').split(',').map(Number);

const absent = etcdAbsent();
if (absent) {
	console.log(`bench:etcd skipped: ${absent}`);
	process.exit(0);
}
const root = await mkdtemp(join(tmpdir(), 'calyx-bench-etcd-'));
process.env.XDG_STATE_HOME = join(root, 'state');
const cluster = await startCluster();
const targetAt = (name: string) => {
	const t = parseStoreUrl(`${cluster.url}/${name}`);
	if ('problem' in t) throw new Error(t.problem);
	return t;
};

/** 50 running canaries (a drill's, which never leave their first tier), as the store bench's live ones. */
function liveState(base: State): State {
	const drill = runDrill({bakeMs: 1e12});
	const running = drill.state.deployments.find(d => d.status === 'running')!;
	const deployments = Array.from({length: LIVE}, (_, i) => ({...structuredClone(running), id: liveId(i), service: `svc-${i % 10}`}));
	return {...base, keys: drill.state.keys, intents: drill.state.intents, leases: drill.state.leases, deployments};
}

const recorder = (store: BatchStore) => {
	const clock = new ManualClock('2026-11-26T00:00:00Z');
	return (i: number) => store.run({type: 'metrics.record', actor: 'agent:bench', id: liveId(Math.abs(i) % LIVE), sample: healthy}, {clock: (clock.advance(1000), clock)});
};

async function seeded(store: BatchStore): Promise<(i: number) => Promise<unknown>> {
	await store.mutate(state => ({state: liveState(state), events: [], result: null}));
	return recorder(store);
}

/** A store with the 50 live canaries and `ended` deployments in its archive (their keys written as a commit writes them). */
async function withEnded(ended: number): Promise<{store: BatchStore; record: (i: number) => Promise<unknown>}> {
	const store = await connectEtcdStore(targetAt(`ended${ended}-${randomBytes(3).toString('hex')}`));
	const finished = runDrill().state.deployments.find(d => d.status === 'completed')!;
	const extra = Array.from({length: ended}, (_, i) =>
		recordOps(store.keys, {deployment: {...structuredClone(finished), id: endedId(i)}, leases: []}, 1 + Math.floor(i / 1000), i % 1000).ops.map(op => ({key: op.key, value: op.value!})),
	).flat();
	await store.create(liveState(initialState()), extra);
	return {store, record: recorder(store)};
}


try {
	const benchName = `bench${randomBytes(4).toString('hex')}`;
	const etcd = (await initEtcdStore(targetAt(benchName))).store;
	const file = (await initStore(join(root, 'file'))).store;
	const [etcdRecord, fileRecord] = [await seeded(etcd), await seeded(file)];
	// The floor: one transaction of the same shape and size as a commit's, without calyx around it.
	const meta = Buffer.alloc(2_000, 'm');
	const line = Buffer.alloc(600, 'a');
	const client = (etcd as unknown as {parts: {client: import('etcd3').Etcd3}}).parts.client;
	let floorRev = '0';
	const floor = async (i: number) => {
		const res = await client.if('bench/floor', 'Mod', '==', floorRev).then(client.put('bench/floor').value(meta), client.put(`bench/a/${i}`).value(line)).commit();
		floorRev = String(res.header.revision);
	};
	await client.put('bench/floor').value(meta);
	floorRev = String((await client.get('bench/floor').exec()).kvs[0]!.mod_revision);
	const {samples} = await interleaved({floor, etcd: etcdRecord, file: fileRecord}, {rounds: ROUNDS, warmup: 10});
	const [f, e, fs] = [stats(samples.floor), stats(samples.etcd), stats(samples.file)];
	console.log(`One mutation (metrics.record through the engine), ${LIVE} live canaries, ${ROUNDS} rounds in turns; ${load()}:`);
	console.log(
		table([
			['store', 'median', 'p95', 'p95 / etcd floor p95', 'target p95'],
			['etcd floor (one bare txn: compare + 2 puts)', ms(f.median), ms(f.p95), '1.0×', '-'],
			['etcd store (3 members, loopback)', ms(e.median), ms(e.p95), ratio(e.p95, f.p95), `≤ ${TARGET_P95_MS} ms ${e.p95 <= TARGET_P95_MS ? 'ok' : 'MISSED'}`],
			['file store (same box)', ms(fs.median), ms(fs.p95), ratio(fs.p95, f.p95), '-'],
		]),
	);

	// The same mutation whatever the number of ended deployments: the archive is never read by a write.
	const rows: Array<Array<string>> = [];
	for (const ended of SCALES) {
		const at = await withEnded(ended);
		const {samples: s2} = await interleaved({floor, etcd: at.record}, {rounds: ROUNDS, warmup: 10});
		const [f2, e2] = [stats(s2.floor), stats(s2.etcd)];
		rows.push([thousands(ended), ms(e2.median), ms(e2.p95), ms(f2.p95), ratio(e2.p95, f2.p95), `≤ ${TARGET_P95_MS} ms ${e2.p95 <= TARGET_P95_MS ? 'ok' : 'MISSED'}`]);
		await at.store.close();
	}
	console.log(`\nThe same mutation with ${LIVE} live and N ended deployments in the etcd archive (${load()}):`);
	console.log(table([['ended', 'median', 'p95', 'floor p95', 'p95 / floor p95', 'target p95'], ...rows]));

	// The change feed: from a commit's acknowledgement to the notice of a watch opened by another client.
	const reader = await openEtcdStore(targetAt(benchName));
	let told: (() => void) | undefined;
	const stop = reader.watch(what => what.state && told?.());
	await new Promise(resolve => setTimeout(resolve, 300));
	const delays: number[] = [];
	for (let i = 0; i < 50; i++) {
		const noticed = new Promise<void>(resolve => (told = resolve));
		await etcdRecord(i);
		const acked = performance.now();
		await noticed;
		delays.push(performance.now() - acked);
	}
	stop();
	const w = stats(delays);
	console.log(`\nChange feed: a commit's acknowledgement to another client's notice (one per watch reply), 50 commits: median ${ms(w.median)} ms, p95 ${ms(w.p95)} ms`);
	await reader.close();

	// Takeover: a leader in another process is SIGKILLed; this process follows and leads once its lease lapses.
	const takeovers: number[] = [];
	for (let t = 0; t < TAKEOVERS; t++) {
		const name = `take${randomBytes(4).toString('hex')}`;
		const store = (await initEtcdStore(targetAt(name))).store;
		const fixture = join(import.meta.dirname, '../test/store/fixtures/etcd-leader.ts');
		const child = spawn(process.execPath, ['--import', 'tsx', fixture, `${cluster.url}/${name}`, 'bench', String(DEFAULT_TTL_S * 1000)], {stdio: ['pipe', 'pipe', 'inherit']});
		await new Promise<void>(resolve => child.stdout.on('data', (d: Buffer) => d.toString().includes('role leader') && resolve()));
		const follower = await store.lead();
		child.kill('SIGKILL');
		const killed = performance.now();
		await new Promise<void>(resolve => (follower.role === 'leader' ? resolve() : follower.onChange(role => role === 'leader' && resolve())));
		takeovers.push(performance.now() - killed);
		await store.close();
	}
	const k = stats(takeovers);
	const bound = DEFAULT_TTL_S * 1000 + 1000;
	console.log(`\nTakeover after kill -9 of the leading engine (lease TTL ${DEFAULT_TTL_S} s), ${TAKEOVERS} times: ${takeovers.map(x => ms(x)).join(', ')} ms; worst ${ms(k.max)} ms, target ≤ TTL + 1 s = ${bound} ms: ${k.max <= bound ? 'ok' : 'MISSED'}`);
	await etcd.close();
	await file.close();
} finally {
	await cluster.stop();
	await rm(root, {recursive: true, force: true});
}
process.exit(0);
