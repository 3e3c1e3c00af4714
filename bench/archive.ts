/**
 * Hot and cold state at scale: 50 live canaries in the document, N ended deployments in the
 * archive (N = 1,000, 10,000, 100,000) and their audit trail (bench/lib/scale.ts). At each scale,
 * against floors measured in the same run:
 *   - one mutation (metrics.record through the engine), and a commit with one audit event, each in
 *     turns with the durable-write floor of the same live-only document (bench/lib/floor.ts: plain
 *     fs calls, none of calyx's), so that the machine's load lands on both alike;
 *   - a cold read() (a fresh store, as a CLI process has);
 *   - `canary status` of a live and of an archived deployment (a fresh store each time);
 *   - `canary list` as an operator runs it (the live rows and the last 20 ended), and with --all
 *     (every row, live and archived).
 * Then how each grows from 1,000 to 100,000 ended: the slope per 10,000 more.
 * Run: node --import tsx bench/archive.ts (part of npm run bench). CALYX_BENCH_ARCHIVE_MAX=10000
 * stops earlier; CALYX_BENCH_ROUNDS sets the rounds of mutations (default 300).
 */
import {statSync} from 'node:fs';
import {mkdtemp, readFile, rm, stat} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {deploymentView, ManualClock} from '../src/core/index.js';
import {ENDED_SHOWN, withEnded} from '../src/store/archive-tail.js';
import {openStore, storePaths} from '../src/store/index.js';
import {JOURNAL_LIMITS} from '../src/store/journal-step.js';
import {AGAINST_HEADER, againstColumns, againstFloor, floorSpread, type Against} from './lib/floor.js';
import {endedId, healthy, liveId, populate} from './lib/scale.js';
import {load, ms, ratio, sample, stats, table, thousands, type Stats} from './lib/stats.js';

const MAX = Number(process.env.CALYX_BENCH_ARCHIVE_MAX ?? 100_000);
const ROUNDS = Number(process.env.CALYX_BENCH_ROUNDS ?? 300);
const SCALES = [1_000, 10_000, 100_000].filter(n => n <= MAX);
const LIVE = 50;
const root = await mkdtemp(join(tmpdir(), 'calyx-bench-archive-'));
process.env.XDG_STATE_HOME = join(root, 'state');

interface Figures {
	ended: number;
	events: number;
	document: number;
	archive: number;
	mutation: Against;
	/** Which of the mutation's rounds rewrote the document (the others were journal records: src/store/journal.ts). */
	rewrote: boolean[];
	audited: Against;
	load: string;
	cold: Stats;
	statusLive: Stats;
	statusArchived: Stats;
	list: Stats;
	listAll: Stats;
}

async function measure(ended: number): Promise<Figures> {
	const {dir, store, events} = await populate(root, {live: LIVE, ended});
	const clock = new ManualClock('2026-11-26T00:00:00Z');
	const bytes = await readFile(join(dir, 'state.json'));
	const floorPath = join(dir, 'floor.json');
	// Which file took each round: a stat after it (µs, counted in the round's time).
	const statePath = join(dir, 'state.json');
	let ino = statSync(statePath).ino;
	const rewrote: boolean[] = [];
	const mutation = await againstFloor(
		async i => {
			await store.run({type: 'metrics.record', actor: 'agent:bench', id: liveId(Math.abs(i) % LIVE), sample: healthy}, {clock: (clock.advance(1000), clock)});
			const now = statSync(statePath).ino;
			if (i >= 0) rewrote.push(now !== ino);
			ino = now;
		},
		floorPath,
		bytes,
		{rounds: ROUNDS},
	);
	// A healthy sample writes no audit event; a commit that does says so first (commit.json, synced), then appends to the trail.
	const note = (i: number) => ({at: new Date(clock.now()).toISOString(), actor: 'agent:bench', kind: 'bench.note', subject: 'state', reason: `note ${i}`, data: {}});
	const audited = await againstFloor(i => store.mutate(state => ({state, events: [note(i)], result: null})), floorPath, bytes, {rounds: ROUNDS});
	const loadNow = load();
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
		const found = await fresh.deployment(endedId(Math.floor((Math.abs(i) * 7919) % ended)));
		if (!found?.archived) throw new Error('archived deployment not found');
		deploymentView(await fresh.read(), found.deployment, clock.now());
	}, {iterations: 20, warmup: 1});
	// As `canary list` runs it: the live rows from the list index, the last ENDED_SHOWN from the archive's.
	const list = await sample(async () => {
		const live = await (await openStore(dir)).listDeployments({archived: false});
		const rows = (await withEnded(live, storePaths(dir).archiveIndex, ENDED_SHOWN)).deployments.length;
		if (rows !== LIVE + Math.min(ENDED_SHOWN, ended)) throw new Error(`listed ${rows} rows, not ${LIVE + ENDED_SHOWN}`);
	}, {iterations: 20, warmup: 1});
	const listAll = await sample(async () => {
		const rows = (await (await openStore(dir)).listDeployments()).deployments.length;
		if (rows !== ended + LIVE) throw new Error(`listed ${rows} rows, not ${ended + LIVE}`);
	}, {iterations: 5, warmup: 1});
	const archive = (await stat(join(dir, 'archive.ndjson'))).size;
	await rm(dir, {recursive: true, force: true});
	return {ended, events, document: bytes.length, archive, mutation, rewrote, audited, load: loadNow, cold: stats(cold), statusLive: stats(statusLive), statusArchived: stats(statusArchived), list: stats(list), listAll: stats(listAll)};
}

const verdict = (value: number, target: number) => `${value <= target ? 'ok' : 'MISSED'} (≤ ${target} ms)`;

try {
	console.log(`calyx archive bench — ${LIVE} live canaries and N ended deployments; node ${process.version}, ${new Date().toISOString()}\n`);
	const all: Figures[] = [];
	for (const n of SCALES) all.push(await measure(n));
	console.log('One mutation (metrics.record through the engine: lock, checks, validate, a journal record or the document rewritten), in turns with the');
	console.log('durable-write floor of the same live-only document (new file, write, fsync, rename, directory fsync: plain fs calls).');
	console.log('Target: p95 ≤ 2× the floor\'s p95 at every scale; ≤ 10 ms at 10,000 ended.');
	const verdict2x = (a: Against, ended: number) => `${a.figure.p95 <= 2 * a.floor.p95 ? 'ok' : 'MISSED'} (≤ 2×)${ended === 10_000 ? `, ${verdict(a.figure.p95, 10)}` : ''}`;
	console.log(
		table([
			['ended', 'document', 'archive', 'trail', ...AGAINST_HEADER, 'target'],
			...all.map(f => [thousands(f.ended), `${(f.document / 1e3).toFixed(0)} KB`, `${(f.archive / 1e6).toFixed(0)} MB`, `${thousands(f.events)} events`, ...againstColumns(f.mutation), verdict2x(f.mutation, f.ended)]),
		]),
	);
	console.log(all.map(f => `${thousands(f.ended)}: ${f.mutation.figure.n} rounds, ${floorSpread(f.mutation)}, ${f.load}`).join('; '));
	console.log('Of those rounds, the samples the journal took (one append and fsync) and those that rewrote the document (the journal full, every');
	console.log(`${JOURNAL_LIMITS.records + 1}th, or a list row changed):`);
	console.log(
		table([
			['ended', 'journal rounds', 'median', 'p95', 'document rounds', 'median', 'p95', 'p95 / floor p95'],
			...all.map(f => {
				const split = (rewrote: boolean) => f.mutation.rounds.filter((_, i) => f.rewrote[i] === rewrote);
				const figures = (rounds: number[]) => (rounds.length > 0 ? [String(rounds.length), `${ms(stats(rounds).median)} ms`, `${ms(stats(rounds).p95)} ms`] : ['0', '-', '-']);
				const document = split(true);
				return [thousands(f.ended), ...figures(split(false)), ...figures(document), document.length > 0 ? ratio(stats(document).p95, f.mutation.floor.p95) : '-'];
			}),
		]),
	);
	console.log('\nA commit with one audit event (the commit marker synced, then the trail appended), in turns with the same floor:');
	console.log(table([['ended', ...AGAINST_HEADER], ...all.map(f => [thousands(f.ended), ...againstColumns(f.audited)])]));
	console.log(`\nCold reads, each from a fresh store (as a CLI process): read(), canary status of a live and of an archived deployment, canary list (${LIVE} live + the last ${ENDED_SHOWN} ended), canary list --all.`);
	console.log(
		table([
			['ended', 'read() median', 'p95', 'status live median', 'p95', 'status archived median', 'p95', 'list median', 'p95', 'list --all median', 'targets (p95, at 10,000)'],
			...all.map(f => [
				thousands(f.ended),
				`${ms(f.cold.median)} ms`,
				`${ms(f.cold.p95)} ms`,
				`${ms(f.statusLive.median)} ms`,
				`${ms(f.statusLive.p95)} ms`,
				`${ms(f.statusArchived.median)} ms`,
				`${ms(f.statusArchived.p95)} ms`,
				`${ms(f.list.median)} ms`,
				`${ms(f.list.p95)} ms`,
				`${ms(f.listAll.median)} ms`,
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
						['mutation', f => f.mutation.figure.median],
						['cold read()', f => f.cold.median],
						['status live', f => f.statusLive.median],
						['status archived', f => f.statusArchived.median],
						['canary list', f => f.list.median],
						['canary list --all', f => f.listAll.median],
					] as Array<[string, (f: Figures) => number]>
				).map(([name, pick]) => [name, `${ms(pick(first))} ms`, `${ms(pick(last))} ms`, per10k(pick), ratio(pick(last), pick(first))]),
			]),
		);
	}
} finally {
	await rm(root, {recursive: true, force: true});
}
