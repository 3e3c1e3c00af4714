import {appendFileSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {describe, expect, it} from 'vitest';
import {ArchiveIndex, indexLine} from '../../src/store/archive-index.js';
import {archiveTail} from '../../src/store/archive-tail.js';
import {tempDir} from './helpers.js';

const SHA = 'a'.repeat(64);
const id = (n: number) => `DEP-20260101-${String(n).padStart(3, '0')}`;

/** An index line for deployment `n`, archived at `rev`; `pad` lengthens its service name. */
function line(n: number, rev: number, status: 'completed' | 'rolled_back' = 'completed', pad = 0): string {
	const row = [id(n), `svc-${'x'.repeat(pad)}${n}`, '1.0.0', '1.1.0', status, 100, 2, [5, 25, 100], 'ok', '2026-01-01T00:00:00.000Z', '2026-01-01T00:01:00.000Z', null];
	return indexLine({rev, id: id(n), at: n * 1000, len: 900, sha256: SHA, refs: [`INT-${n}`], row});
}

function indexOf(lines: string[]): string {
	const path = join(tempDir(), 'archive.index.ndjson');
	writeFileSync(path, lines.join(''));
	return path;
}

describe('archiveTail: the last deployments the archive index names, read from its end', () => {
	it('gives the same rows as the whole index, for every limit, across blocks', async () => {
		// Lines of a few hundred bytes: 1,000 of them span several 64 KB blocks, some cut mid-line.
		const path = indexOf(Array.from({length: 1000}, (_, n) => line(n, n + 1, 'completed', n % 7 === 0 ? 400 : 20)));
		const whole = [...(await new ArchiveIndex(path).entries(1000)).values()];
		for (const limit of [0, 1, 17, 333, 999]) {
			const tail = await archiveTail(path, limit, 1000);
			expect(tail.entries).toEqual(whole.slice(whole.length - limit));
			expect(tail.older).toBe(true);
		}
		expect(await archiveTail(path, 1000, 1000)).toEqual({entries: whole, older: false});
		expect(await archiveTail(path, 5000, 1000)).toEqual({entries: whole, older: false});
	});

	it('counts only the rows a filter picks (one service\'s), reading past the others', async () => {
		const path = indexOf(Array.from({length: 300}, (_, n) => line(n, n + 1)));
		// Services are svc-<pad><n>: those ending in 7.
		const tail = await archiveTail(path, 5, 300, e => e.summary.service.endsWith('7'));
		expect(tail.entries.map(e => e.id)).toEqual([257, 267, 277, 287, 297].map(id));
		expect(tail.older).toBe(true);
		expect((await archiveTail(path, 50, 300, e => e.summary.service.endsWith('7'))).older).toBe(false);
	});

	it('counts a deployment archived twice once, by its later line', async () => {
		const path = indexOf([line(1, 1), line(2, 2), line(3, 3), line(1, 4, 'rolled_back')]);
		const tail = await archiveTail(path, 2, 4);
		expect(tail.entries.map(e => [e.id, e.summary.status])).toEqual([
			[id(3), 'completed'],
			[id(1), 'rolled_back'],
		]);
		expect(tail.older).toBe(true);
		expect((await archiveTail(path, 3, 4)).older).toBe(false);
	});

	it('leaves out lines of a commit under way: past the committed revision, or without their newline', async () => {
		const path = indexOf([line(1, 1), line(2, 2), line(3, 3)]);
		expect((await archiveTail(path, 10, 2)).entries.map(e => e.id)).toEqual([id(1), id(2)]);
		// A partial line longer than a block: none of it is read as a line.
		appendFileSync(path, line(4, 4, 'completed', 70_000).slice(0, 70_100));
		expect((await archiveTail(path, 10, 4)).entries.map(e => e.id)).toEqual([id(1), id(2), id(3)]);
	});

	it('reads an absent index as empty, and reports a damaged line with its position', async () => {
		expect(await archiveTail(join(tempDir(), 'none.ndjson'), 5, 1)).toEqual({entries: [], older: false});
		const good = line(1, 1);
		const path = indexOf([good, '{"rev":2,"id":"DEP-x"}\n', line(3, 3), line(4, 4)]);
		// Only what it reads: the last row, and the one before it (to say whether older ones exist).
		await expect(archiveTail(path, 1, 4)).resolves.toMatchObject({entries: [{id: id(4)}], older: true});
		await expect(archiveTail(path, 2, 4)).rejects.toThrow(`the line at byte ${good.length} lacks rev, at, len or sha256`);
	});
});
