import {closeSync, fstatSync, ftruncateSync, lstatSync, readSync} from 'node:fs';
import type {RecordedSample} from '../core/engine/context.js';
import {StoredSample, type Deployment, type State} from '../core/model/index.js';
import {appendDurable} from './durable.js';
import {isNodeError, StoreError} from './errors.js';
import {MAX_DOCUMENT_BYTES} from './file-id.js';
import {corrupt, MovesApplied} from './journal-apply.js';
import {moveProblem, type Move} from './journal-move.js';
import {continues, HEAD_BYTES, headOf, lineRev} from './journal-rev.js';
import {JOURNAL_LIMITS} from './journal-step.js';
import {openDataSync} from './safe-fs.js';
import {check, deepFreeze, isObject} from './validate.js';

/**
 * The state journal: where a commit that only moves live deployments along (samples recorded, an
 * engine's watch gone on, no event, no list row changed) is written, as what it changed of each
 * deployment, in one append and one fsync, instead of rewriting the document (a new file, fsync'd,
 * renamed, the directory fsync'd: three to five times the cost). The committed state is the
 * document plus the records past its revision, in order; the next write that rewrites the
 * document absorbs them and empties the journal (a checkpoint). One line per commit:
 * `{"rev":N,"moves":[…],"samples":[…]}`, each move what the commit changed of one deployment
 * (journal-move.ts).
 *
 * Readers read the journal before the document: a checkpoint renames the document before it
 * empties the journal, so records read first are either past the document read next or already
 * in it, never lost between the two.
 */
export interface JournalRecord {
	rev: number;
	/** In the order the deployments appear in the state; one each at most. */
	moves: readonly Move[];
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

const statOf = (path: string) => lstatSync(path, {bigint: true, throwIfNoEntry: false});

const JOURNAL_LIMITS_MB = JOURNAL_LIMITS.bytes / 1048576;

const EMPTY: JournalRead = {records: [], size: 0, torn: 0};

/** One of a record's samples: as a metrics log line holds it, without its rev (the record's). */
function sampleProblem(s: unknown, i: number): string | undefined {
	if (!isObject(s) || Object.keys(s).some(k => k !== 'deploymentId' && k !== 'sample')) return `samples[${i}]: a deployment id and a sample`;
	if (typeof s.deploymentId !== 'string' || s.deploymentId === '') return `samples[${i}].deploymentId: a deployment id`;
	const bad = check(StoredSample, s.sample, `samples[${i}].sample`);
	return bad && `${bad.field}: ${bad.message}`;
}

/** A read as kept: with its last line's bytes, to tell a record rewritten in place (a failed append cut back, then retried) from the one read. */
type Parsed = JournalRead & {tail: Buffer};

/** What is wrong with a record's shape (its moves' shapes included), if anything. */
function shapeProblem(raw: unknown, line: Buffer): string | undefined {
	const {rev, moves, samples = [], ...rest} = (raw ?? {}) as {rev?: unknown; moves?: unknown; samples?: unknown};
	if (!Number.isSafeInteger(rev) || (rev as number) < 1) return 'rev: a whole number from 1';
	if (lineRev(line) !== rev) return `rev: first and once, as calyx writes it ({"rev":${rev as number},…}): readers of revisions alone read it there`;
	if (!Array.isArray(moves) || moves.length === 0) return 'moves: a list of at least one move';
	if (!Array.isArray(samples)) return 'samples: a list of samples';
	const unknown = Object.keys(rest)[0];
	if (unknown !== undefined) return `${unknown}: unknown field (allowed: rev, moves, samples)`;
	return samples.map(sampleProblem).find(Boolean) ?? moves.reduce<string | undefined>((found, move, i) => found ?? moveProblem(move, `moves[${i}]`, samples as RecordedSample[]), undefined);
}

export class Journal {
	/** The last read, with the file's identity then: its inode, mtime and first bytes (see `load`). */
	#read?: Parsed & {ino: bigint; mtimeNs: bigint; head: Buffer};
	readonly #apply: MovesApplied;

	constructor(readonly path: string) {
		this.#apply = new MovesApplied(path);
	}

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
			const same = known && continues(fd, st, head, known);
			if (same && known.mtimeNs === st.mtimeNs && known.size + known.torn === size && known.head.equals(head)) return known;
			const from = same ? known : undefined;
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
	#parse(fd: number, size: number, from: Parsed | undefined): Parsed | undefined {
		const start = from?.size ?? 0;
		const buf = Buffer.alloc(size - start);
		for (let done = 0; done < buf.length; ) {
			const n = readSync(fd, buf, done, buf.length - done, start + done);
			if (n === 0) break;
			done += n;
		}
		const records = [...(from?.records ?? [])];
		let [at, last] = [0, 0];
		for (let nl = buf.indexOf(10); nl >= 0; nl = buf.indexOf(10, at)) {
			const position = start + at;
			const record = this.#record(buf.subarray(at, nl), position, from !== undefined && records.length === from.records.length);
			if (!record) return undefined;
			const prev = records.at(-1);
			if (prev && record.rev !== prev.rev + 1 && from !== undefined && records.length === from.records.length) return undefined;
			if (prev && record.rev !== prev.rev + 1) throw corrupt(this.path, `the record at byte ${position} is rev ${record.rev}, after rev ${prev.rev}: records follow one another`, position);
			records.push(record);
			[last, at] = [at, nl + 1];
		}
		return {records, size: start + at, torn: buf.length - at, tail: at > 0 ? Buffer.from(buf.subarray(last, at)) : (from?.tail ?? Buffer.alloc(0))};
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
		const {moves, samples = []} = (raw ?? {}) as {moves?: unknown; samples?: unknown};
		const problem = shapeProblem(raw, line);
		if (problem) {
			if (continuing) return undefined;
			throw corrupt(this.path, `the line at byte ${position} fails its schema at ${problem}`, position);
		}
		const ids = (moves as Move[]).map(move => move.id);
		const twice = ids.find((id, i) => ids.indexOf(id) !== i);
		if (twice !== undefined) throw corrupt(this.path, `the record at byte ${position} moves deployment ${JSON.stringify(twice)} twice`, position);
		const unmoved = (samples as RecordedSample[]).findIndex(s => !ids.includes(s.deploymentId));
		if (unmoved >= 0) throw corrupt(this.path, `the record at byte ${position} holds samples[${unmoved}] of deployment ${JSON.stringify((samples as RecordedSample[])[unmoved]!.deploymentId)}, which it does not move`, position);
		// What a move makes is checked where it is applied (`overlay`), against the deployment it moves.
		deepFreeze(raw);
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

	/** The document with the journal's records applied (journal-apply.ts); the same object while neither changed. */
	overlay(doc: State, view: JournalView): State {
		return this.#apply.overlay(doc, view);
	}

	/** One deployment (a list read's, from the document at the view's base) moved along the records past it. */
	advance(dep: Deployment, view: JournalView): Deployment {
		return this.#apply.advance(dep, view);
	}

	/**
	 * Appends one commit's record and makes it durable (the commit point); the caller validated and
	 * froze the deployments it moves. `state`: the committed state it makes, over `doc`, for the next read.
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
		this.#read = st && st.ino === known!.ino && Number(st.size) === known!.size + bytes.length ? {records: [...known!.records, record], size: Number(st.size), torn: 0, tail: Buffer.from(bytes), ino: st.ino, mtimeNs: st.mtimeNs, head} : undefined;
		// The commit checked the state it makes: the next overlay starts from it.
		this.#apply.made(over.doc, record, over.state);
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
				this.#read = {...EMPTY, tail: Buffer.alloc(0), ino: st.ino, mtimeNs: st.mtimeNs, head: Buffer.alloc(0)};
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
	Buffer.from(`${JSON.stringify({rev: record.rev, moves: record.moves, ...(record.samples?.length ? {samples: record.samples} : {})})}\n`);
