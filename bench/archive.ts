/**
 * Hot and cold state at scale: 50 live canaries in the document and N ended deployments in the
 * archive (N = 1,000, 10,000, 100,000). At each scale, against floors measured in the same run:
 *   - one mutation (metrics.record through the engine) vs the durable write of the live-only document;
 *   - a cold read() (a fresh store, as a CLI process has);
 *   - `canary status` of a live and of an archived deployment (a fresh store each time);
 *   - the whole list (every row, live and archived).
 * Then how each grows from 1,000 to 100,000 ended: the slope per 10,000 more.
 * Run: node --import tsx bench/archive.ts (part of npm run bench). CALYX_BENCH_ARCHIVE_MAX=10000 stops earlier.
 */
import {mkdtemp, readFile, rm, stat} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {archiveEnded, deploymentView, ManualClock, runDrill, type Deployment, type State} from '../src/core/index.js';
import {stageArchive} from '../src/store/archive-log.js';
import {writeDurable} from '../src/store/durable.js';
import {initStore, openStore, storePaths} from '../src/store/index.js';
import {ms, ratio, sample, stats, table, thousands, type Stats} from './lib/stats.js';

const MAX = Number(process.env.CALYX_BENCH_ARCHIVE_MAX ?? 100_000);
const SCALES = [1_000, 10_000, 100_000].filter(n => n <= MAX);
const LIVE = 50;
const CHUNK = 1_000;
const root = await mkdtemp(join(tmpdir(), 'calyx-bench-archive-'));
process.env.XDG_STATE_HOME = join(root, 'state');
const healthy = {tesDelta: 0.2, errorRate: 0.3, cpu: 55, memory: 60};

const finished = runDrill().state.deployments.find(d => d.status === 'completed')!;
const live = runDrill({bakeMs: 1e12});
const running = live.state.deployments.find(d => d.status === 'running')!;
const liveId = (i: number) => `DEP-20261126-${String(i + 101).padStart(3, '0')}`;
// Ended ones spread over the days of a year and more, as ids are made: 30 a day.
const endedId = (i: number) => {
	const day = new Date(Date.UTC(2024, 0, 1) + Math.floor(i / 30) * 86_400_000).toISOString().slice(0, 10).replaceAll('-', '');
	return `DEP-${day}-${String((i % 30) + 1).padStart(3, '0')}`;
};

/** A data directory with LIVE live canaries and `ended` archived, written as the store writes them. */
async function populate(ended: number) {
	const dir = join(root, `ended-${ended}`);
	const {store} = await initStore(dir);
	const lives: Deployment[] = Array.from({length: LIVE}, (_, i) => ({...structuredClone(running), id: liveId(i), service: `svc-${i % 10}`}));
	const base: State = {...(await store.read()), keys: live.state.keys, intents: live.state.intents, leases: live.state.leases, deployments: lives};
	const {rev} = await store.mutate(() => ({state: base, events: [], result: null}));
	let history = base.history;
	for (let from = 0; from < ended; from += CHUNK) {
		const chunk = Array.from({length: Math.min(CHUNK, ended - from)}, (_, k) => ({...structuredClone(finished), id: endedId(from + k), service: `svc-${(from + k) % 10}`}));
		const out = archiveEnded({...base, history, deployments: chunk});
		history = out.state.history;
		await (await stageArchive(storePaths(dir), out.records, rev)).write();
	}
	await store.mutate(state => ({state: {...state, history}, events: [], result: null}));
	return {dir, store};
}

interface Figures {
	ended: number;
	document: number;
	archive: number;
	mutation: Stats;
	audited: Stats;
	durable: Stats;
	cold: Stats;
	statusLive: Stats;
	statusArchived: Stats;
	list: Stats;
}

async function measure(ended: number): Promise<Figures> {
	const {dir, store} = await populate(ended);
	const clock = new ManualClock('2026-11-26T00:00:00Z');
	const mutation = await sample(i => store.run({type: 'metrics.record', actor: 'agent:bench', id: liveId(Math.abs(i) % LIVE), sample: healthy}, {clock: (clock.advance(1000), clock)}), {iterations: 200, warmup: 5});
	// A healthy sample writes no audit event; a commit that does says so first (commit.json, synced), then appends to the trail.
	const note = (i: number) => ({at: new Date(clock.now()).toISOString(), actor: 'agent:bench', kind: 'bench.note', subject: 'state', reason: `note ${i}`, data: {}});
	const audited = await sample(i => store.mutate(state => ({state, events: [note(i)], result: null})), {iterations: 200, warmup: 5});
	const bytes = await readFile(join(dir, 'state.json'));
	const durable = await sample(() => writeDurable(join(dir, 'floor-durable.json'), [bytes]), {iterations: 200, warmup: 3});
	await store.close();
	const cold = await sample(async () => (await openStore(dir)).read(), {iterations: 20, warmup: 1});
	const statusLive = await sample(async i => {
		const fresh = await openStore(dir);
		const found = await fresh.deployment(liveId(Math.abs(i) % LIVE));
		if (!found || found.archived) throw new Error('live deployment not found');
		deploymentView(await fresh.read(), found.deployment, clock.now());
	}, {iterations: 20, warmup: 1});
	const statusArchived = await sample(async i => {
		const fresh = await openStore(dir);
		const found = await fresh.deployment(endedId(Math.floor(((Math.abs(i) * 7919) % ended))));
		if (!found?.archived) throw new Error('archived deployment not found');
		deploymentView(await fresh.read(), found.deployment, clock.now());
	}, {iterations: 20, warmup: 1});
	const list = await sample(async () => {
		const rows = (await (await openStore(dir)).listDeployments()).deployments.length;
		if (rows !== ended + LIVE) throw new Error(`listed ${rows} rows, not ${ended + LIVE}`);
	}, {iterations: 5, warmup: 1});
	const archive = (await stat(join(dir, 'archive.ndjson'))).size;
	await rm(dir, {recursive: true, force: true});
	return {ended, document: bytes.length, archive, mutation: stats(mutation), audited: stats(audited), durable: stats(durable), cold: stats(cold), statusLive: stats(statusLive), statusArchived: stats(statusArchived), list: stats(list)};
}

const verdict = (value: number, target: number) => `${value <= target ? 'ok' : 'MISSED'} (≤ ${target} ms)`;

try {
	console.log(`calyx archive bench — ${LIVE} live canaries and N ended deployments; node ${process.version}, ${new Date().toISOString()}\n`);
	const all: Figures[] = [];
	for (const n of SCALES) all.push(await measure(n));
	console.log('One mutation (metrics.record: lock, read, validate, sample append, durable write) against the durable write of the document alone (temp + fsync + rename + dir fsync).');
	console.log(
		table([
			['ended', 'document', 'archive', 'mutation median', 'p95', 'durable write p95', 'p95 / durable', 'target'],
			...all.map(f => [
				thousands(f.ended),
				`${(f.document / 1e3).toFixed(0)} KB`,
				`${(f.archive / 1e6).toFixed(0)} MB`,
				`${ms(f.mutation.median)} ms`,
				`${ms(f.mutation.p95)} ms`,
				`${ms(f.durable.p95)} ms`,
				ratio(f.mutation.p95, f.durable.p95),
				`${f.mutation.p95 <= 2 * f.durable.p95 ? 'ok' : 'MISSED'} (≤ 2×)${f.ended === 10_000 ? `, ${verdict(f.mutation.p95, 10)}` : ''}`,
			]),
		]),
	);
	console.log('\nA commit with one audit event (the commit marker synced, then the trail appended) against the same durable write:');
	console.log(table([['ended', 'median', 'p95', 'p95 / durable'], ...all.map(f => [thousands(f.ended), `${ms(f.audited.median)} ms`, `${ms(f.audited.p95)} ms`, ratio(f.audited.p95, f.durable.p95)])]));
	console.log('\nCold reads, each from a fresh store (as a CLI process): read(), canary status of a live and of an archived deployment, the whole list.');
	console.log(
		table([
			['ended', 'read() median', 'p95', 'status live median', 'p95', 'status archived median', 'p95', 'list median', 'targets (p95, at 10,000)'],
			...all.map(f => [
				thousands(f.ended),
				`${ms(f.cold.median)} ms`,
				`${ms(f.cold.p95)} ms`,
				`${ms(f.statusLive.median)} ms`,
				`${ms(f.statusLive.p95)} ms`,
				`${ms(f.statusArchived.median)} ms`,
				`${ms(f.statusArchived.p95)} ms`,
				`${ms(f.list.median)} ms`,
				f.ended === 10_000 ? `read ${verdict(f.cold.p95, 50)}, live ${verdict(f.statusLive.p95, 50)}, archived ${verdict(f.statusArchived.p95, 100)}` : '-',
			]),
		]),
	);
	if (all.length > 1) {
		const [first, last] = [all[0]!, all.at(-1)!];
		const per10k = (pick: (f: Figures) => number) => `${ms(((pick(last) - pick(first)) / (last.ended - first.ended)) * 10_000)} ms`;
		console.log(`\nGrowth from ${thousands(first.ended)} to ${thousands(last.ended)} ended (medians; the slope is per 10,000 more ended deployments):`);
		console.log(
			table([
				['figure', thousands(first.ended), thousands(last.ended), 'slope / 10,000', 'ratio'],
				...(
					[
						['mutation', f => f.mutation.median],
						['cold read()', f => f.cold.median],
						['status live', f => f.statusLive.median],
						['status archived', f => f.statusArchived.median],
						['list (every row)', f => f.list.median],
					] as Array<[string, (f: Figures) => number]>
				).map(([name, pick]) => [name, `${ms(pick(first))} ms`, `${ms(pick(last))} ms`, per10k(pick), ratio(pick(last), pick(first))]),
			]),
		);
	}
} finally {
	await rm(root, {recursive: true, force: true});
}
