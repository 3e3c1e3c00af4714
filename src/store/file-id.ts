import {closeSync, readSync} from 'node:fs';
import {parseHeader, type Header} from './codec.js';
import {ioError, isNodeError, StoreError} from './errors.js';
import type {StorePaths} from './paths.js';
import {openDataStat, openDataSync} from './safe-fs.js';

/**
 * The largest state file calyx reads. Live state is a few MB even at thousands of deployments; a
 * larger file is something else (a planted field, a runaway writer), and reading it would cost
 * every command several times its size in memory.
 */
export const MAX_DOCUMENT_BYTES = 128 * 1024 * 1024;

/**
 * Which file, at which write. A rename keeps all four; any other write changes the size or the
 * mtime. Nothing here loads a schema: the quick `canary list` path reads the document's identity
 * without paying for zod or the engine.
 */
export interface FileId {
	dev: bigint;
	ino: bigint;
	size: bigint;
	mtimeNs: bigint;
}

export const fileId = (st: FileId): FileId => ({dev: st.dev, ino: st.ino, size: st.size, mtimeNs: st.mtimeNs});
export const sameFile = (a: FileId, b: FileId) => a.dev === b.dev && a.ino === b.ino && a.size === b.size && a.mtimeNs === b.mtimeNs;

export const notInitialised = (paths: StorePaths) =>
	new StoreError(
		'NOT_INITIALISED',
		`no calyx state in ${paths.dir}: ${paths.state} does not exist (run \`calyx init\`, or point --data / CALYX_DATA at an existing data directory)`,
		paths.state,
	);

/**
 * The state file's bytes from one open, or undefined when it is larger than a state document (the
 * full read's to refuse, naming it). The document's own problems (missing, unreadable) are thrown.
 */
export async function documentBytes(paths: StorePaths): Promise<Buffer | undefined> {
	try {
		const {fh, st} = await openDataStat(paths.state, 'read');
		try {
			return st.size > BigInt(MAX_DOCUMENT_BYTES) ? undefined : await fh.readFile();
		} finally {
			await fh.close();
		}
	} catch (error) {
		throw unreadable(paths, error);
	}
}

/**
 * A first read's size: the header and the list rows of some ninety live deployments (165 bytes a
 * row). A reader asking every second allocates this much each time, in the idle console's young
 * generation.
 */
const FIRST_HEAD_BYTES = 16_384;

/**
 * The state file's first bytes, from one open: FIRST_HEAD_BYTES, then twice as many while `enough`
 * says the part wanted is not all in them and the file has more. Undefined when it never is.
 * Read synchronously: a reader asking every second (the console's list) would otherwise send four
 * jobs a second through the thread pool (open, stat, read, close), each a wake-up of a worker
 * and of the loop for a few µs of work.
 */
export async function documentHead(paths: StorePaths, enough: (head: Buffer) => boolean): Promise<Buffer | undefined> {
	let opened;
	try {
		opened = openDataSync(paths.state, 'read');
	} catch (error) {
		throw unreadable(paths, error);
	}
	const {fd, st} = opened;
	try {
		const size = Math.min(Number(st.size), MAX_DOCUMENT_BYTES);
		let head = Buffer.alloc(0);
		for (let want = Math.min(size, FIRST_HEAD_BYTES); ; want = Math.min(size, want * 2)) {
			const more = Buffer.allocUnsafe(want - head.length);
			const bytesRead = readSync(fd, more, 0, more.length, head.length);
			head = head.length === 0 ? more.subarray(0, bytesRead) : Buffer.concat([head, more.subarray(0, bytesRead)]);
			if (enough(head)) return head;
			if (bytesRead < more.length || head.length >= size) return undefined;
		}
	} catch (error) {
		throw unreadable(paths, error);
	} finally {
		closeSync(fd);
	}
}

const unreadable = (paths: StorePaths, error: unknown) => (isNodeError(error, 'ENOENT') ? notInitialised(paths) : ioError('reading', paths.state, error));

/** The state file's identity and first line (rev, audit head), from one open, without reading the rest. */
export async function documentIdentity(paths: StorePaths): Promise<{id: FileId; header?: Header}> {
	try {
		const {fh, st} = await openDataStat(paths.state, 'read');
		try {
			const id = fileId(st);
			const head = Buffer.alloc(256);
			const {bytesRead} = await fh.read(head, 0, head.length, 0);
			const header = parseHeader(head.subarray(0, bytesRead));
			return header ? {id, header} : {id};
		} finally {
			await fh.close();
		}
	} catch (error) {
		throw unreadable(paths, error);
	}
}
