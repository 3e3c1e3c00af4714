import type {DeploymentSummary} from '../core/view/summary.js';
import {ArchiveIndex, entryOf, withArchived, type ArchiveEntry} from './archive-index.js';
import {isNodeError} from './errors.js';
import {openData} from './safe-fs.js';

/** Read backwards in blocks of this size: a few dozen index lines each. */
const BLOCK = 64 * 1024;

export interface ArchiveTail {
	/** The newest entry of each of the `limit` deployments archived last, oldest archived first. */
	entries: ArchiveEntry[];
	/** True when older archived deployments exist that are not among them. */
	older: boolean;
}

/**
 * The last `limit` deployments the archive index names, read from its end: the cost follows the
 * rows asked for, not the history (a list of the recent past at 100,000 ended deployments reads a
 * few blocks, not 30 MB). A deployment archived twice (rolled back after it completed) counts once,
 * by its later line, as in `ArchiveIndex.entries`. Lines past `throughRev` belong to a commit under
 * way and are not counted; a last line without its newline is still being appended. `match`
 * picks the rows counted (one service's), the others read past.
 */
export async function archiveTail(path: string, limit: number, throughRev: number, match: (e: ArchiveEntry) => boolean = () => true): Promise<ArchiveTail> {
	let fh;
	try {
		fh = await openData(path, 'read');
	} catch (error) {
		if (isNodeError(error, 'ENOENT')) return {entries: [], older: false};
		throw error;
	}
	try {
		const size = (await fh.stat()).size;
		const seen = new Map<string, ArchiveEntry>();
		// Bytes before `start` are unread; `carry` is the start of a line whose beginning is still unread.
		let start = size;
		let carry = Buffer.alloc(0);
		let complete = false;
		let appending = true;
		while (start > 0) {
			const from = Math.max(0, start - BLOCK);
			const block = Buffer.allocUnsafe(start - from);
			const {bytesRead} = await fh.read(block, 0, block.length, from);
			if (bytesRead !== block.length) throw new Error(`${path}: shrank while read`);
			let buf = carry.length > 0 ? Buffer.concat([block, carry]) : block;
			if (appending) {
				// A last line without its newline is still being appended: dropped, however long.
				buf = buf.subarray(0, buf.lastIndexOf(10) + 1);
				appending = buf.length === 0;
				if (appending) {
					start = from;
					continue;
				}
			}
			// Whole lines are those after the first newline, unless this block begins the file.
			const first = from === 0 ? 0 : buf.indexOf(10) + 1;
			if (from > 0 && first === 0) {
				carry = buf;
				start = from;
				continue;
			}
			let end = buf.length - 1;
			while (end > first) {
				const lineStart = buf.lastIndexOf(10, end - 1) + 1;
				const at = Math.max(lineStart, first);
				const entry = entryOf(path, buf.subarray(at, end), from + at);
				end = at - 1;
				if (entry.rev > throughRev || seen.has(entry.id) || !match(entry)) continue;
				if (seen.size === limit) {
					complete = true;
					break;
				}
				seen.set(entry.id, entry);
			}
			if (complete) break;
			carry = buf.subarray(0, first);
			start = from;
		}
		return {entries: [...seen.values()].reverse(), older: complete};
	} finally {
		await fh.close();
	}
}

/** How many ended deployments a list shows unless asked for more: the console shows as many. */
export const ENDED_SHOWN = 20;

/**
 * The live rows with the ended ones before them: the last `ended` archived (all of them with
 * 'all'), and whether older ones were left out.
 */
export async function withEnded<L extends {rev: number; deployments: DeploymentSummary[]}>(live: L, indexPath: string, ended: number | 'all'): Promise<L & {olderEnded: boolean}> {
	const tail = ended === 'all' ? {entries: [...(await new ArchiveIndex(indexPath).entries(live.rev)).values()], older: false} : await archiveTail(indexPath, ended, live.rev);
	return {...live, deployments: withArchived(live.deployments, new Map(tail.entries.map(e => [e.id, e]))), olderEnded: tail.older};
}
