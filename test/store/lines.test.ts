import {writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {describe, expect, it} from 'vitest';
import {mulberry32} from '../../src/core/sim/prng.js';
import {chain} from '../../src/store/audit-log.js';
import {blocks, eachLine, linesBackward, readTail} from '../../src/store/lines.js';
import {verifyChain} from '../../src/store/verify.js';
import {tempDir} from './helpers.js';

/** Lines of random lengths (some longer than the smallest read sizes below), optionally torn at the end. */
function file(torn = '') {
	const rnd = mulberry32(7);
	const lines = Array.from({length: 60}, (_, i) => `${i}:${'x'.repeat(Math.floor(rnd() * 300))}`);
	const path = join(tempDir(), 'log.ndjson');
	writeFileSync(path, lines.map(l => `${l}\n`).join('') + torn);
	return {path, lines};
}

describe('reading NDJSON in pieces', () => {
	for (const size of [1, 7, 64, 4096]) {
		it(`blocks of ${size} bytes give every line once, in order, and the torn tail apart`, async () => {
			const {path, lines} = file('partial');
			const seen: string[] = [];
			let tail = '';
			for await (const block of blocks(path, {size})) {
				if (block.torn) tail = block.buf.toString();
				else eachLine(block, (line, start) => void seen.push(`${start}|${line.toString()}`));
			}
			let offset = 0;
			expect(seen).toEqual(lines.map(l => `${(offset += l.length + 1) - l.length - 1}|${l}`));
			expect(tail).toBe('partial');
		});

		it(`lines backward in chunks of ${size} bytes give every complete line, newest first`, async () => {
			const {path, lines} = file();
			const seen: string[] = [];
			for await (const {line} of linesBackward(path, undefined, size)) seen.push(line.toString());
			expect(seen).toEqual([...lines].reverse());
		});
	}

	it('finds the last complete line and a torn tail, whatever the first read size', async () => {
		const {path, lines} = file('{"seq":61');
		for (const span of [1, 5, 100, 100_000]) {
			const tail = await readTail(path, span);
			expect(tail.last?.line.toString()).toBe(lines.at(-1));
			expect(tail.tornAt).toBe(tail.size - '{"seq":61'.length);
		}
		expect(await readTail(join(tempDir(), 'missing'))).toEqual({size: 0});
	});

	it('verifies a chain the same whatever the block size, including lines longer than a block', async () => {
		const drafts = Array.from({length: 50}, (_, i) => ({at: '2026-11-25T10:00:00.000Z', actor: 'a', kind: 'k', subject: `s${i}`, reason: 'r'.repeat(i * 13), data: {i}}));
		const {bytes, head} = chain(drafts, 1, {seq: 0, hash: ''});
		const path = join(tempDir(), 'audit.ndjson');
		writeFileSync(path, bytes);
		for (const size of [16, 333, 1 << 20]) expect(await verifyChain(path, head, size)).toMatchObject({ok: true, count: 50});
	});
});
