import {lstatSync} from 'node:fs';
import {sameFile, type FileId} from './file-id.js';

/** A log as one lstat sees it: its inode and size, or absent. */
export type LogSize = {ino: bigint; size: bigint} | undefined;

/**
 * Each log's inode and size now (reads only; never follows a link: one stands out by its inode).
 * One lstat each, made synchronously: a metadata look of a few µs, where a trip through the
 * thread pool costs far more on a busy box, and every write makes these.
 */
export function logSizes(logs: readonly string[]): Map<string, LogSize> {
	const sizes = new Map<string, LogSize>();
	for (const log of logs) {
		const st = lstatSync(log, {bigint: true, throwIfNoEntry: false});
		sizes.set(log, st === undefined ? undefined : st.isFile() ? {ino: st.ino, size: st.size} : {ino: -1n, size: -1n});
	}
	return sizes;
}

const UNKNOWN = {ino: -1n, size: -1n};
const same = (a: LogSize, b: LogSize) => (a === undefined || b === undefined ? a === b : a.ino === b.ino && a.size === b.size && a.ino !== -1n);

/**
 * What this process left after its own last commit: the document file it renamed into place, and
 * each log's inode and size (as checked before the commit, plus the whole lines it appended).
 *
 * The next write (under the lock) compares one lstat per log with that. Anything that happened in
 * between shows: another process's commit put a new document in place; a writer that crashed
 * mid-commit appended to a log (a size this process did not leave), or left a temp file or a
 * pending quarantine (the debris sweep, which runs on every write, finds those); a repair cut
 * short truncated a log (and left its pending quarantine). When all stands as left, the logs agree
 * with the document, as this process checked them before appending, and the tail reads that would
 * prove it again are skipped. Anything else (a first write, a recovery, an archive move, a failure)
 * takes the full check.
 */
export class LastCommit {
	#left?: {doc: FileId; logs: Map<string, LogSize>};

	/** Whether the document and the logs are exactly as this process left them; forgets either way. */
	unchanged(doc: FileId | undefined, now: ReadonlyMap<string, LogSize>): boolean {
		const left = this.#left;
		this.#left = undefined;
		return left !== undefined && doc !== undefined && sameFile(left.doc, doc) && [...now].every(([log, size]) => left.logs.has(log) && same(left.logs.get(log), size));
	}

	/** After a commit that appended `appended` bytes (whole lines) to logs sized `before` at its check. */
	left(doc: FileId, before: ReadonlyMap<string, LogSize>, appended: ReadonlyMap<string, number>): void {
		const logs = new Map<string, LogSize>();
		for (const [log, size] of before) {
			const added = appended.get(log) ?? 0;
			// A log this commit created has an inode no one read: the next write checks in full.
			logs.set(log, added === 0 ? size : size ? {ino: size.ino, size: size.size + BigInt(added)} : UNKNOWN);
		}
		this.#left = {doc, logs};
	}

	forget(): void {
		this.#left = undefined;
	}
}
