import type {Deployment, State} from '../core/model/index.js';
import type {Mutation} from './api.js';
import type {CommitPhase} from './commit.js';
import {appendWritten} from './durable.js';
import {StoreError} from './errors.js';
import {recordLine, type Journal} from './journal.js';
import type {Move} from './journal-move.js';
import {JOURNAL_LIMITS} from './journal-step.js';
import type {HeldLock} from './lock.js';
import {sampleLines} from './metrics-log.js';
import type {StorePaths} from './paths.js';
import {checkDeployment, deepFreeze} from './validate.js';

/**
 * A commit that only moved live deployments along (journal-step.ts): the changed deployments,
 * validated, as one journal record of their moves (journal-move.ts) with its samples, appended
 * and fsync'd: the commit point, and the only sync. Its samples are written to the metrics log first, not synced: a crash before the
 * record leaves them past the committed revision (set aside as any crashed commit's lines are); one
 * after it may cut them from the log, and the next write appends them again from the record
 * (journal-gap.ts). The rewrite of the document that empties the journal syncs the log first.
 * Undefined, having written nothing, for a record over the journal's size: the caller rewrites the document.
 */
export async function journalCommit(
	paths: StorePaths,
	journal: Journal,
	lock: HeldLock,
	w: {doc: State; prev: State; next: State; changed: Array<{now: Deployment; move: Move}>; samples: NonNullable<Mutation<unknown>['samples']>},
	trace?: (phase: CommitPhase) => void,
): Promise<{state: State; appended: Map<string, number>} | undefined> {
	const rev = w.prev.rev + 1;
	for (const {now} of w.changed) {
		const bad = checkDeployment(now, `deployments[${w.next.deployments.indexOf(now)}]`);
		if (bad) throw new StoreError('INVALID', `the next state fails its schema at ${bad.field}: ${bad.message}; nothing was written`, paths.state, {field: bad.field});
	}
	const record = {rev, moves: w.changed.map(c => c.move), ...(w.samples.length > 0 ? {samples: w.samples} : {})};
	const bytes = recordLine(record);
	// A batch of thousands of samples is no small record: the document takes it (nothing is written yet).
	if (bytes.length > JOURNAL_LIMITS.bytes) return undefined;
	const sampleBytes = w.samples.length > 0 ? sampleLines(w.samples, rev) : undefined;
	const state: State = {...w.next, rev};
	deepFreeze(state);
	deepFreeze(record);
	trace?.('prepared');
	if (sampleBytes) {
		await lock.assertHeld('appending to the metrics log');
		await appendWritten(paths.metrics, sampleBytes);
	}
	trace?.('sampled');
	await lock.assertHeld('writing the state');
	await journal.append(record, bytes, {doc: w.doc, state});
	trace?.('journaled');
	return {state, appended: new Map([[paths.metrics, sampleBytes?.length ?? 0]])};
}
