import {ms} from '../core/clock.js';
import {ACTIVE} from '../core/engine/transitions.js';
import {gateMetrics} from '../core/metric-specs.js';
import type {RecordedSample} from '../core/engine/context.js';
import {AT_PATTERN, Bake, MetricFeed, type Deployment} from '../core/model/index.js';
import {check, isObject} from './validate.js';

/**
 * How a journal record moves one live deployment along (journal.ts): what a sample or an engine's
 * watch changes of it and nothing else, by construction. Its window slides, so a move names how
 * many of the window's oldest samples go and which new ones follow, not the whole window again:
 * ~0.6 KB a sample where the deployment is ~10 KB (its rollback pack, plan and window), so a tick
 * of 50 canaries is one small record, not the half megabyte that would fill the journal in two.
 * The samples it adds are the record's own (each sample is written once, in the record's samples).
 */
export interface Move {
	id: string;
	/** `add`: the positions in the record's samples of those the window takes, in order. */
	window: {drop: number; add: number[]};
	sampleCount: number;
	/** Absent: the deployment has no feeds (a move carries them whole: a few hundred bytes). */
	feeds?: Deployment['feeds'];
	/** Absent: no bake (its target has not confirmed a tier); a tick moves it along each second. */
	bake?: Deployment['bake'];
}

/** The fields a move may change, and so the only ones a journal record may (journal-step.ts). */
export const MOVED = ['window', 'sampleCount', 'feeds', 'bake'] as const satisfies ReadonlyArray<keyof Deployment>;

/**
 * The move from `was` to `now` (a step's output: unchanged samples are the same objects): the
 * longest run of `was`'s window that `now`'s starts with is kept, and the rest of `now`'s added,
 * found among the commit's `samples`; undefined when one is not there (not a sample recorded).
 */
export function moveOf(was: Deployment, now: Deployment, samples: readonly RecordedSample[]): Move | undefined {
	const [old, next] = [was.window, now.window];
	let drop = next.length === 0 ? old.length : old.indexOf(next[0]!);
	if (drop < 0 || old.length - drop > next.length) drop = old.length;
	for (let i = drop; i < old.length; i++)
		if (old[i] !== next[i - drop]) {
			drop = old.length;
			break;
		}
	const add: number[] = [];
	for (const sample of next.slice(old.length - drop)) {
		const at = samples.findIndex((s, i) => s.sample === sample && s.deploymentId === now.id && i > (add.at(-1) ?? -1));
		if (at < 0) return undefined;
		add.push(at);
	}
	return {id: now.id, window: {drop, add}, sampleCount: now.sampleCount, ...(now.feeds ? {feeds: now.feeds} : {}), ...(now.bake ? {bake: now.bake} : {})};
}

/** What moves of a deployment, record by record; the rest is its document's (or the one moved along up to the first record). */
export interface Along {
	/** Its window's samples, as `from`'s window and those added, less the first `drop`. */
	from: Deployment;
	drop: number;
	added: Deployment['window'];
	sampleCount: number;
	feeds?: Deployment['feeds'];
	bake?: Deployment['bake'];
}

export const alongFrom = (from: Deployment): Along => ({from, drop: 0, added: [], sampleCount: from.sampleCount, feeds: from.feeds, bake: from.bake});

const windowSize = (a: Along) => a.from.window.length + a.added.length - a.drop;

/** `a` moved on by `move` (checked by `moveRefusal` first); `samples`: its record's. Drops add up: each takes the front of what the one before left. */
export function moveOn(a: Along, move: Move, samples: readonly RecordedSample[]): Along {
	return {from: a.from, drop: a.drop + move.window.drop, added: [...a.added, ...move.window.add.map(i => samples[i]!.sample)], sampleCount: move.sampleCount, feeds: move.feeds, bake: move.bake};
}

/** The deployment as moved along: its window made once, whatever the number of records. */
export function arrived(a: Along): Deployment {
	const {from} = a;
	// Spread over the deployment, its fields keep their order (the document's bytes do not churn at a checkpoint).
	const next: Deployment = {...from, window: [...from.window, ...a.added].slice(a.drop), sampleCount: a.sampleCount};
	for (const key of ['feeds', 'bake'] as const) {
		if (a[key]) Object.assign(next, {[key]: a[key]});
		else delete next[key];
	}
	return next;
}

const FIELDS = ['id', 'window', 'sampleCount', 'feeds', 'bake'];
// Strict here, where the document's schema lets unknown keys by: a move's parts are copied into every later record.
const Feed = MetricFeed.extend({missing: MetricFeed.shape.missing.unwrap().strict().optional()}).strict();
const BakeMove = Bake.strict();
const SOURCES = new Set<unknown>(MetricFeed.shape.source.options);

const plainBakeOk = (v: unknown): boolean =>
	isObject(v) && Object.keys(v).length === 2 && typeof v.accruedMs === 'number' && Number.isFinite(v.accruedMs) && v.accruedMs >= 0 && typeof v.watchedAt === 'string' && AT_PATTERN.test(v.watchedAt);

/** What `Feed` accepts in its common shape (a source, when it last read and polled), checked by hand: a console reads 200 a second. */
function plainFeedOk(v: unknown): boolean {
	if (!isObject(v) || !SOURCES.has(v.source)) return false;
	for (const key in v) if (key !== 'source' && !((key === 'at' || key === 'polledAt') && typeof v[key] === 'string' && AT_PATTERN.test(v[key]))) return false;
	return true;
}

/**
 * What is wrong with a move's shape and parts, as `field: allowed` (what it does to the deployment:
 * `moveRefusal`); `samples`: its record's, checked already.
 */
export function moveProblem(value: unknown, at: string, samples: ReadonlyArray<{deploymentId: string}>): string | undefined {
	if (!isObject(value)) return `${at}: a move (${FIELDS.join(', ')})`;
	const extra = Object.keys(value).find(k => !FIELDS.includes(k));
	if (extra !== undefined) return `${at}.${extra}: unknown field (allowed: ${FIELDS.join(', ')})`;
	if (typeof value.id !== 'string') return `${at}.id: a deployment id`;
	const w = value.window;
	if (!isObject(w)) return `${at}.window: {drop, add}`;
	const wExtra = Object.keys(w).find(k => k !== 'drop' && k !== 'add');
	if (wExtra !== undefined) return `${at}.window.${wExtra}: unknown field (allowed: drop, add)`;
	if (!Number.isSafeInteger(w.drop) || (w.drop as number) < 0) return `${at}.window.drop: a whole number from 0`;
	if (!Array.isArray(w.add)) return `${at}.window.add: a list of positions in the record's samples`;
	const own = `the position of one of its deployment's samples in the record, after the one before`;
	const stray = w.add.findIndex((i, n) => !Number.isSafeInteger(i) || i <= (n === 0 ? -1 : (w.add as number[])[n - 1]!) || samples[i as number]?.deploymentId !== value.id);
	if (stray >= 0) return `${at}.window.add[${stray}]: ${own}`;
	if (!Number.isSafeInteger(value.sampleCount) || (value.sampleCount as number) < 0) return `${at}.sampleCount: a whole number from 0`;
	const bad = [
		value.feeds === undefined ? undefined : isObject(value.feeds) ? Object.entries(value.feeds).map(([k, f]) => (plainFeedOk(f) ? undefined : check(Feed, f, `${at}.feeds.${k}`))).find(Boolean) : {field: `${at}.feeds`, message: 'feeds by metric'},
		value.bake === undefined || plainBakeOk(value.bake) ? undefined : check(BakeMove, value.bake, `${at}.bake`),
	].find(Boolean);
	return bad && `${bad.field}: ${bad.message}`;
}

/**
 * Why `move` cannot be what a commit did to the deployment moved along as `a` (undefined: it can).
 * `samples`: its record's, which the move must count (those of its deployment) and may add to its
 * window, from its tier; `cap`: how many samples its window may hold.
 */
export function moveRefusal(a: Along, move: Move, samples: readonly RecordedSample[], cap: number): string | undefined {
	const was = a.from;
	const dep = `deployment ${JSON.stringify(was.id)}`;
	const size = windowSize(a);
	if (!ACTIVE.includes(was.status)) return `moves ${dep}, which is ${was.status} (only a live one takes samples)`;
	if (move.window.drop > size) return `drops ${move.window.drop} samples from ${dep}'s window, which holds ${size}`;
	const count = samples.reduce((n, s) => n + (s.deploymentId === was.id ? 1 : 0), 0);
	if (move.sampleCount !== a.sampleCount + count) return `counts ${move.sampleCount} samples for ${dep}, where it had ${a.sampleCount} and the record holds ${count} more`;
	for (const i of move.window.add) {
		const {at} = samples[i]!.sample;
		if (ms(at) < ms(was.tierStartedAt)) return `adds to ${dep}'s window a sample from ${at}, before its tier began (${was.tierStartedAt})`;
	}
	// Over its cap only as it was (a setting lowered since, until its next sample cuts it down).
	const after = size - move.window.drop + move.window.add.length;
	if (after > Math.max(cap, size)) return `leaves ${dep}'s window with ${after} samples, over the ${cap} it holds`;
	// Its gate's metrics (those of a tier before included: a feed, once made, stays); asked only for a new one.
	const fresh = Object.keys(move.feeds ?? {}).filter(k => !Object.hasOwn(a.feeds ?? {}, k));
	const keys = fresh.length > 0 ? [...gateMetrics(was).map(m => m.key), ...Object.keys(a.feeds ?? {})] : [];
	const stranger = fresh.find(k => !keys.includes(k));
	if (stranger !== undefined) return `gives ${dep} a feed for ${JSON.stringify(stranger)}, not one of its gate metrics (${keys.join(', ')})`;
	if (!a.bake !== !move.bake) return `${a.bake ? 'removes' : 'adds'} ${dep}'s bake, which only an audited commit does`;
	if (a.bake && move.bake && move.bake.accruedMs < a.bake.accruedMs) return `takes ${dep}'s bake back from ${a.bake.accruedMs} to ${move.bake.accruedMs} ms`;
	return undefined;
}
