import type {StorePaths} from './paths.js';
import type {JournalRecord} from './journal.js';
import {linesBackward, readTail} from './lines.js';
import {revOf, sampleLines} from './metrics-log.js';
import {storeEvent} from './store-event.js';

/** Samples a crash cut from the metrics log: the lines to append again, and what to say of them. */
export interface CutSamples {
	bytes: Buffer;
	count: number;
	revs: number[];
}

/**
 * The samples of the journal's records that the metrics log lacks. A journal commit writes its
 * samples to the log unsynced (the record, synced, is the commit: journal-commit.ts), so a crash
 * of the machine can keep the record and cut the lines. A log keeps a prefix of what was appended
 * (a torn line is cut by recovery first): for each record, the lines it holds of that revision are
 * counted from the end, and the rest of the record's samples are the ones cut. `records`: those
 * past the document's revision (the rewrite that took older ones in synced the log first).
 */
export async function cutSamples(path: string, records: readonly JournalRecord[]): Promise<CutSamples | undefined> {
	const sampled = records.filter(r => (r.samples?.length ?? 0) > 0);
	if (sampled.length === 0) return undefined;
	const first = sampled[0]!.rev;
	const present = new Map<number, number>();
	const tail = await readTail(path);
	// The log ends with the last record's last sample, as it mostly does: it holds every one before (a prefix).
	const newest = sampled.at(-1)!;
	if (tail.tornAt === undefined && tail.last?.line.equals(sampleLines([newest.samples!.at(-1)!], newest.rev).subarray(0, -1))) return undefined;
	for await (const {line} of linesBackward(path, tail.tornAt ?? tail.size)) {
		const rev = revOf(line) ?? 0;
		if (rev < first) break;
		present.set(rev, (present.get(rev) ?? 0) + 1);
	}
	const cut = sampled.map(r => ({rev: r.rev, samples: r.samples!.slice(present.get(r.rev) ?? 0)})).filter(r => r.samples.length > 0);
	if (cut.length === 0) return undefined;
	return {
		bytes: Buffer.concat(cut.map(r => sampleLines([...r.samples], r.rev))),
		count: cut.reduce((n, r) => n + r.samples.length, 0),
		revs: cut.map(r => r.rev),
	};
}

/** What a recovery says of the journal: a record a crash cut short, samples appended again. */
export function journalEvents(paths: StorePaths, torn: number, cut: CutSamples | undefined) {
	return [
		...(torn > 0 ? [storeEvent('store.recovered', `a commit stopped while writing its journal record (${torn} bytes at the end of ${paths.journal}): it did not take effect; the journal is emptied once the document holds its records`, {journal: paths.journal, tornBytes: torn})] : []),
		...(cut ? [storeEvent('store.recovered', `${cut.count} sample${cut.count === 1 ? '' : 's'} of committed journal records (rev ${cut.revs.join(', ')}) were missing from ${paths.metrics} (a crash before it was synced) and were appended again from the journal`, {metrics: paths.metrics, samples: cut.count, revs: cut.revs})] : []),
	];
}
