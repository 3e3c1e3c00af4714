import type {DeploymentStatus} from '../core/model/index.js';
import {parseDuration} from '../core/duration.js';
import {escapeControls} from '../core/text.js';
import type {DeploymentSummary} from '../core/view/summary.js';
import {DEPLOYMENT_STATUSES, deploymentStatusOf, statusWord} from '../core/view/words.js';
import {ArchiveIndex, type ArchiveEntry} from '../store/archive-index.js';
import {archiveTail} from '../store/archive-tail.js';
import {NAME_PATTERN} from '../core/names.js';
import type {BatchStore} from '../store/api.js';

/**
 * `canary list --service --status --since`, shared by the program and the quick path (quick-list.ts),
 * so both give the same rows. Nothing here loads commander or zod: each parser returns the value
 * or the problem, and each caller reports it its own way (the program: exit 2 naming the flag; the
 * quick path declines, and the program then says it).
 */
export interface ListFilter {
	services?: readonly string[];
	statuses?: readonly DeploymentStatus[];
	/** Rows changed at or after this time (ms): a live deployment's last step, an ended one's end. */
	since?: number;
}

export type Parsed<T> = {value: T} | {problem: string};

/** As intents and service definitions name a service; core/names.ts imports nothing, so the quick path loads no schema. */
const SERVICE_NAME = NAME_PATTERN;
const ISO_TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d(?::\d\d(?:\.\d+)?)?(?:Z|[+-]\d\d:\d\d)$/;
const shown = (text: string) => `"${escapeControls(text.length > 64 ? `${text.slice(0, 64)}…` : text)}"`;
const listOf = (text: string) => text.split(',').map(part => part.trim());

export function serviceFilter(text: string): Parsed<string[]> {
	const names = listOf(text);
	const bad = names.find(name => !SERVICE_NAME.test(name));
	if (bad !== undefined) return {problem: `${shown(bad)} is not a service name (allowed: 1–63 letters, digits, ".", "_" or "-", starting with a letter or digit; several as a,b)`};
	return {value: names};
}

export const STATUS_ALLOWED = `${DEPLOYMENT_STATUSES.join(', ')}, or as words (${DEPLOYMENT_STATUSES.filter(s => s.includes('_')).map(statusWord).join(', ')}); several as a,b`;

export function statusFilter(text: string): Parsed<DeploymentStatus[]> {
	const statuses: DeploymentStatus[] = [];
	for (const part of listOf(text)) {
		const status = deploymentStatusOf(part);
		if (!status) return {problem: `${shown(part)} is not a status (allowed: ${STATUS_ALLOWED})`};
		statuses.push(status);
	}
	return {value: statuses};
}

/** A duration back from `now` (`90m`, `2d`) or an ISO 8601 time with its zone. */
export function sinceFilter(text: string, now: number): Parsed<number> {
	const back = parseDuration(text);
	if (back !== undefined) return {value: now - back};
	const at = ISO_TIME.test(text.trim()) ? Date.parse(text.trim()) : Number.NaN;
	if (Number.isNaN(at)) return {problem: `${shown(text)} is neither a duration nor a time (allowed: a duration back from now, as 30m, 6h, 2d, or an ISO 8601 time with its zone, as 2026-11-26T10:00:00Z)`};
	return {value: at};
}

export function matches(row: DeploymentSummary, filter: ListFilter): boolean {
	return (
		(filter.services === undefined || filter.services.includes(row.service)) &&
		(filter.statuses === undefined || filter.statuses.includes(row.status)) &&
		(filter.since === undefined || Date.parse(row.updatedAt) >= filter.since)
	);
}

/** Where the ended rows come from: the archive index's path (a data directory), or a store that lists them itself (etcd). */
export type EndedSource = string | {endedTail: NonNullable<BatchStore['endedTail']>};

/**
 * The rows a list shows: the live deployments and the last `ended` that ended (all with 'all'), each
 * kept only if it passes the filter, so `--ended 20 --service checkout` is checkout's last 20. A
 * deployment archived twice is judged by its newest line alone, never an older one; a live one
 * hides its archived row (a completed canary being rolled back) whether or not it passes.
 */
export async function filteredList<L extends {rev: number; deployments: DeploymentSummary[]}>(
	live: L,
	source: EndedSource,
	ended: number | 'all',
	filter: ListFilter,
): Promise<L & {olderEnded: boolean}> {
	const keep = (row: DeploymentSummary) => matches(row, filter);
	const {rows: endedRows, older} = typeof source === 'string' ? await indexTail(source, live.rev, ended, keep) : await source.endedTail(ended, keep);
	const liveIds = new Set(live.deployments.map(d => d.id));
	const rows = [...endedRows.filter(row => !liveIds.has(row.id)), ...live.deployments].filter(keep);
	return {...live, deployments: rows, olderEnded: older};
}

/** The file store's ended rows, from its archive index: the whole of it for 'all', else read from its end. */
async function indexTail(indexPath: string, rev: number, ended: number | 'all', keep: (row: DeploymentSummary) => boolean): Promise<{rows: DeploymentSummary[]; older: boolean}> {
	if (ended === 'all') {
		return {rows: [...(await new ArchiveIndex(indexPath).entries(rev)).values()].map(e => e.summary).filter(keep), older: false};
	}
	const judged = new Set<string>();
	const first = (e: ArchiveEntry) => {
		if (judged.has(e.id)) return false;
		judged.add(e.id);
		return true;
	};
	const tail = await archiveTail(indexPath, ended, rev, e => first(e) && keep(e.summary));
	return {rows: tail.entries.map(e => e.summary), older: tail.older};
}
