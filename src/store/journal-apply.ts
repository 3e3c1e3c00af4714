import type {Deployment, State} from '../core/model/index.js';
import {Config} from '../core/model/index.js';
import {sameValue} from '../core/same-value.js';
import {StoreError} from './errors.js';
import type {JournalRecord, JournalView} from './journal.js';
import {alongFrom, arrived, moveOn, moveRefusal, type Along, type Move} from './journal-move.js';
import {sameRow} from './journal-step.js';
import {deepFreeze} from './validate.js';

export const corrupt = (path: string, message: string, position?: number) =>
	new StoreError('CORRUPT', `${path}: ${message}; nothing was written (move it aside to go back to the document's state, which lacks only the samples recorded since)`, path, position === undefined ? {} : {position});

/** The largest window any setting allows (`sampleWindow`'s bound). */
const MAX_WINDOW = Config.shape.sampleWindow.maxValue ?? 1000;

/**
 * A result made up to `memo.last`, with the view's records after it (none: it stands as it is);
 * undefined when that record is not the view's (records are only appended, so one still read is
 * where it was: a checkpoint or a refill made new ones).
 */
function past<M extends {last: JournalRecord}>(memo: M | undefined, view: JournalView): {from: M; records: readonly JournalRecord[]} | undefined {
	const at = memo ? memo.last.rev - view.base : 0;
	return memo && view.records[at - 1] === memo.last ? {from: memo, records: view.records.slice(at)} : undefined;
}

/**
 * The journal's records applied to what the document holds (journal.ts), each move checked for
 * what a commit can do to its deployment (journal-move.ts). Records are only appended, so what
 * was made over a document up to one record is carried on from there, not made again.
 */
export class MovesApplied {
	/** The last state made, over `doc` up to `last`. */
	#memo?: {doc: State; last: JournalRecord; state: State};
	/** The last deployment moved alone (a list read's `one`), from what, up to which record. */
	#one?: {from: Deployment; last: JournalRecord; dep: Deployment};

	constructor(readonly path: string) {}

	/** A state a commit made and checked, over `doc` up to its own `record`: the next overlay starts from it. */
	made(doc: State, record: JournalRecord, state: State): void {
		this.#memo = {doc, last: record, state};
	}

	/** The document with the journal's records applied; the same object while neither changed. */
	overlay(doc: State, view: JournalView): State {
		const last = view.records.at(-1);
		if (!last) return doc;
		const carried = this.#memo?.doc === doc ? past(this.#memo, view) : undefined;
		if (carried?.records.length === 0) return carried.from.state;
		const base = carried?.from.state ?? doc;
		const held = new Map(base.deployments.map(d => [d.id, d]));
		const moving = new Map<string, Along>();
		for (const record of carried?.records ?? view.records)
			for (const move of record.moves) {
				const was = held.get(move.id);
				if (!was) throw corrupt(this.path, `the record of rev ${record.rev} moves deployment ${JSON.stringify(move.id)}, which the document does not hold`);
				moving.set(move.id, this.#on(moving.get(move.id) ?? alongFrom(was), move, record, Math.max(doc.config.sampleWindow, was.plan.minSamples)));
			}
		const docs = new Map(doc.deployments.map(d => [d.id, d]));
		const moved = new Map([...moving].map(([id, a]) => [id, this.#arrived(docs.get(id)!, a, last.rev)]));
		const state: State = {...doc, rev: last.rev, deployments: base.deployments.map(d => moved.get(d.id) ?? d)};
		deepFreeze(state);
		this.#memo = {doc, last, state};
		return state;
	}

	/** One deployment (a list read's, from the document at the view's base) moved along the records past it; without the document's settings, its window may hold as many samples as any setting allows. */
	advance(dep: Deployment, view: JournalView): Deployment {
		const last = view.records.at(-1);
		if (!last) return dep;
		const carried = this.#one?.from === dep ? past(this.#one, view) : undefined;
		if (carried?.records.length === 0) return carried.from.dep;
		let along: Along | undefined;
		for (const record of carried?.records ?? view.records) {
			const move = record.moves.find(m => m.id === dep.id);
			if (move) along = this.#on(along ?? alongFrom(carried?.from.dep ?? dep), move, record, Math.max(MAX_WINDOW, dep.plan.minSamples));
		}
		const moved = along ? this.#arrived(dep, along, last.rev) : (carried?.from.dep ?? dep);
		this.#one = {from: dep, last, dep: moved};
		return moved;
	}

	/** `a` moved on, once the move is found to be what a commit can do to it (journal-move.ts). */
	#on(a: Along, move: Move, record: JournalRecord, cap: number): Along {
		const samples = record.samples ?? [];
		const refusal = moveRefusal(a, move, samples, cap);
		if (refusal) throw corrupt(this.path, `the record of rev ${record.rev} ${refusal}`);
		return moveOn(a, move, samples);
	}

	/** Where the moves took a deployment: no list row changed (the rows are read from the document alone). */
	#arrived(doc: Deployment, a: Along, rev: number): Deployment {
		const next = arrived(a);
		if (next.feeds && a.from.feeds && sameValue(next.feeds, a.from.feeds)) next.feeds = a.from.feeds;
		deepFreeze(next);
		if (!sameRow(doc, next)) throw corrupt(this.path, `the records up to rev ${rev} change deployment ${JSON.stringify(doc.id)}'s list row (its level), which only a rewrite of the document does`);
		return next;
	}
}
