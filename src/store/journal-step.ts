import type {Deployment, State} from '../core/model/index.js';
import {sameValue} from '../core/same-value.js';
import {deploymentSummary} from '../core/view/summary.js';
import type {DeploymentList} from './api.js';
import type {JournalView} from './journal.js';
import {COLUMNS} from './list-read.js';

/** How much the journal holds before the next write rewrites the document instead. */
export const JOURNAL_LIMITS = {records: 64, bytes: 1 << 20} as const;

/**
 * What a journal record may change of a deployment: what a sample moves along. Anything else (its
 * plan, lease, pack, status, target…) changes with an audit event, in a rewrite of the document;
 * a record that changes more is refused when read (journal.ts), a hand-written line included.
 */
const MOVED_BY_SAMPLES = new Set<string>(['window', 'sampleCount', 'feeds'] satisfies Array<keyof Deployment>);

/** Whether `next` differs from `was` only in what samples move along (`same`: by reference for a step's own output, by value for a record read). */
export function movedAlong(was: Deployment, next: Deployment, same: (a: unknown, b: unknown) => boolean = Object.is): boolean {
	const [a, b] = [was as unknown as Record<string, unknown>, next as unknown as Record<string, unknown>];
	for (const key of new Set([...Object.keys(a), ...Object.keys(b)])) if (!MOVED_BY_SAMPLES.has(key) && !(Object.hasOwn(a, key) && Object.hasOwn(b, key) && same(a[key], b[key]))) return false;
	return true;
}

/** Whether a deployment's list row stays as the document wrote it (the rows are read from the document alone: list-read.ts). */
export function sameRow(a: Deployment, b: Deployment): boolean {
	try {
		const [x, y] = [deploymentSummary(a), deploymentSummary(b)];
		return COLUMNS.every(c => sameValue(x[c], y[c]));
	} catch {
		// Not a deployment: the document's write validates it, and says what is wrong.
		return false;
	}
}

/**
 * The deployments a step changed, when that is all it changed and the journal may take it (see
 * journal.ts); undefined when the document must be rewritten: anything but live deployments
 * changed, one was added, removed or reordered, more than its samples moved, a list row would
 * change, or the journal is full, cut short by a crash or holds records the document already has.
 */
export function journalChanges(prev: State, next: State, view: JournalView): Array<{was: Deployment; now: Deployment}> | undefined {
	if (view.torn > 0 || view.stale > 0 || view.records.length >= JOURNAL_LIMITS.records || view.size >= JOURNAL_LIMITS.bytes) return undefined;
	const keys = Object.keys(next) as Array<keyof State>;
	if (keys.length !== Object.keys(prev).length || keys.some(k => k !== 'deployments' && k !== 'rev' && next[k] !== prev[k])) return undefined;
	if (next.deployments.length !== prev.deployments.length) return undefined;
	const changed: Array<{was: Deployment; now: Deployment}> = [];
	for (let i = 0; i < next.deployments.length; i++) {
		const [a, b] = [prev.deployments[i]!, next.deployments[i]!];
		if (a === b) continue;
		if (a.id !== b.id || !movedAlong(a, b) || !sameRow(a, b)) return undefined;
		changed.push({was: a, now: b});
	}
	return changed.length > 0 ? changed : undefined;
}

/**
 * A list read from the document's rows, as of the journal's last record: the rows stand (no
 * journal record changes one), the revision moves on, and the deployment asked for is moved along
 * the records (`advance`: Journal's).
 */
export function withJournal(list: DeploymentList, view: JournalView, advance: (dep: Deployment, view: JournalView) => Deployment): DeploymentList {
	if (view.records.length === 0) return list;
	const one = list.one && {...list.one, rev: view.rev, deployment: advance(list.one.deployment, view)};
	return {...list, rev: view.rev, ...(one ? {one} : {})};
}
