import {readSync} from 'node:fs';
import type {FileHandle} from 'node:fs/promises';
import {isNodeError} from './errors.js';
import {openDataStat} from './safe-fs.js';

/** NDJSON files: reading the last line cheaply, lines from the end, and whole blocks of lines. */

const NL = 10;

export interface Tail {
	size: number;
	/** The log's inode (absent when there is no log). */
	ino?: bigint;
	/** The last complete (newline-terminated) line, without its newline. */
	last?: {start: number; line: Buffer};
	/** Offset of bytes after the last newline: a torn append, or the whole file if it has none. */
	tornAt?: number;
}

async function openIfExists(path: string) {
	try {
		return await openDataStat(path, 'read');
	} catch (error) {
		if (isNodeError(error, 'ENOENT')) return undefined;
		throw error;
	}
}

/** The end of a log: its last complete line and any torn bytes after it, reading only the end. */
export async function readTail(path: string, firstSpan = 16_384): Promise<Tail> {
	const opened = await openIfExists(path);
	if (!opened) return {size: 0};
	const {fh, st} = opened;
	const size = Number(st.size);
	const ino = st.ino;
	try {
		if (size === 0) return {size, ino};
		for (let span = Math.min(size, firstSpan); ; span = Math.min(size, span * 4)) {
			const buf = Buffer.alloc(span);
			await fh.read(buf, 0, span, size - span);
			const base = size - span;
			const lastNl = buf.lastIndexOf(NL);
			if (lastNl < 0 && span < size) continue;
			const tornAt = lastNl === span - 1 ? undefined : base + lastNl + 1;
			if (lastNl < 0) return {size, ino, tornAt: 0};
			const prevNl = lastNl === 0 ? -1 : buf.lastIndexOf(NL, lastNl - 1);
			if (prevNl < 0 && base > 0) continue;
			const last = {start: base + prevNl + 1, line: Buffer.from(buf.subarray(prevNl + 1, lastNl))};
			return tornAt === undefined ? {size, ino, last} : {size, ino, last, tornAt};
		}
	} finally {
		await fh.close();
	}
}

/** Complete lines from `end` (just after a newline) back to the start of the file. */
export async function* linesBackward(path: string, end?: number, chunk = 65_536): AsyncGenerator<{start: number; line: Buffer}> {
	const opened = await openIfExists(path);
	if (!opened) return;
	const {fh} = opened;
	try {
		let bufStart = end ?? Number(opened.st.size);
		let buf = Buffer.alloc(0);
		for (;;) {
			while (buf.length >= 2) {
				const prevNl = buf.lastIndexOf(NL, buf.length - 2);
				if (prevNl < 0) break;
				yield {start: bufStart + prevNl + 1, line: buf.subarray(prevNl + 1, buf.length - 1)};
				buf = buf.subarray(0, prevNl + 1);
			}
			if (bufStart === 0) {
				if (buf.length > 0) yield {start: 0, line: buf.subarray(0, buf.length - 1)};
				return;
			}
			const take = Math.min(bufStart, chunk);
			const before = Buffer.alloc(take);
			await fh.read(before, 0, take, bufStart - take);
			bufStart -= take;
			buf = Buffer.concat([before, buf]);
		}
	} finally {
		await fh.close();
	}
}

export interface BlockOptions {
	/** The largest block (default 4 MB). */
	size?: number;
	/** Where to start (just after a newline): what an earlier pass already verified is skipped. */
	from?: number;
	/** Two buffers take turns (see `blocks`). */
	reuse?: boolean;
	/** No byte at or past this offset is read (a line boundary the caller knows, such as a verified point's end). */
	end?: number;
	/** The first block's size, when the caller knows about how much it will read (default 64 KB). */
	first?: number;
	/** Reads the next block while the caller works on this one (default); off for a short walk that stops early. */
	prefetch?: boolean;
	/**
	 * Reads on the descriptor synchronously: for a short walk over pages most likely cached (the
	 * lines a write re-checks), where each trip through the thread pool would cost more than the copy.
	 */
	sync?: boolean;
}

/**
 * The file in blocks that end on a line boundary, for a synchronous loop over lines (a generator
 * step per line would cost more than hashing it). The next block is read while the caller works
 * on this one (unless `prefetch: false`). The last block may hold a torn line: `torn`. Given an
 * open file, it is left open.
 * With `reuse`, two buffers take turns (one read into while the caller works on the other), so a
 * block is valid only until the next is asked for: a walk over a 50 MB log then touches 8 MB of
 * memory instead of allocating (and faulting in, then collecting) 50 MB.
 */
export async function* blocks(file: string | FileHandle, opts: BlockOptions = {}): AsyncGenerator<{start: number; buf: Buffer; torn: boolean}> {
	const {size = 4 << 20, from = 0, reuse = false, end = Number.POSITIVE_INFINITY, prefetch = true} = opts;
	const fh = typeof file === 'string' ? (await openIfExists(file))?.fh : file;
	if (!fh) return;
	// Blocks start small and grow to `size`: a walk over the few lines since a witnessed point
	// should not allocate (and collect) megabytes. Each read goes after the partial line carried
	// over from the block before: no concatenation.
	let span = Math.min(size, opts.first ?? 65_536);
	const pair: Array<Buffer | undefined> = [undefined, undefined];
	let turn = 0;
	const bufferFor = (length: number) => {
		if (!reuse) return Buffer.allocUnsafe(length);
		turn ^= 1;
		const held = pair[turn];
		// A quarter more than asked: the next block's carried partial line fits without a new buffer.
		return held && held.length >= length ? held : (pair[turn] = Buffer.allocUnsafe(length + (length >> 2)));
	};
	const readAt = async (position: number, carry: Buffer) => {
		const want = Math.min(span, end - position);
		span = Math.min(size, span * 4);
		if (want <= 0) return carry;
		const buf = bufferFor(carry.length + want);
		carry.copy(buf, 0);
		const bytesRead = opts.sync ? readSync(fh.fd, buf, carry.length, want, position) : (await fh.read(buf, carry.length, want, position)).bytesRead;
		return buf.subarray(0, carry.length + bytesRead);
	};
	let pending = readAt(from, Buffer.alloc(0));
	try {
		let offset = from;
		let carried = 0;
		for (;;) {
			const data = await pending;
			if (data.length === carried) {
				if (data.length > 0) yield {start: offset, buf: data, torn: true};
				return;
			}
			const cut = data.lastIndexOf(NL) + 1;
			const carry = data.subarray(cut);
			const next = offset + data.length;
			if (prefetch) pending = readAt(next, carry);
			if (cut > 0) yield {start: offset, buf: data.subarray(0, cut), torn: false};
			// Asked for only now: the carried bytes are copied before the block they sit in is reused.
			if (!prefetch) pending = readAt(next, carry);
			offset += cut;
			carried = carry.length;
		}
	} finally {
		await pending.catch(() => undefined);
		if (fh !== file) await fh.close();
	}
}

/** Calls `fn` for each line of a block (without its newline), with the line's file offset. */
export function eachLine(block: {start: number; buf: Buffer}, fn: (line: Buffer, start: number) => boolean | void): boolean {
	const {buf} = block;
	for (let pos = 0; pos < buf.length; ) {
		let end = buf.indexOf(NL, pos);
		if (end < 0) end = buf.length;
		if (fn(buf.subarray(pos, end), block.start + pos) === false) return false;
		pos = end + 1;
	}
	return true;
}

/** The bytes from `start` to the end of a file (a torn tail: small). */
export async function readFrom(path: string, start: number): Promise<Buffer> {
	const opened = await openIfExists(path);
	if (!opened) return Buffer.alloc(0);
	const {fh} = opened;
	const size = Number(opened.st.size);
	try {
		const buf = Buffer.alloc(Math.max(0, size - start));
		await fh.read(buf, 0, buf.length, start);
		return buf;
	} finally {
		await fh.close();
	}
}
