import type {RecordedSample} from '../core/engine/context.js';
import type {Deployment, State} from '../core/model/index.js';
import {ACTIVE} from '../core/engine/transitions.js';
import {sameValue} from '../core/same-value.js';
import {deploymentSummary} from '../core/view/summary.js';
import type {DeploymentList} from './api.js';
import type {JournalView} from './journal.js';
import {alongFrom, moveOf, moveProblem, moveRefusal, MOVED, type Move} from './journal-move.js';
import {COLUMNS} from './list-read.js';

/** How much the journal holds before the next write rewrites the document instead. */
export const JOURNAL_LIMITS = {records: 64, bytes: 1 << 20} as const;

const MOVABLE = new Set<string>(MOVED);

/**
 * Whether `next` differs from `was` only in what a move carries (journal-move.ts): what samples
 * and an engine's watch move along. Anything else (its plan, lease, pack, status, target…) changes
 * with an audit event, in a rewrite of the document. Compared by reference: a step's own output.
 */
export function movedAlong(was: Deployment, next: Deployment): boolean {
	const [a, b] = [was as unknown as Record<string, unknown>, next as unknown as Record<string, unknown>];
	for (const key of new Set([...Object.keys(a), ...Object.keys(b)])) if (!MOVABLE.has(key) && !(Object.hasOwn(a, key) && Object.hasOwn(b, key) && a[key] === b[key])) return false;
	return true;
}

/** Each frozen deployment's list row, made once (a row runs the gate over the window). */
const rows = new WeakMap<Deployment, ReturnType<typeof deploymentSummary>>();

function rowOf(dep: Deployment): ReturnType<typeof deploymentSummary> {
	const known = rows.get(dep);
	if (known) return known;
	const row = deploymentSummary(dep);
	if (Object.isFrozen(dep)) rows.set(dep, row);
	return row;
}

/** Whether a deployment's list row stays as the document wrote it (the rows are read from the document alone: list-read.ts). */
export function sameRow(a: Deployment, b: Deployment): boolean {
	try {
		const [x, y] = [rowOf(a), rowOf(b)];
		return COLUMNS.every(c => sameValue(x[c], y[c]));
	} catch {
		// Not a deployment: the document's write validates it, and says what is wrong.
		return false;
	}
}

/**
 * The deployments a step changed, when that is all it changed and the journal may take it (see
 * journal.ts); undefined when the document must be rewritten: anything but live deployments
 * changed, one was added, removed or reordered, more than a move carries changed, a list row would
 * change, or the journal is full, cut short by a crash or holds records the document already has.
 */
export function journalChanges(prev: State, next: State, view: JournalView, samples: readonly RecordedSample[]): Array<{now: Deployment; move: Move}> | undefined {
	if (view.torn > 0 || view.stale > 0 || view.records.length >= JOURNAL_LIMITS.records || view.size >= JOURNAL_LIMITS.bytes) return undefined;
	const keys = Object.keys(next) as Array<keyof State>;
	if (keys.length !== Object.keys(prev).length || keys.some(k => k !== 'deployments' && k !== 'rev' && next[k] !== prev[k])) return undefined;
	if (next.deployments.length !== prev.deployments.length) return undefined;
	const changed: Array<{now: Deployment; move: Move}> = [];
	for (let i = 0; i < next.deployments.length; i++) {
		const [a, b] = [prev.deployments[i]!, next.deployments[i]!];
		if (a === b) continue;
		if (a.id !== b.id || !ACTIVE.includes(a.status) || !movedAlong(a, b) || !sameRow(a, b)) return undefined;
		// What every reader checks of a move (journal-apply.ts), checked before it is written: a step
		// that did more than samples and a watch do (whatever it was) rewrites the document instead.
		const move = moveOf(a, b, samples);
		if (!move || moveProblem(move, 'move', samples) !== undefined || moveRefusal(alongFrom(a), move, samples, Math.max(next.config.sampleWindow, a.plan.minSamples)) !== undefined) return undefined;
		changed.push({now: b, move});
	}
	const moved = new Set(changed.map(c => c.now.id));
	if (changed.length === 0 || samples.some(s => !moved.has(s.deploymentId))) return undefined;
	return changed;
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
