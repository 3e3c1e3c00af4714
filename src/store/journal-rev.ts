import {closeSync, readSync, type BigIntStats} from 'node:fs';
import {isNodeError} from './errors.js';
import {MAX_DOCUMENT_BYTES} from './file-id.js';
import {openDataSync} from './safe-fs.js';

/**
 * The journal's revisions, read without its content: for readers that must not load the schemas
 * (`canary list`'s quick path) and for the console's list, which shows the document's rows (no
 * record changes one: journal-step.ts) and needs only the revision they stand at. The full read
 * validates the records (journal.ts). Nothing here imports zod.
 */

/** A record's first bytes name its revision (journal.ts writes `rev` first, from 1, without leading zeros). */
const REV = /^\{"rev":([1-9]\d{0,15}),/;

/** How far into a line its revision is looked for (`{"rev":` and sixteen digits, and the comma, fit). */
const REV_BYTES = 32;

/**
 * The revision a record's line names in its first bytes, as the writer writes it; undefined when
 * it names none there. The full read requires it to be the parsed `rev` (journal.ts), so that a
 * reader of revisions alone reads the same revision.
 */
export function lineRev(line: Buffer): number | undefined {
	const m = REV.exec(line.toString('latin1', 0, Math.min(line.length, REV_BYTES)));
	const rev = m ? Number(m[1]) : Number.NaN;
	return Number.isSafeInteger(rev) ? rev : undefined;
}

/** How much of the file's start a reader keeps, to tell a refilled journal from the one it read (a record's first bytes name its rev). */
export const HEAD_BYTES = 32;

export function headOf(fd: number): Buffer {
	const head = Buffer.alloc(HEAD_BYTES);
	return head.subarray(0, readSync(fd, head, 0, HEAD_BYTES, 0));
}

/** What a reader keeps of the journal it read: the file's inode and first bytes, where its whole lines end, and the last of them. */
export interface FileMark {
	ino: bigint;
	head: Buffer;
	size: number;
	tail: Buffer;
}

/**
 * Whether the file open at `fd` is the one `mark` read, grown at most: the lines read are then
 * the lines it has, and what follows `mark.size` is new. A checkpoint empties the file in place
 * (same inode), and lines of one size can refill it to the size read last: its first bytes then
 * differ (a refill starts at a later rev). The last line is compared too: a failed append is cut
 * back, and the next commit may write its rev at the same length.
 */
export function continues(fd: number, st: BigIntStats, head: Buffer, mark: FileMark): boolean {
	if (mark.ino !== st.ino || !head.subarray(0, mark.head.length).equals(mark.head) || Number(st.size) < mark.size) return false;
	if (mark.tail.length === 0) return true;
	const now = Buffer.alloc(mark.tail.length);
	return readSync(fd, now, 0, now.length, mark.size - mark.tail.length) === now.length && now.equals(mark.tail);
}

/** The revisions of a run of records: the first and last, or none when it holds no whole line. */
export type RevSpan = {first: number; last: number} | {first?: undefined; last?: undefined};

/**
 * The revisions of the whole lines in `bytes`, each line following the one before (the first
 * following `after`, if given), with where the whole lines end and the last of them starts;
 * undefined when a line names no revision or one is out of order.
 */
function linesRevs(bytes: Buffer, after?: number): (RevSpan & {end: number; lastAt: number}) | undefined {
	let [first, last, end, lastAt] = [undefined as number | undefined, undefined as number | undefined, 0, 0];
	for (let nl = bytes.indexOf(10); nl >= 0; nl = bytes.indexOf(10, end)) {
		const rev = lineRev(bytes.subarray(end, nl));
		const before = last ?? after;
		if (rev === undefined || (before !== undefined && rev !== before + 1)) return undefined;
		first ??= rev;
		[last, lastAt, end] = [rev, end, nl + 1];
	}
	const revs: RevSpan = first === undefined || last === undefined ? {} : {first, last};
	return {...revs, end, lastAt};
}

/**
 * The committed revision over a document at `base`: the last record's, if the records continue
 * it (records it already holds are skipped); undefined when they do not (the full read says why).
 */
export function revOver(span: RevSpan, base: number): number | undefined {
	if (span.last === undefined || span.last <= base) return base;
	return span.first <= base + 1 ? span.last : undefined;
}

/** The committed revision over a document at `base`, from a whole journal's bytes (`canary list`'s quick path); undefined when only the full read can tell. */
export function revPast(bytes: Buffer, base: number): number | undefined {
	const span = linesRevs(bytes);
	return span && revOver(span, base);
}

/**
 * The journal's revisions followed, for a reader that asks again: each call reads only the lines
 * appended since the last one (all of them after a checkpoint emptied the file and writes refilled it).
 */
export class JournalRevs {
	#known?: FileMark & RevSpan;

	constructor(readonly path: string) {}

	/** The records' revisions as the file stands; undefined when only the full read can tell (a line without its rev, records out of order, a file refused). */
	follow(): RevSpan | undefined {
		let opened;
		try {
			opened = openDataSync(this.path, 'read');
		} catch (error) {
			this.#known = undefined;
			return isNodeError(error, 'ENOENT') ? {} : undefined;
		}
		const {fd, st} = opened;
		try {
			const size = Number(st.size);
			const head = headOf(fd);
			const known = this.#known && continues(fd, st, head, this.#known) ? this.#known : undefined;
			this.#known = undefined;
			if (size > MAX_DOCUMENT_BYTES) return undefined;
			// From where the last call stopped; from the start if those lines do not go on (a refill).
			for (const from of known ? [known, undefined] : [undefined]) {
				const start = from?.size ?? 0;
				const bytes = Buffer.allocUnsafe(size - start);
				// A short read leaves whole lines for the next call.
				const read = bytes.subarray(0, readSync(fd, bytes, 0, bytes.length, start));
				const span = linesRevs(read, from?.last);
				if (!span) continue;
				const tail = span.end > 0 ? Buffer.from(read.subarray(span.lastAt, span.end)) : (from?.tail ?? Buffer.alloc(0));
				const before: RevSpan = from?.last === undefined ? {} : {first: from.first, last: from.last};
				const revs: RevSpan = span.last === undefined ? before : {first: before.first ?? span.first, last: span.last};
				this.#known = {ino: st.ino, head, size: start + span.end, tail, ...revs};
				return revs;
			}
			return undefined;
		} finally {
			closeSync(fd);
		}
	}
}
