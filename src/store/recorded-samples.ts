import {idOrder} from '../core/archive.js';
import {ACTIVE} from '../core/engine/transitions.js';
import type {CanaryPlan, Deployment, Sample, State} from '../core/model/index.js';
import {trackRecord, type TrackRecord} from '../core/replay/track-record.js';
import type {BatchStore} from './api.js';
import {archiveTail} from './archive-tail.js';
import {linesBackward, readTail} from './lines.js';
import {parseSample, revOf} from './metrics-log.js';
import {storePaths} from './paths.js';

/**
 * What a replay reads of the past: a deployment as it was recorded and every sample the metrics
 * log holds of it. Reads only: nothing here takes the lock, repairs or writes.
 */
export interface Recorded {
	deployment: Deployment;
	/** Oldest first, as the log has them. */
	samples: Sample[];
}

/**
 * The samples of several deployments in one pass backwards over the metrics log, stopping once
 * each has as many as it recorded (`sampleCount`): the cost follows how far back the oldest
 * began, not the log's length. Lines past `throughRev` belong to a commit under way.
 */
async function samplesOf(path: string, deployments: readonly Deployment[], throughRev: number): Promise<Map<string, Sample[]>> {
	const found = new Map(deployments.map(d => [d.id, [] as Sample[]]));
	let missing = deployments.filter(d => d.sampleCount > 0).length;
	if (missing === 0) return found;
	const wanted = new Map(deployments.map(d => [d.id, d.sampleCount]));
	const tail = await readTail(path);
	for await (const {line, start} of linesBackward(path, tail.tornAt ?? tail.size)) {
		if ((revOf(line) ?? 0) > throughRev) continue;
		// Most lines are other deployments': their id is looked for before the line is parsed.
		const id = /"deploymentId":"([^"\\]{1,128})"/.exec(line.toString('latin1', 0, 200))?.[1];
		const list = id === undefined ? undefined : found.get(id);
		if (!list || list.length >= wanted.get(id!)!) continue;
		list.push(parseSample(path, line, start).sample);
		if (list.length === wanted.get(id!) && --missing === 0) break;
	}
	for (const list of found.values()) list.reverse();
	return found;
}

/** A deployment, live or archived, with its recorded samples; undefined when no deployment has that id. */
export async function recordedDeployment(store: BatchStore, id: string): Promise<Recorded | undefined> {
	const found = await store.deployment(id);
	if (!found) return undefined;
	const samples = await samplesFor(store, [found.deployment], found.rev);
	return {deployment: found.deployment, samples: samples.get(id)!};
}

/**
 * A store that keeps its archive in files keeps its samples in the metrics log, read here in one
 * pass; one that lists its ended deployments itself (etcd: `endedTail`) is asked for each
 * deployment's samples, as many as it recorded, through its committed revision.
 */
async function samplesFor(store: BatchStore, deployments: readonly Deployment[], throughRev: number): Promise<Map<string, Sample[]>> {
	if (!store.endedTail) return samplesOf(store.paths.metrics, deployments, throughRev);
	const lists = await Promise.all(deployments.map(d => (d.sampleCount > 0 ? store.samples(d.id, d.sampleCount) : Promise.resolve([]))));
	return new Map(deployments.map((d, i) => [d.id, lists[i]!]));
}

/** The ids of a service's last `limit` ended deployments that `keep` keeps, from the end of the archive. */
async function endedIds(store: BatchStore, state: State, service: string, limit: number, keep: (id: string) => boolean): Promise<string[]> {
	if (store.endedTail) return (await store.endedTail(limit, row => row.service === service && keep(row.id))).rows.map(row => row.id);
	// From the archive index's end: the cost follows how far back the service's last ones lie.
	const tail = await archiveTail(storePaths(store.dir).archiveIndex, limit, state.rev, e => e.summary.service === service && keep(e.id));
	return tail.entries.map(e => e.id);
}

/**
 * The last `limit` deployments of a service that are over (completed, rolled back, halted), newest
 * first, with their samples: the live document's stopped ones and the archive's, searched from its
 * end. A canary still running is left out: its samples are not yet its whole story.
 */
export async function recentRecorded(store: BatchStore, service: string, limit: number): Promise<Recorded[]> {
	return recentOf(store, await store.read(), service, limit);
}

async function recentOf(store: BatchStore, state: State, service: string, limit: number): Promise<Recorded[]> {
	if (limit <= 0) return [];
	const stopped = state.deployments.filter(d => d.service === service && !ACTIVE.includes(d.status));
	const live = new Set(stopped.map(d => d.id));
	const ended = await endedIds(store, state, service, limit, id => !live.has(id));
	const ids = [...stopped.map(d => d.id), ...ended].sort((a, b) => idOrder(b, a)).slice(0, limit);
	const deployments = (await Promise.all(ids.map(async id => stopped.find(d => d.id === id) ?? (await store.deployment(id))?.deployment))).filter(d => d !== undefined);
	const samples = await samplesFor(store, deployments, state.rev);
	return deployments.map(d => ({deployment: d, samples: samples.get(d.id)!}));
}

/** How many of a service's past deployments `lease show` (and the cosign dialog) replays a plan against. */
export const TRACK_RECORD_RUNS = 5;
/**
 * How far into each of them: a canary's tiers and bakes fit in hours, and a replay costs what the
 * engine's ticks cost (about a second a day of canary), so a screen that shows the line stays quick.
 */
export const TRACK_RECORD_HORIZON_MS = 12 * 3_600_000;

/**
 * A plan against the service's last few deployments, from the store's reads alone: the line
 * `lease show` prints and the console's cosign dialog shows, so that a human signs knowing how
 * strict the plan is.
 */
export async function planTrackRecord(store: BatchStore, plan: CanaryPlan, service: string, limit = TRACK_RECORD_RUNS): Promise<TrackRecord> {
	const state = await store.read();
	return trackRecord(plan, service, await recentOf(store, state, service, limit), {config: state.config, horizonMs: TRACK_RECORD_HORIZON_MS});
}
