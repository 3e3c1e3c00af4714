import type {Deployment} from '../core/model/index.js';
import {isObject} from './validate.js';

/**
 * How a journal record moves one deployment along (journal.ts): what samples change of it and
 * nothing else, by construction. Its window slides, so a move names how many of the window's
 * oldest samples go and which new ones follow, not the whole window again: ~0.5 KB a sample where
 * the deployment is ~10 KB (its rollback pack, plan and window), so a tick of 50 canaries is one
 * small record, not half a megabyte the journal fills with in two ticks.
 */
export interface Move {
	id: string;
	window: {drop: number; add: Deployment['window']};
	sampleCount: number;
	/** Absent: the deployment has no feeds (a move carries its feeds whole: a few hundred bytes). */
	feeds?: Deployment['feeds'];
}

/**
 * The move from `was` to `now` (a step's output: unchanged samples are the same objects): the
 * longest run of `was`'s window that `now`'s starts with is kept, and the rest of `now`'s added.
 */
export function moveOf(was: Deployment, now: Deployment): Move {
	const [old, next] = [was.window, now.window];
	let drop = next.length === 0 ? old.length : old.indexOf(next[0]!);
	if (drop < 0 || old.length - drop > next.length) drop = old.length;
	for (let i = drop; i < old.length; i++)
		if (old[i] !== next[i - drop]) {
			drop = old.length;
			break;
		}
	return {id: now.id, window: {drop, add: next.slice(old.length - drop)}, sampleCount: now.sampleCount, ...(now.feeds ? {feeds: now.feeds} : {})};
}

/** `dep` moved along (not validated: the caller checks the result against the deployment's schema). */
export function applyMove(dep: Deployment, move: Move): Deployment {
	// Spread over the deployment, its fields keep their order (the document's bytes do not churn at a checkpoint).
	const next: Deployment = {...dep, window: [...dep.window.slice(move.window.drop), ...move.window.add], sampleCount: move.sampleCount};
	if (move.feeds) next.feeds = move.feeds;
	else delete next.feeds;
	return next;
}

const FIELDS = new Set(['id', 'window', 'sampleCount', 'feeds']);

/** What is wrong with a move's shape, as `field: allowed` (what it makes is checked against the deployment's schema once applied). */
export function moveProblem(value: unknown, at: string): string | undefined {
	if (!isObject(value)) return `${at}: a move (id, window, sampleCount, feeds)`;
	const extra = Object.keys(value).find(k => !FIELDS.has(k));
	if (extra !== undefined) return `${at}.${extra}: unknown field (allowed: ${[...FIELDS].join(', ')})`;
	if (typeof value.id !== 'string') return `${at}.id: a deployment id`;
	const w = value.window;
	if (!isObject(w) || Object.keys(w).some(k => k !== 'drop' && k !== 'add')) return `${at}.window: {drop, add}`;
	if (!Number.isSafeInteger(w.drop) || (w.drop as number) < 0) return `${at}.window.drop: a whole number from 0`;
	if (!Array.isArray(w.add)) return `${at}.window.add: a list of samples`;
	if (value.feeds !== undefined && !isObject(value.feeds)) return `${at}.feeds: feeds by metric`;
	return undefined;
}
