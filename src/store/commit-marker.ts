import {hostname} from 'node:os';
import {dirname} from 'node:path';
import type {Head} from './audit-log.js';
import {fsyncDir} from './durable.js';
import {isNodeError} from './errors.js';
import {openData, readData} from './safe-fs.js';

/**
 * What a commit is about to append, said before it appends (`commit.json` in the data directory).
 * A writer that crashes between its audit append and its document write leaves lines past the
 * committed head; recovery adopts them only when this marker names them: the revision after the
 * document's, the head they chain from, and their hashes. A line appended by hand, however well
 * chained, matches no marker and is never adopted. (Someone who can write the data directory can
 * also write a marker: the marker stops lines slipped in past the head, and says whose process
 * began the commit; it is no signature.)
 *
 * The file is rewritten in place at a fixed size (one page, padded with spaces), so a write is
 * whole or not at all and no truncation is needed; it is synced before the audit append starts.
 */
export interface CommitMarker {
	v: 1;
	rev: number;
	from: Head;
	to: Head;
	/** Each line's hash, so a commit cut short mid-append (a prefix of its lines) is still recognised. */
	hashes?: string[];
	uid: number;
	pid: number;
	host: string;
	at: string;
}

const SIZE = 4096;

export async function markCommit(path: string, commit: {rev: number; from: Head; to: Head; hashes: string[]}): Promise<void> {
	const marker: CommitMarker = {v: 1, ...commit, uid: process.geteuid?.() ?? -1, pid: process.pid, host: hostname(), at: new Date().toISOString()};
	let text = JSON.stringify(marker);
	// A large batch's hashes do not fit: it is then recognised only whole.
	if (text.length >= SIZE) text = JSON.stringify({...marker, hashes: undefined});
	const bytes = Buffer.alloc(SIZE, 0x20);
	bytes.write(text, 'utf8');
	bytes[SIZE - 1] = 0x0a;
	let created = false;
	const fh = await openData(path, 'update').catch(async (error: unknown) => {
		if (!isNodeError(error, 'ENOENT')) throw error;
		created = true;
		return openData(path, 'create');
	});
	try {
		await fh.write(bytes, 0, SIZE, 0);
		await fh.datasync();
	} finally {
		await fh.close();
	}
	if (created) await fsyncDir(dirname(path));
}

export async function readMarker(path: string): Promise<CommitMarker | undefined> {
	try {
		const raw = JSON.parse((await readData(path)).toString('utf8')) as CommitMarker;
		return raw?.v === 1 && raw.from && raw.to ? raw : undefined;
	} catch {
		return undefined;
	}
}

/**
 * Whether `lines` (the complete lines past the document's head, chained from it) are what the
 * marker began, whole or cut short: the commit's own lines, or, for a recovery's commit, the lines
 * it adopted followed by its own (each of a revision after the document's, none after the marker's).
 */
export function begunBy(marker: CommitMarker | undefined, doc: {rev: number; auditHead: Head}, lines: ReadonlyArray<{seq: number; hash: string; rev?: number}>): boolean {
	if (!marker || lines.length === 0) return false;
	if (marker.rev <= doc.rev || marker.from.seq !== doc.auditHead.seq || marker.from.hash !== doc.auditHead.hash) return false;
	if (lines.some(l => l.rev !== undefined && (l.rev <= doc.rev || l.rev > marker.rev))) return false;
	const last = lines[lines.length - 1]!;
	if (last.seq === marker.to.seq) return last.hash === marker.to.hash;
	return last.seq < marker.to.seq && lines.every((l, i) => marker.hashes?.[i] === l.hash);
}

/** Who began the commit, for the audit event that adopts its lines. */
export const markerOwner = (m: CommitMarker) => ({uid: m.uid, pid: m.pid, host: m.host, at: m.at});
