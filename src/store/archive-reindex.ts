import type {ArchiveRecord} from '../core/archive.js';
import type {EventDraft} from '../core/events.js';
import {entryOf, indexLine} from './archive-index.js';
import {digest, indexFields, recordLine} from './archive-log.js';
import {writeDurable} from './durable.js';
import {isNodeError, StoreError} from './errors.js';
import {blocks, eachLine, linesBackward, readTail} from './lines.js';
import {revOf} from './metrics-log.js';
import type {StorePaths} from './paths.js';
import {readData} from './safe-fs.js';

/**
 * The archive's index is derived data: everything in it can be read again from archive.ndjson, and
 * the records there are vouched for by the audit trail (archive-verify.ts). So an index lost, cut
 * or damaged by hand is rebuilt by `calyx repair`, audited; an archive that lost records cannot be
 * rebuilt from anything, and is left for a restore.
 */
export interface IndexCheck {
	/** Why the index must be rebuilt, if it must. */
	rebuild?: string;
	/** Why it cannot be (the archive itself lost what its index names). */
	left?: string;
}

async function readIfAny(path: string): Promise<Buffer | undefined> {
	try {
		return await readData(path);
	} catch (error) {
		if (isNodeError(error, 'ENOENT')) return undefined;
		throw error;
	}
}

/** Where the archive's committed lines end: a torn tail, and lines past the revision, are recovery's to move aside. */
async function committedEnd(path: string, throughRev: number): Promise<number> {
	const tail = await readTail(path);
	for await (const {line, start} of linesBackward(path, tail.tornAt ?? tail.size)) {
		if ((revOf(line) ?? 0) <= throughRev) return start + line.length + 1;
	}
	return 0;
}

/** Reads only. */
export async function checkIndex(paths: StorePaths, throughRev: number): Promise<IndexCheck> {
	const index = await readIfAny(paths.archiveIndex);
	let end = 0;
	let lines = 0;
	for (let pos = 0, nl = index?.indexOf(10) ?? -1; index && nl >= 0; pos = nl + 1, nl = index.indexOf(10, pos)) {
		try {
			const e = entryOf(paths.archiveIndex, index.subarray(pos, nl), pos);
			if (e.rev > throughRev) continue;
			end = Math.max(end, e.at + e.len);
			lines++;
		} catch (error) {
			return {rebuild: `${paths.archiveIndex} is damaged (${error instanceof Error ? error.message : String(error)})`};
		}
	}
	const size = await committedEnd(paths.archive, throughRev);
	if (end > size) return {left: `${paths.archive} is ${size} bytes, but ${paths.archiveIndex} names records up to byte ${end}: records were lost; restore both files from a backup`};
	if (end < size && lines === 0) return {rebuild: `${paths.archiveIndex} is ${index ? 'empty' : 'missing'} while ${paths.archive} holds ${size} bytes of records`};
	if (end < size) return {rebuild: `${paths.archiveIndex} names records up to byte ${end} of the ${size} in ${paths.archive}`};
	return {};
}

/** Writes the index again from the archive's records (through `throughRev`), and says so in an event. */
export async function rebuildIndex(paths: StorePaths, throughRev: number, why: string): Promise<EventDraft> {
	const before = await readIfAny(paths.archiveIndex);
	let text = '';
	let records = 0;
	for await (const block of blocks(paths.archive)) {
		if (block.torn) continue;
		eachLine(block, (line, at) => {
			const parsed = recordLine(line);
			if (!parsed || parsed.rev > throughRev) return;
			const {rev, id, body} = parsed;
			let record: ArchiveRecord;
			try {
				record = JSON.parse(body.toString('utf8')) as ArchiveRecord;
			} catch {
				throw new StoreError('CORRUPT', `${paths.archive}: the record at byte ${at} is not JSON: the index cannot be rebuilt past it; restore the archive from a backup`, paths.archive, {position: at});
			}
			text += indexLine({rev, id, at, len: line.length + 1, sha256: digest(body), ...indexFields(record)});
			records++;
		});
	}
	await writeDurable(paths.archiveIndex, [Buffer.from(text)]);
	return {
		at: new Date().toISOString(),
		actor: 'store',
		kind: 'archive.reindexed',
		subject: 'state',
		reason: `${why}: rebuilt from ${paths.archive} (${records} records)`,
		data: {file: paths.archiveIndex, records, replaced: before ? {bytes: before.length, sha256: digest(before)} : null},
	};
}
