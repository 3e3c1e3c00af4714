/**
 * A data directory at scale, as the store holds one after months of use: `live` running canaries in
 * the document, `ended` deployments in the archive (moved there as commits move them: records
 * appended, the document's history counting them), and an audit trail of TRAIL_PER_ENDED events
 * per ended deployment (at most MAX_TRAIL), committed through the store so that its head is the
 * document's. A write's chain check re-hashes a fixed number of older lines (anchor.ts): the trail
 * need only be longer than that for the figure to be what an operator meets. Shared by
 * bench:store and bench:archive.
 */
import {join} from 'node:path';
import {archiveEnded, runDrill, type Deployment, type State} from '../../src/core/index.js';
import {stageArchive} from '../../src/store/archive-log.js';
import {initStore, storePaths, type BatchStore, type StoreOptions} from '../../src/store/index.js';

const CHUNK = 1_000;
export const TRAIL_PER_ENDED = 10;
export const MAX_TRAIL = 100_000;

export const healthy = {tesDelta: 0.2, errorRate: 0.3, cpu: 55, memory: 60};

// A realistic finished deployment (pack, sanity results, sample window) to clone, and a drill whose
// canaries never leave their first tier (an endless bake) to give the benchmark live ones.
const finished = runDrill().state.deployments.find(d => d.status === 'completed')!;
const drill = runDrill({bakeMs: 1e12});
const running = drill.state.deployments.find(d => d.status === 'running')!;
// The drill's own events, re-dated, stand for each ended deployment's share of the trail.
const drafts = drill.events;

export const liveId = (i: number) => `DEP-20261126-${String(i + 101).padStart(3, '0')}`;

/** Ended ones spread over the days of a year and more, as ids are made: 30 a day. */
export const endedId = (i: number) => {
	const day = new Date(Date.UTC(2024, 0, 1) + Math.floor(i / 30) * 86_400_000).toISOString().slice(0, 10).replaceAll('-', '');
	return `DEP-${day}-${String((i % 30) + 1).padStart(3, '0')}`;
};

/** `live` canaries in the document and `ended` in the archive, under `root`; the store is left open. */
export async function populate(root: string, scale: {live: number; ended: number}, opts: StoreOptions = {}): Promise<{dir: string; store: BatchStore; events: number}> {
	const dir = join(root, `live-${scale.live}-ended-${scale.ended}`);
	const {store} = await initStore(dir, opts);
	const lives: Deployment[] = Array.from({length: scale.live}, (_, i) => ({...structuredClone(running), id: liveId(i), service: `svc-${i % 10}`}));
	const base: State = {...(await store.read()), keys: drill.state.keys, intents: drill.state.intents, leases: drill.state.leases, deployments: lives};
	const {rev} = await store.mutate(() => ({state: base, events: [], result: null}));
	let history = base.history;
	for (let from = 0; from < scale.ended; from += CHUNK) {
		const chunk = Array.from({length: Math.min(CHUNK, scale.ended - from)}, (_, k) => ({...structuredClone(finished), id: endedId(from + k), service: `svc-${(from + k) % 10}`}));
		const out = archiveEnded({...base, history, deployments: chunk});
		history = out.state.history;
		await (await stageArchive(storePaths(dir), out.records, rev)).write();
	}
	await store.mutate(state => ({state: {...state, history}, events: [], result: null}));
	const events = Math.min(scale.ended * TRAIL_PER_ENDED, MAX_TRAIL);
	for (let from = 0; from < events; from += CHUNK) {
		const chunk = Array.from({length: Math.min(CHUNK, events - from)}, (_, k) => ({...drafts[(from + k) % drafts.length]!, at: '2026-11-25T00:00:00.000Z'}));
		await store.mutate(state => ({state, events: chunk, result: null}));
	}
	return {dir, store, events};
}
