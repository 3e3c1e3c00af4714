import {closeSync, fstatSync, ftruncateSync, lstatSync, readSync} from 'node:fs';
import type {RecordedSample} from '../core/engine/context.js';
import type {Deployment, State} from '../core/model/index.js';
import {sameValue} from '../core/same-value.js';
import {appendDurable} from './durable.js';
import {isNodeError, StoreError} from './errors.js';
import {MAX_DOCUMENT_BYTES} from './file-id.js';
import {JOURNAL_LIMITS, latestOf, movedAlong, sameRow} from './journal-step.js';
import {openDataSync} from './safe-fs.js';
import {shareFields} from './share.js';
import {MetricLine} from './metrics-log.js';
import {check, checkDeployment, deepFreeze, isObject} from './validate.js';

/**
 * The state journal: where a commit that only moves live deployments along (a sample recorded, no
 * event, no list row changed) is written, as the deployments it changed, in one append and one
 * fsync, instead of rewriting the document (a new file, fsync'd, renamed, the directory fsync'd:
 * three to five times the cost). The committed state is the document plus the records past its
 * revision, in order; the next write that rewrites the document absorbs them and empties the
 * journal (a checkpoint). One line per commit: `{"rev":N,"deployments":[…],"samples":[…]}`.
 *
 * Readers read the journal before the document: a checkpoint renames the document before it
 * empties the journal, so records read first are either past the document read next or already
 * in it, never lost between the two.
 */
export interface JournalRecord {
	rev: number;
	deployments: readonly Deployment[];
	/** Its samples, also in the metrics log (written there unsynced: this record is their commit; see journal-gap.ts). */
	samples?: readonly RecordedSample[];
}

/** What one read found: its records as they stand in the file, oldest first. */
export interface JournalRead {
	records: readonly JournalRecord[];
	/** Bytes of whole lines. */
	size: number;
	/** Bytes after the last whole line: a record a crash cut short (it never committed). */
	torn: number;
}

/** The journal over one document: the records past its revision. */
export interface JournalView {
	/** The document's revision. */
	base: number;
	/** The committed revision: the last record's, or the document's. */
	rev: number;
	records: readonly JournalRecord[];
	/** Records the document already holds (a checkpoint that did not get to empty the journal). */
	stale: number;
	torn: number;
	size: number;
}

const corrupt = (path: string, message: string, position?: number) =>
	new StoreError('CORRUPT', `${path}: ${message}; nothing was written (move it aside to go back to the document's state, which lacks only the samples recorded since)`, path, position === undefined ? {} : {position});

const statOf = (path: string) => lstatSync(path, {bigint: true, throwIfNoEntry: false});

/** How much of the file's start a read keeps, to tell a refilled journal from the one it read (a record's first bytes name its rev). */
const HEAD_BYTES = 32;

function headOf(fd: number): Buffer {
	const head = Buffer.alloc(HEAD_BYTES);
	return head.subarray(0, readSync(fd, head, 0, HEAD_BYTES, 0));
}

const JOURNAL_LIMITS_MB = JOURNAL_LIMITS.bytes / 1048576;

const EMPTY: JournalRead = {records: [], size: 0, torn: 0};

export class Journal {
	/** The last read, with the file's identity then: its inode, mtime and first bytes (see `load`). */
	#read?: JournalRead & {ino: bigint; mtimeNs: bigint; head: Buffer};
	#memo?: {doc: State; last: JournalRecord | undefined; state: State};
	/** The last deployment of each id read (validated, frozen): a record's unchanged parts are shared with it and not checked again. */
	readonly #known = new Map<string, Deployment>();
	#knownDoc?: State;
	/** Each record's deployment found to move the document's (that one) along only: checked once. */
	readonly #checked = new WeakMap<Deployment, Deployment>();

	constructor(readonly path: string) {}

	/** The file as it stands, reading only what was appended since the last read (all of it after a checkpoint emptied it). */
	load(): JournalRead {
		let opened;
		try {
			opened = openDataSync(this.path, 'read');
		} catch (error) {
			if (!isNodeError(error, 'ENOENT')) throw error;
			this.#read = undefined;
			return EMPTY;
		}
		const {fd, st} = opened;
		try {
			const size = Number(st.size);
			if (size > MAX_DOCUMENT_BYTES) throw corrupt(this.path, `it is ${(size / 1048576).toFixed(0)} MB, over the ${MAX_DOCUMENT_BYTES / 1048576} MB a journal may hold (the next write empties it at ${JOURNAL_LIMITS_MB} MB)`);
			const known = this.#read;
			const head = headOf(fd);
			// A checkpoint empties the file in place (same inode), and lines of one size can refill it to the
			// size read last within one mtime tick: its first bytes then differ (a refill starts at a later rev).
			if (known && known.ino === st.ino && known.mtimeNs === st.mtimeNs && known.size + known.torn === size && known.head.equals(head)) return known;
			const from = known && known.ino === st.ino && size >= known.size && head.subarray(0, known.head.length).equals(known.head) ? known : undefined;
			const read = (from && this.#parse(fd, size, from)) ?? this.#parse(fd, size, undefined)!;
			this.#read = {...read, ino: st.ino, mtimeNs: st.mtimeNs, head};
			return read;
		} finally {
			closeSync(fd);
		}
	}

	/**
	 * Lines from `from`'s end (undefined: that tail is not the next record of the same journal, which
	 * a checkpoint emptied and writes refilled meanwhile: the caller reads it all again).
	 */
	#parse(fd: number, size: number, from: JournalRead | undefined): JournalRead | undefined {
		const start = from?.size ?? 0;
		const buf = Buffer.alloc(size - start);
		for (let done = 0; done < buf.length; ) {
			const n = readSync(fd, buf, done, buf.length - done, start + done);
			if (n === 0) break;
			done += n;
		}
		const records = [...(from?.records ?? [])];
		let at = 0;
		for (let nl = buf.indexOf(10); nl >= 0; nl = buf.indexOf(10, at)) {
			const position = start + at;
			const record = this.#record(buf.subarray(at, nl), position, from !== undefined && records.length === from.records.length);
			if (!record) return undefined;
			const prev = records.at(-1);
			if (prev && record.rev !== prev.rev + 1 && from !== undefined && records.length === from.records.length) return undefined;
			if (prev && record.rev !== prev.rev + 1) throw corrupt(this.path, `the record at byte ${position} is rev ${record.rev}, after rev ${prev.rev}: records follow one another`, position);
			records.push(record);
			at = nl + 1;
		}
		return {records, size: start + at, torn: buf.length - at};
	}

	/** One line, validated (`continuing`: the first line after a known tail, which may belong to a refilled journal: undefined then). */
	#record(line: Buffer, position: number, continuing: boolean): JournalRecord | undefined {
		let raw: unknown;
		try {
			raw = JSON.parse(line.toString('utf8'));
		} catch {
			if (continuing) return undefined;
			throw corrupt(this.path, `the line at byte ${position} is not JSON`, position);
		}
		const {rev, deployments, samples, ...rest} = (raw ?? {}) as {rev?: unknown; deployments?: unknown; samples?: unknown};
		const problem =
			!Number.isSafeInteger(rev) || (rev as number) < 1
				? 'rev: a whole number from 1'
				: !Array.isArray(deployments) || deployments.length === 0
					? 'deployments: a list of at least one deployment'
					: samples !== undefined && !Array.isArray(samples)
						? 'samples: a list of samples'
						: Object.keys(rest).length > 0
							? `${Object.keys(rest)[0]}: unknown field (allowed: rev, deployments, samples)`
							: undefined;
		if (problem) {
			if (continuing) return undefined;
			throw corrupt(this.path, `the line at byte ${position} fails its schema at ${problem}`, position);
		}
		const ids = (deployments as unknown[]).map(dep => (isObject(dep) ? dep.id : undefined));
		const twice = ids.find((id, i) => ids.indexOf(id) !== i);
		if (twice !== undefined) throw corrupt(this.path, `the record at byte ${position} holds deployment ${JSON.stringify(twice)} twice`, position);
		(deployments as unknown[]).forEach((dep, i) => {
			const old = isObject(dep) && typeof dep.id === 'string' ? this.#known.get(dep.id) : undefined;
			if (old) shareFields(dep as Record<string, unknown>, old as unknown as Record<string, unknown>);
			const bad = checkDeployment(dep, `deployments[${i}]`);
			if (bad) throw corrupt(this.path, `the record at byte ${position} fails its schema at ${bad.field}: ${bad.message}`, position);
		});
		((samples ?? []) as Array<Record<string, unknown>>).forEach((s, i) => {
			const bad = check(MetricLine, {...(isObject(s) ? s : {}), rev}, `samples[${i}]`);
			if (bad || !isObject(s) || Object.keys(s).some(k => k !== 'deploymentId' && k !== 'sample')) throw corrupt(this.path, `the record at byte ${position} fails its schema at ${bad ? `${bad.field}: ${bad.message}` : `samples[${i}]: a deployment id and a sample`}`, position);
		});
		deepFreeze(raw);
		for (const dep of deployments as Deployment[]) this.#known.set(dep.id, dep);
		return raw as JournalRecord;
	}

	/** The records past the document's revision; a journal that does not continue it is refused. */
	view(read: JournalRead, base: number): JournalView {
		const stale = read.records.filter(r => r.rev <= base).length;
		const records = read.records.slice(stale);
		const first = records[0];
		if (first && first.rev !== base + 1) throw corrupt(this.path, `its records start at rev ${first.rev}, but the document is at rev ${base} (older than the journal: restored by hand?)`);
		return {base, rev: records.at(-1)?.rev ?? base, records, stale, torn: read.torn, size: read.size};
	}

	/** The document with the journal's records applied; the same object while neither changed. */
	overlay(doc: State, view: JournalView): State {
		const last = view.records.at(-1);
		if (this.#knownDoc !== doc) this.#know(doc, view);
		if (!last) return doc;
		const memo = this.#memo;
		if (memo && memo.doc === doc && memo.last === last) return memo.state;
		const latest = latestOf(view);
		const held = new Map(doc.deployments.map(d => [d.id, d]));
		for (const [id, dep] of latest) {
			const was = held.get(id);
			if (!was) throw corrupt(this.path, `a record names deployment ${JSON.stringify(id)}, which the document does not hold`);
			// A record moves a deployment along its samples, and no list row (those are read from the document alone).
			if (this.#checked.get(dep) === was) continue;
			if (!movedAlong(was, dep, (a, b) => sameValue(a, b))) throw corrupt(this.path, `a record changes deployment ${JSON.stringify(id)} beyond what samples move along (its window, sample count and feeds): only an audited rewrite of the document does`);
			if (!sameRow(was, dep)) throw corrupt(this.path, `a record changes deployment ${JSON.stringify(id)}'s list row (its level), which only a rewrite of the document does`);
			this.#checked.set(dep, was);
		}
		const state: State = {...doc, rev: last.rev, deployments: doc.deployments.map(d => latest.get(d.id) ?? d)};
		deepFreeze(state);
		this.#memo = {doc, last, state};
		return state;
	}

	/** A new document's deployments, for the records to come (those of the records read stay); none kept for one it no longer holds. */
	#know(doc: State, view: JournalView): void {
		this.#knownDoc = doc;
		const ids = new Set(doc.deployments.map(d => d.id));
		const journaled = new Set(view.records.flatMap(r => r.deployments.map(d => d.id)));
		for (const id of this.#known.keys()) if (!ids.has(id)) this.#known.delete(id);
		for (const d of doc.deployments) if (!journaled.has(d.id)) this.#known.set(d.id, d);
	}

	/**
	 * Appends one commit's record and makes it durable (the commit point); the caller validated and
	 * froze its deployments. `state`: the committed state it makes, over `doc`, for the next read.
	 */
	async append(record: JournalRecord, bytes: Buffer, over: {doc: State; state: State}): Promise<void> {
		const known = this.#read;
		const before = statOf(this.path)?.size;
		try {
			await appendDurable(this.path, bytes);
		} catch (error) {
			// Reported as failed, so not left to be read as committed (its bytes may be written, unsynced).
			this.#read = undefined;
			if (before !== undefined) {
				try {
					const {fd} = openDataSync(this.path, 'update');
					try {
						ftruncateSync(fd, Number(before));
					} finally {
						closeSync(fd);
					}
				} catch {
					// Left: a record whose fsync failed reads as committed, as a rename that failed after it happened does.
				}
			}
			throw error;
		}
		// Its own record is not read back (nor validated again): the next read starts after it.
		const st = known && known.torn === 0 ? statOf(this.path) : undefined;
		const head = known && known.size > 0 ? known.head : bytes.subarray(0, HEAD_BYTES);
		this.#read = st && st.ino === known!.ino && Number(st.size) === known!.size + bytes.length ? {records: [...known!.records, record], size: Number(st.size), torn: 0, ino: st.ino, mtimeNs: st.mtimeNs, head} : undefined;
		this.#memo = {doc: over.doc, last: record, state: over.state};
		for (const dep of record.deployments) {
			this.#known.set(dep.id, dep);
			// The commit compared it with the state's, which moves the document's along only.
			const was = over.doc.deployments.find(d => d.id === dep.id);
			if (was) this.#checked.set(dep, was);
		}
	}

	/** Whether records stand whose samples may be unsynced in the metrics log (see journal-commit.ts); unknown counts as yes. */
	holdsSamples(): boolean {
		const known = this.#read;
		return known ? known.records.some(r => (r.samples?.length ?? 0) > 0) : (statOf(this.path)?.size ?? 0n) > 0n;
	}

	/** After a checkpoint: the document holds every record. Not fsync'd: records left behind are the document's own, and skipped. */
	empty(): void {
		const known = this.#read;
		if (known ? known.size + known.torn === 0 : !statOf(this.path)?.size) return;
		try {
			const {fd} = openDataSync(this.path, 'update');
			try {
				ftruncateSync(fd, 0);
				const st = fstatSync(fd, {bigint: true});
				this.#read = {...EMPTY, ino: st.ino, mtimeNs: st.mtimeNs, head: Buffer.alloc(0)};
			} finally {
				closeSync(fd);
			}
		} catch {
			// The commit is made: left as it was, the journal's records are stale (skipped), and the next
			// write rewrites the document again and empties it; a link or special file put there is
			// refused by every read.
			this.#read = undefined;
		}
	}
}

/** A record's line: `rev` first, so a reader can tell a line's revision before parsing it (metrics-log.ts does the same). */
export const recordLine = (record: JournalRecord): Buffer =>
	Buffer.from(`${JSON.stringify({rev: record.rev, deployments: record.deployments, ...(record.samples?.length ? {samples: record.samples} : {})})}\n`);
