/**
 * The store's costs, each against a floor measured in the same run: one mutation with 50 live
 * canaries in the document and 100 / 1,000 / 10,000 ended in the archive, with their audit trail
 * (populated as bench:archive does, bench/lib/scale.ts), in turns with the durable-write floor of
 * the same document (plain fs calls, bench/lib/floor.ts), and the same mutations by phase (the
 * store's trace option, bench/lib/phases.ts); a cold read against readFile + parse;
 * appends to the audit trail and the metrics log; full-chain verification at 100k events.
 * Run: npm run bench:store (CALYX_BENCH_ROUNDS sets the rounds of mutations, default 300;
 * CALYX_BENCH_SCALES=1000 or =100,10000 runs the mutation table at those scales only, for quick turns)
 */
import {appendFile, copyFile, mkdir, mkdtemp, readFile, rm, writeFile} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {ManualClock, runDrill, type EventDraft} from '../src/core/index.js';
import {chain, GENESIS, type Head} from '../src/store/audit-log.js';
import {appendDurable} from '../src/store/durable.js';
import {Anchor, SCRUB_LINES} from '../src/store/anchor.js';
import {walkChain} from '../src/store/chain-walk.js';
import {initStore, openStore, storePaths} from '../src/store/index.js';
import {sampleLines} from '../src/store/metrics-log.js';
import {verifyChain} from '../src/store/verify.js';
import {AGAINST_HEADER, againstColumns, againstFloor, floorSpread} from './lib/floor.js';
import {Phases} from './lib/phases.js';
import {healthy, liveId, populate} from './lib/scale.js';
import {load, ms, once, perSecond, ratio, sample, stats, table, thousands} from './lib/stats.js';

const LIVE = 50;
const SCALES = process.env.CALYX_BENCH_SCALES?.split(',').map(Number);
const ENDED = SCALES ?? [100, 1_000, 10_000];
const ROUNDS = Number(process.env.CALYX_BENCH_ROUNDS ?? 300);
const TARGET_P95: Record<number, number> = {1_000: 20, 10_000: 100};
/** Issue 13: a mutation's p95 within this many times the floor's p95 (the same document's durable write). */
const FLOOR_TARGET = 2;
const root = await mkdtemp(join(tmpdir(), 'calyx-bench-'));
// The stores' witnesses go to the bench's own state home, never the user's.
process.env.XDG_STATE_HOME = join(root, 'state');

const live = runDrill({bakeMs: 1e12});
const running = live.state.deployments.find(d => d.status === 'running')!;

async function mutationAt(ended: number) {
	const phases = new Phases();
	const {dir, store, events} = await populate(root, {live: LIVE, ended}, {trace: phases.trace});
	const clock = new ManualClock('2026-11-26T00:00:00Z');
	const bytes = await readFile(join(dir, 'state.json'));
	const record = (i: number) => store.run({type: 'metrics.record', actor: 'agent:bench', id: liveId(Math.abs(i) % LIVE), sample: healthy}, {clock: (clock.advance(1000), clock)});
	const mutation = await againstFloor(i => phases.time(i >= 0, () => record(i)), join(dir, 'floor.json'), bytes, {rounds: ROUNDS});
	const loadNow = load();
	await store.close();
	const cold = await sample(async () => (await openStore(dir)).read(), {iterations: 20, warmup: 1});
	const parseFloor = await sample(async () => JSON.parse((await readFile(join(dir, 'state.json'))).toString()), {iterations: 20});
	await rm(dir, {recursive: true, force: true});
	return {ended, events, bytes: bytes.length, mutation, phases, load: loadNow, cold: stats(cold), parseFloor: stats(parseFloor)};
}

const drafts: EventDraft[] = live.events;
const draftAt = (i: number): EventDraft => drafts[i % drafts.length]!;

async function appendRates() {
	const dir = join(root, 'appends');
	await (await initStore(dir)).store.close();
	const count = 2_000;
	let head: Head = {seq: 0, hash: ''};
	const auditLines: Buffer[] = [];
	const single = await once(async () => {
		for (let i = 0; i < count; i++) {
			const out = chain([draftAt(i)], i + 1, head);
			head = out.head;
			auditLines.push(out.bytes);
			await appendDurable(join(dir, 'audit-single.ndjson'), out.bytes);
		}
	});
	const batched = await once(async () => {
		for (let i = 0; i < count; i += 100) {
			const out = chain(Array.from({length: 100}, (_, k) => draftAt(i + k)), i + 1, head);
			head = out.head;
			await appendDurable(join(dir, 'audit-batched.ndjson'), out.bytes);
		}
	});
	const auditFloor = await once(async () => {
		for (const line of auditLines) await appendFile(join(dir, 'audit-floor.ndjson'), line);
	});
	const samples = Array.from({length: count}, (_, i) => ({deploymentId: running.id, sample: {at: new Date(Date.UTC(2026, 10, 26) + i * 1000).toISOString(), ...healthy}}));
	const sampleSingle = await once(async () => {
		for (const s of samples) await appendDurable(join(dir, 'metrics-single.ndjson'), sampleLines([s], 1));
	});
	const sampleBatched = await once(async () => {
		for (let i = 0; i < count; i += 100) await appendDurable(join(dir, 'metrics-batched.ndjson'), sampleLines(samples.slice(i, i + 100), 1));
	});
	const sampleFloor = await once(async () => {
		for (const s of samples) await appendFile(join(dir, 'metrics-floor.ndjson'), `${JSON.stringify({rev: 1, ...s})}\n`);
	});
	return {count, single, batched, auditFloor, sampleSingle, sampleBatched, sampleFloor};
}

async function verification(events = 100_000) {
	const path = join(root, 'verify.ndjson');
	let head: Head = {seq: 0, hash: GENESIS};
	const parts: Buffer[] = [];
	for (let i = 0; i < events; i += 1000) {
		const out = chain(Array.from({length: 1000}, (_, k) => draftAt(i + k)), i / 1000 + 1, i === 0 ? {seq: 0, hash: ''} : head);
		head = out.head;
		parts.push(out.bytes);
	}
	await writeFile(path, Buffer.concat(parts));
	const times = await sample(async () => {
		const report = await verifyChain(path, head);
		if (!report.ok || report.count !== events) throw new Error(`verification failed: ${JSON.stringify(report.firstBad)}`);
	}, {iterations: 5, warmup: 1});
	const floor = await sample(() => readFile(path), {iterations: 5, warmup: 1});
	return {events, bytes: parts.reduce((n, p) => n + p.length, 0), verify: stats(times), floor: stats(floor), incremental: await incremental(path, head)};
}

/**
 * What a write pays before it extends the same 100k-event chain: from a point verified 10 lines
 * back (the witnessed line read again, the 10 lines after it), and the whole check a store makes
 * (those, plus the rolling re-check of SCRUB_LINES older lines).
 */
async function incremental(path: string, head: Head) {
	const point = (await walkChain(path, {until: head.seq - 10})).last;
	const fresh = await sample(async () => {
		const walk = await walkChain(path, {from: point, until: head.seq});
		if (walk.end !== 'until' || walk.hashed !== 11) throw new Error(`incremental walk: ${walk.end}, ${walk.hashed} lines`);
	}, {iterations: 50, warmup: 3});
	const dir = join(root, 'incremental');
	await mkdir(dir, {recursive: true});
	await copyFile(path, join(dir, 'audit.ndjson'));
	const anchor = new Anchor(storePaths(dir), {stateHome: join(root, 'state')});
	await anchor.verify({rev: 1, auditHead: head});
	const store = await sample(() => anchor.verify({rev: 1, auditHead: head}), {iterations: 50, warmup: 3});
	return {fresh: stats(fresh), store: stats(store), lines: anchor.lastCost};
}

/** The append rates and the chain verification figures (not at a quick turn's chosen scales). */
async function appendsAndVerification() {
	const a = await appendRates();
	console.log(`Appends, ${thousands(a.count)} each (every append fsync'd; the floor is fs.appendFile without fsync):`);
	console.log(
		table([
			['log', 'one per append', 'batches of 100', 'floor (appendFile)', 'target'],
			['audit events', `${thousands(perSecond(a.count, a.single))}/s`, `${thousands(perSecond(a.count, a.batched))}/s`, `${thousands(perSecond(a.count, a.auditFloor))}/s`, '-'],
			[
				'metric samples',
				`${thousands(perSecond(a.count, a.sampleSingle))}/s`,
				`${thousands(perSecond(a.count, a.sampleBatched))}/s`,
				`${thousands(perSecond(a.count, a.sampleFloor))}/s`,
				`>= 5,000/s ${perSecond(a.count, a.sampleBatched) >= 5000 ? 'ok (batched)' : 'MISSED'}${perSecond(a.count, a.sampleSingle) >= 5000 ? ', ok (single)' : ', missed one-per-fsync'}`,
			],
		]),
	);
	console.log('');

	const v = await verification();
	const rate = perSecond(v.events, v.verify.median);
	console.log(`Full-chain verification, ${thousands(v.events)} events (${(v.bytes / 1e6).toFixed(1)} MB):`);
	console.log(
		table([
			['median', 'p95', 'events/s', 'target', 'floor (readFile) median', 'median / floor'],
			[`${ms(v.verify.median)} ms`, `${ms(v.verify.p95)} ms`, thousands(rate), `>= 500,000/s ${rate >= 500_000 ? 'ok' : 'MISSED'}`, `${ms(v.floor.median)} ms`, ratio(v.verify.median, v.floor.median)],
		]),
	);
	const inc = v.incremental;
	console.log(`\nIncremental verification before a write, same chain (cost follows the new lines, not the ${thousands(v.events)} before):`);
	console.log(
		table([
			['check', 'lines hashed', 'median', 'p95', 'p95 / full median'],
			['10 new lines from a witnessed point', '11', `${ms(inc.fresh.median)} ms`, `${ms(inc.fresh.p95)} ms`, ratio(inc.fresh.p95, v.verify.median)],
			[`a store's check (new lines + ${SCRUB_LINES} older re-checked)`, `${inc.lines.fresh} + ${inc.lines.scrubbed}`, `${ms(inc.store.median)} ms`, `${ms(inc.store.p95)} ms`, ratio(inc.store.p95, v.verify.median)],
		]),
	);
}

try {
	console.log(`calyx store bench — node ${process.version}, ${new Date().toISOString()}\n`);
	const rows: Array<Array<string | number>> = [['ended', 'document', 'trail', ...AGAINST_HEADER, `target p95 / floor p95 <= ${FLOOR_TARGET}×`, 'target p95', 'cold read() median', 'readFile+parse median']];
	const notes: string[] = [];
	const phaseTables: string[] = [];
	for (const n of ENDED) {
		const r = await mutationAt(n);
		phaseTables.push(`${thousands(n)} ended:\n${table([['phase', 'median', 'p95', 'share of the medians'], ...r.phases.rows()])}`);
		const target = TARGET_P95[n];
		rows.push([
			thousands(n),
			`${(r.bytes / 1e3).toFixed(0)} KB`,
			`${thousands(r.events)} events`,
			...againstColumns(r.mutation),
			r.mutation.figure.p95 <= FLOOR_TARGET * r.mutation.floor.p95 ? 'ok' : 'MISSED',
			target ? `< ${target} ms ${r.mutation.figure.p95 < target ? 'ok' : 'MISSED'}` : '-',
			`${ms(r.cold.median)} ms`,
			`${ms(r.parseFloor.median)} ms`,
		]);
		notes.push(`${thousands(n)}: ${r.mutation.figure.n} rounds, ${floorSpread(r.mutation)}, ${r.load}`);
	}
	console.log(`One mutation (metrics.record through the engine: lock, checks, validate, a journal record or the document rewritten), ${LIVE} live canaries in the`);
	console.log('document and N ended in the archive, in turns with the durable-write floor of the same document (new file, write, fsync, rename, directory fsync).');
	console.log(`${table(rows)}\n${notes.join('; ')}\n`);
	console.log(`The same mutations by phase (each the time since the phase before, through the store's trace option):\n${phaseTables.join('\n\n')}\n`);
	// A quick turn at chosen scales leaves out the append and verification figures.
	if (!SCALES) await appendsAndVerification();
} finally {
	await rm(root, {recursive: true, force: true});
}
