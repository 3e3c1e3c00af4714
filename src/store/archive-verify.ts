import {createHash} from 'node:crypto';
import type {ArchiveRecord} from '../core/archive.js';
import {ArchiveIndex, type ArchiveEntry} from './archive-index.js';
import {digest, indexFields, recordLine} from './archive-log.js';
import {COLUMNS} from './list-read.js';
import {parseEvent} from './audit-log.js';
import {blocks, eachLine} from './lines.js';
import type {StorePaths} from './paths.js';

/**
 * The archive against the audit trail. Each archiving event names the digest of what it archived
 * (one record, or a migration's records together), so an archive edited after the fact (its index
 * made to agree) is found here: every line of archive.ndjson is hashed as it is read, and each
 * record must be what its commit's event says, each event's records present.
 */
export interface ArchiveCheck {
	records: number;
	differences: Array<{id?: string; problem: string}>;
}

interface Named {
	seq: number;
	/** Per deployment: its record's digest, and the event's seq. */
	each: Map<string, {sha256: string; seq: number}>;
	/** A migration's bulk move: how many, and the digest of their records together, in order. */
	bulk?: {count: number; sha256: string; seq: number};
}

/** What the trail says was archived, by the revision of the commit that did it. */
async function archivingEvents(paths: StorePaths, throughRev: number): Promise<Map<number, Named>> {
	const byRev = new Map<number, Named>();
	// A commit a crash stopped keeps its events in the trail, named by the recovery as not taken effect: its archive lines were moved aside.
	const void_ = new Set<number>();
	const needles = [Buffer.from('.archived"'), Buffer.from('"store.recovered"')];
	for await (const block of blocks(paths.audit)) {
		if (block.torn) continue;
		eachLine(block, (line, start) => {
			if (!needles.some(n => line.indexOf(n) >= 0)) return;
			const e = parseEvent(paths.audit, line, start);
			if (e.kind === 'store.recovered' && typeof e.data.orphanRev === 'number') return void void_.add(e.data.orphanRev);
			if (e.rev > throughRev || (e.kind !== 'deployment.archived' && e.kind !== 'store.archived')) return;
			const named: Named = byRev.get(e.rev) ?? {seq: e.seq, each: new Map()};
			byRev.set(e.rev, named);
			if (e.kind === 'store.archived') named.bulk = {count: Number(e.data.count), sha256: String(e.data.sha256), seq: e.seq};
			else named.each.set(e.subject, {sha256: String(e.data.sha256), seq: e.seq});
		});
	}
	for (const rev of void_) byRev.delete(rev);
	return byRev;
}

/** What an index line gets wrong about the record it places, if anything: each field a reader trusts. */
function indexProblem(entry: ArchiveEntry, id: string, sha256: string, len: number, body: Buffer): string | undefined {
	if (entry.id !== id) return `another id (${entry.id})`;
	if (entry.sha256 !== sha256) return 'another digest';
	if (entry.len !== len) return `another length (${entry.len}, not ${len})`;
	let record: ArchiveRecord;
	try {
		record = JSON.parse(body.toString('utf8')) as ArchiveRecord;
	} catch {
		return 'a record that is not JSON';
	}
	const {refs, row} = indexFields(record);
	if (JSON.stringify(entry.refs) !== JSON.stringify(refs)) return `other intent and lease ids (${entry.refs.join(', ') || 'none'}, not ${refs.join(', ') || 'none'})`;
	if (JSON.stringify(COLUMNS.map(c => entry.summary[c] ?? null)) !== JSON.stringify(row)) return 'another list row (status, versions or times)';
	return undefined;
}

export async function verifyArchive(paths: StorePaths, throughRev: number): Promise<ArchiveCheck> {
	const named = await archivingEvents(paths, throughRev);
	// Every line of the index, not only the newest per id: an older record must still be what its event said.
	const indexed = new Map<number, ArchiveEntry>();
	const index = new ArchiveIndex(paths.archiveIndex);
	await index.each(throughRev, e => indexed.set(e.at, e));
	const differences: ArchiveCheck['differences'] = [];
	const bulk = new Map<number, {hash: ReturnType<typeof createHash>; count: number}>();
	const seen = new Map<number, Set<string>>();
	let records = 0;
	for await (const block of blocks(paths.archive)) {
		if (block.torn) continue;
		eachLine(block, (line, start) => {
			const parsed = recordLine(line);
			if (!parsed) return void differences.push({problem: `${paths.archive}: the line at byte ${start} is not an archived record`});
			const {rev, id, body} = parsed;
			if (rev > throughRev) return;
			records++;
			const sha256 = digest(body);
			const entry = indexed.get(start);
			indexed.delete(start);
			const wrong = entry && indexProblem(entry, id, sha256, line.length + 1, body);
			if (!entry) differences.push({id, problem: `its record at byte ${start} has no line in ${paths.archiveIndex}`});
			else if (wrong) differences.push({id, problem: `${paths.archiveIndex} says ${wrong} of its record at byte ${start}`});
			const events = named.get(rev);
			if (events?.bulk) {
				const b = bulk.get(rev) ?? {hash: createHash('sha256'), count: 0};
				bulk.set(rev, b);
				b.hash.update(body);
				b.count++;
			} else if (events?.each.has(id)) {
				// Held (said once, as different, or not at all): the event's record is accounted for.
				seen.set(rev, (seen.get(rev) ?? new Set()).add(id));
				const said = events.each.get(id)!;
				if (said.sha256 !== sha256) differences.push({id, problem: `its record differs from what audit seq ${said.seq} archived`});
			} else {
				differences.push({id, problem: `no audit event archived it (rev ${rev})`});
			}
		});
	}
	for (const [at, entry] of indexed) differences.push({id: entry.id, problem: `${paths.archiveIndex} places its record at byte ${at}, where ${paths.archive} has none`});
	for (const [rev, events] of named) {
		if (events.bulk) {
			const b = bulk.get(rev);
			if (!b || b.count !== events.bulk.count || b.hash.digest('hex') !== events.bulk.sha256) {
				differences.push({problem: `the ${events.bulk.count} records audit seq ${events.bulk.seq} moved to the archive are not all there as they were (found ${b?.count ?? 0})`});
			}
		}
		for (const [id, said] of events.each) if (!seen.get(rev)?.has(id)) differences.push({id, problem: `audit seq ${said.seq} archived it, but the archive does not hold that record`});
	}
	return {records, differences};
}
