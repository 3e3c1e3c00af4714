import {appendFileSync, readFileSync, truncateSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {describe, expect, it} from 'vitest';
import {JournalRevs, revOver, revPast} from '../../src/store/journal-rev.js';
import {canary, lines, revOf} from './journal-helpers.js';
import {tempDir} from './helpers.js';

/** A record line of the given revision, padded to `width` bytes with its newline (lines of one size can refill a file to the size read last). */
const line = (rev: number, width = 40) => {
	const text = `{"rev":${rev},"moves":[{"id":"d"}]}`;
	return `${text}${' '.repeat(Math.max(0, width - text.length - 1))}\n`;
};
const journalAt = () => join(tempDir(), 'state.journal');

describe('the journal revisions alone (journal-rev.ts: the console list and `canary list` read no record content)', () => {
	it('a whole journal over a document: stale records skipped, a torn last line not counted, records that do not follow refused', () => {
		const bytes = (...revs: number[]) => Buffer.from(revs.map(r => line(r)).join(''));
		expect(revPast(bytes(5, 6, 7), 4)).toBe(7);
		expect(revPast(bytes(5, 6, 7), 6)).toBe(7);
		// A checkpoint that did not get to empty the journal: its records are the document's own.
		expect(revPast(bytes(5, 6, 7), 9)).toBe(9);
		expect(revPast(Buffer.concat([bytes(5), Buffer.from('{"rev":6,"mo')]), 4)).toBe(5);
		expect(revPast(Buffer.alloc(0), 4)).toBe(4);
		// Records past a gap after the document, a gap between records, a line that names no revision.
		expect(revPast(bytes(6, 7), 4)).toBeUndefined();
		expect(revPast(bytes(5, 7), 4)).toBeUndefined();
		expect(revPast(Buffer.from(`${line(5)}{"moves":[],"rev":6}\n`), 4)).toBeUndefined();
		// Stale records out of order (the full read refuses them too), a revision with a leading zero, or 0.
		expect(revPast(bytes(2, 4), 5)).toBeUndefined();
		expect(revPast(Buffer.from(line(5).replace('"rev":5', '"rev":05')), 4)).toBeUndefined();
		expect(revPast(Buffer.from(line(0)), 4)).toBeUndefined();
		expect(revOver({}, 3)).toBe(3);
	});

	it('follows a journal as it grows, reading each line once, and starts again when a checkpoint emptied and refilled it', () => {
		const path = journalAt();
		const revs = new JournalRevs(path);
		expect(revs.follow()).toEqual({});
		writeFileSync(path, line(5) + line(6));
		expect(revs.follow()).toEqual({first: 5, last: 6});
		// A record being appended: counted once whole.
		appendFileSync(path, '{"rev":7,"moves":[');
		expect(revs.follow()).toEqual({first: 5, last: 6});
		appendFileSync(path, '{"id":"d"}]}\n');
		expect(revs.follow()).toEqual({first: 5, last: 7});
		// A checkpoint empties the file in place, and later commits refill it to the same size.
		truncateSync(path, 0);
		expect(revs.follow()).toEqual({});
		writeFileSync(path, line(9) + line(10));
		expect(revs.follow()).toEqual({first: 9, last: 10});
		truncateSync(path, 0);
		appendFileSync(path, line(12) + line(13));
		expect(revs.follow()).toEqual({first: 12, last: 13});
	});

	it('sees a last line rewritten in place at the same length (a failed append cut back, then another written), and refuses what does not follow', () => {
		const path = journalAt();
		const revs = new JournalRevs(path);
		writeFileSync(path, line(5) + line(6));
		expect(revs.follow()).toEqual({first: 5, last: 6});
		const bytes = readFileSync(path);
		writeFileSync(path, Buffer.concat([bytes.subarray(0, line(5).length), Buffer.from(line(8))]));
		expect(revs.follow()).toBeUndefined();
		writeFileSync(path, line(5) + line(6) + line(7));
		expect(revs.follow()).toEqual({first: 5, last: 7});
		appendFileSync(path, line(9));
		expect(revs.follow()).toBeUndefined();
	});

	it("the store's rows as written stand at the journal's revision, the full read's, without reading the records' content", async () => {
		const {store, record, journal, doc} = await canary();
		for (let i = 0; i < 3; i++) await record();
		expect(lines(journal)).toHaveLength(3);
		const rows = await store.listDeployments({archived: false, checked: false});
		expect(rows.source).toBe('rows');
		expect(rows.rev).toBe((await store.read()).rev);
		expect(rows.rev).toBe(revOf(doc) + 3);
		// Records that do not continue the document: the full read refuses them, naming the journal.
		const kept = readFileSync(journal);
		writeFileSync(journal, lines(journal).slice(1).join('\n') + '\n');
		await expect(store.listDeployments({archived: false, checked: false})).rejects.toThrow(/state\.journal.*records start at rev/);
		writeFileSync(journal, kept);
		expect((await store.listDeployments({archived: false, checked: false})).rev).toBe(rows.rev);
	});

	it('a record whose revision is not first and once, as calyx writes it, is refused by the full read: the two readers never differ on a revision', async () => {
		const {store, record, journal} = await canary();
		for (let i = 0; i < 2; i++) await record();
		const kept = readFileSync(journal, 'utf8');
		const [first, last] = lines(journal) as [string, string];
		const rev = Number(/^\{"rev":(\d+),/.exec(last)![1]);
		// JSON keeps the last of two keys: the line's first bytes name another revision than the one parsed.
		writeFileSync(journal, `${first}\n${last.replace(`{"rev":${rev},`, `{"rev":${rev + 5},"rev":${rev},`)}\n`);
		await expect(store.read()).rejects.toThrow(/state\.journal: the line at byte \d+ fails its schema at rev: first and once/);
		await expect(store.listDeployments({archived: false, checked: false})).rejects.toThrow(/first and once/);
		writeFileSync(journal, kept);
		expect((await store.listDeployments({archived: false, checked: false})).rev).toBe(rev);
		expect((await store.read()).rev).toBe(rev);
	});
});
