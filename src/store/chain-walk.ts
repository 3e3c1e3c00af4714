import {hash} from 'node:crypto';
import {fstatSync, readSync} from 'node:fs';
import type {FileHandle} from 'node:fs/promises';
import type {VerifyReport} from './api.js';
import {GENESIS, hexAt, lineShape} from './audit-log.js';
import {isNodeError} from './errors.js';
import {blocks} from './lines.js';
import {openData} from './safe-fs.js';

export type Bad = NonNullable<VerifyReport['firstBad']>;

/** A line of the chain as a witness keeps it: its seq and hash, and the byte just past its newline. */
export interface ChainPoint {
	seq: number;
	hash: string;
	offset: number;
}

export const GENESIS_POINT: ChainPoint = {seq: 0, hash: GENESIS, offset: 0};

export interface WalkOptions {
	/** A point verified before (a witness): the walk checks that its line still stands, then starts after it. */
	from?: ChainPoint;
	/** Stop once this seq is verified (the committed head: lines past it belong to no commit yet). */
	until?: number;
	/** Each verified line, in chain order, once (the line without its newline; valid during the call only). */
	onLine?: (seq: number, hash: string, line: Buffer) => void;
	/** Each verified line's seq and hash, for a caller that needs no bytes (no buffer is made per line). */
	onHash?: (seq: number, hash: string) => void;
	blockSize?: number;
	/** For a walk that stops early (see lines.ts's `blocks`): the byte it reads up to at most, about how much it reads, and no read ahead. */
	bounds?: {end: number; expect: number};
	/** The log already open (several walks in one check share one open): left open. */
	file?: FileHandle;
	/** Reads it synchronously (see lines.ts's `blocks`): for a write's check, which reads little and recent. */
	sync?: boolean;
}

export interface Walk {
	/** The last line verified (`from` itself when none was). */
	last: ChainPoint;
	/** Why the walk ended: the seq asked for, the end of the log, a torn last line, or a bad line. */
	end: 'until' | 'eof' | 'torn' | 'bad';
	firstBad?: Bad;
	/** Bytes of the torn last line, when `end` is 'torn'. */
	tornBytes?: number;
	/** Lines hashed: what the walk cost. It follows the lines past `from`, never the history before it. */
	hashed: number;
}

/**
 * Walks the chain forward: every line's seq follows the one before, its content matches its hash,
 * and its prevHash is the previous line's hash. The loop works on offsets into each block (the
 * only per-line allocations are the hashed range's view and two 64-character strings), and the
 * blocks take turns in two buffers: at a million lines a second, the SHA-256 itself is half the
 * cost. Starting from a witnessed point, only the lines after it are read.
 */
export async function walkChain(path: string, opts: WalkOptions = {}): Promise<Walk> {
	const from = opts.from ?? GENESIS_POINT;
	// The last line verified, as scalars: an object per line would be garbage at once.
	let seq = from.seq;
	let lastHash = from.hash;
	let offset = from.offset;
	let hashed = 0;
	const stop = (end: Walk['end'], firstBad?: Bad, tornBytes?: number): Walk => ({
		last: seq === from.seq ? from : {seq, hash: lastHash, offset},
		end,
		hashed,
		...(firstBad ? {firstBad} : {}),
		...(tornBytes ? {tornBytes} : {}),
	});
	if (seq > 0) {
		const gone = await standsAt(path, opts.file, from, opts.sync === true);
		hashed++;
		// The witnessed line lost only its final newline (a crash before it reached the disk): reconcile restores it.
		if (gone === NEWLINE_LOST) return stop('torn', undefined, offset - 1);
		if (gone) return stop('bad', {line: seq, seq, reason: gone});
	}
	if (opts.until !== undefined && seq >= opts.until) return stop('until');
	const {onLine, onHash, until} = opts;
	const bounded = opts.bounds ? {end: opts.bounds.end, first: Math.max(4096, opts.bounds.expect), prefetch: false} : {};
	for await (const {buf, start: base, torn} of blocks(opts.file ?? path, {size: opts.blockSize, from: offset, reuse: true, sync: opts.sync, ...bounded})) {
		if (torn) return stop('torn', undefined, buf.length);
		const view = new DataView(buf.buffer, buf.byteOffset, buf.length);
		// Where the previous line's hash sits in this block; -1 while it is in the block before.
		let prevHashAt = -1;
		for (let start = 0; start < buf.length; ) {
			const end = buf.indexOf(10, start);
			const at = seq + 1;
			const shape = lineShape(buf, start, end);
			if (!shape) return stop('bad', {line: at, reason: 'unparseable: the line is not shaped like an audit event (its seq, prevHash or hash field is damaged)'});
			if (shape.seq !== at) {
				const next = end + 1 < buf.length ? lineShape(buf, end + 1, buf.indexOf(10, end + 1)) : undefined;
				return stop('bad', {line: at, seq: shape.seq, reason: seqReason(shape.seq, at, next?.seq)});
			}
			// The hash is over the line's bytes as written (see audit-log.ts): nothing to parse or re-canonicalise.
			const digest = hash('sha256', buf.subarray(start, shape.hashedEnd), 'hex');
			hashed++;
			// One native slice and a string compare cost less than 64 byte-by-char steps.
			if (buf.toString('latin1', shape.hashAt, shape.hashAt + 64) !== digest) return stop('bad', {line: at, seq: at, reason: 'edited: the line no longer matches its hash'});
			// The previous line's stored hash equals its digest (checked above), so its bytes stand for it.
			const linked = prevHashAt < 0 ? hexAt(buf, shape.prevAt, lastHash) : sameHex(view, shape.prevAt, prevHashAt);
			if (!linked) return stop('bad', {line: at, seq: at, reason: `relinked: its prevHash is not the hash of line ${at - 1} (a line before it was replaced)`});
			seq = at;
			lastHash = digest;
			offset = base + end + 1;
			prevHashAt = shape.hashAt;
			onHash?.(at, digest);
			onLine?.(at, digest, buf.subarray(start, end));
			if (at === until) return stop('until');
			start = end + 1;
		}
	}
	return stop('eof');
}

/** Whether the 64 bytes at `a` and at `b` are the same, four at a time. */
function sameHex(view: DataView, a: number, b: number): boolean {
	for (let k = 0; k < 64; k += 4) if (view.getUint32(a + k) !== view.getUint32(b + k)) return false;
	return true;
}

function seqReason(found: number, expected: number, next: number | undefined): string {
	if (found > expected && next === expected) return `swapped: seq ${found} comes before seq ${expected}`;
	if (found > expected) {
		const missing = found - 1 > expected ? `${expected}–${found - 1}` : `${expected}`;
		return `deleted: seq ${missing} missing (found seq ${found} where seq ${expected} belongs)`;
	}
	return `out of order: seq ${found} where seq ${expected} belongs (a line was moved or repeated)`;
}

/** Longest line looked for behind a witnessed offset; an audit line is far shorter. */
const MAX_LINE = 1 << 20;
/** The first look behind a witnessed offset: most lines end within it. */
const FIRST_LOOK = 8192;

const NEWLINE_LOST = 'newline lost';

/**
 * Whether the line ending at `point.offset` is still the one witnessed: the same seq, the same
 * hash, and content that hashes to it. Undefined if so, NEWLINE_LOST if it ends the log without
 * its newline, else why not. Reads only that line.
 */
async function standsAt(path: string, file: FileHandle | undefined, point: ChainPoint, sync: boolean): Promise<string | undefined> {
	const witnessed = `seq ${point.seq} (hash ${point.hash.slice(0, 12)}…) ending at byte ${point.offset}`;
	let fh = file;
	try {
		fh ??= await openData(path, 'read');
	} catch (error) {
		if (isNodeError(error, 'ENOENT')) return `truncated: the log is gone, but it held ${witnessed}`;
		throw error;
	}
	try {
		const {size} = sync ? fstatSync(fh.fd) : await fh.stat();
		const lost = size === point.offset - 1;
		if (size < point.offset && !lost) return `truncated: the log is ${size} bytes, but it held ${witnessed}`;
		// A window that grows until it holds the line's start (an audit line is a few hundred bytes).
		let span = 0;
		let buf = Buffer.alloc(0);
		let start = 0;
		for (let want = Math.min(point.offset, FIRST_LOOK); want > span; want = Math.min(point.offset, MAX_LINE, want * 8)) {
			span = want;
			buf = Buffer.allocUnsafe(span);
			const bytesRead = sync ? readSync(fh.fd, buf, 0, span, point.offset - span) : (await fh.read(buf, 0, span, point.offset - span)).bytesRead;
			buf.fill(0, bytesRead);
			if (lost) buf[span - 1] = 10;
			start = buf.lastIndexOf(10, span - 2) + 1;
			if (start > 0 || span === point.offset) break;
		}
		const shape = buf[span - 1] === 10 ? lineShape(buf, start, span - 1) : undefined;
		if (!shape || shape.seq !== point.seq || !hexAt(buf, shape.hashAt, point.hash)) return `rewritten: the log no longer holds ${witnessed}`;
		if (hash('sha256', buf.subarray(start, shape.hashedEnd), 'hex') !== point.hash) return `edited: ${witnessed} no longer matches its hash`;
		return lost ? NEWLINE_LOST : undefined;
	} finally {
		if (fh !== file) await fh.close();
	}
}
