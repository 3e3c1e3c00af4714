import {createHash} from 'node:crypto';
import {writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {describe, expect, it} from 'vitest';
import {mulberry32} from '../../src/core/sim/prng.js';
import {chain} from '../../src/store/audit-log.js';
import {walkChain} from '../../src/store/chain-walk.js';
import {blocks, eachLine} from '../../src/store/lines.js';
import {verifyChain} from '../../src/store/verify.js';
import {tempDir} from './helpers.js';

/**
 * The walk compares a line's prevHash with the bytes of the line before when both are in one block,
 * and with the hash carried over when a block starts: block sizes from a few lines to the whole file
 * put every line on both sides of that, and lines longer than the smallest blocks cross them.
 */
const SIZES = [64, 700, 2048, 1 << 20];
const COUNT = 40;

function trail() {
	const rnd = mulberry32(11);
	const drafts = Array.from({length: COUNT}, (_, i) => ({at: '2026-11-25T10:00:00.000Z', actor: 'a', kind: 'k', subject: `s${i}`, reason: 'r'.repeat(Math.floor(rnd() * 900)), data: {i}}));
	const {bytes, head} = chain(drafts, 1, {seq: 0, hash: ''});
	return {lines: bytes.toString().trimEnd().split('\n'), head};
}

const sha = (text: string) => createHash('sha256').update(text).digest('hex');
/** The line with its hash recomputed over its bytes, as a writer would seal it. */
const reseal = (line: string) => {
	const body = line.slice(0, line.lastIndexOf(',"hash":"'));
	return `${body},"hash":"${sha(body)}"}`;
};
const write = (lines: string[]) => {
	const path = join(tempDir(), 'audit.ndjson');
	writeFileSync(path, lines.map(l => `${l}\n`).join(''));
	return path;
};
const hashOf = (line: string) => line.slice(-66, -2);

describe('walking the chain in blocks', () => {
	it('verifies every line, giving each seq, hash and the line itself once, in order, whatever the block size', async () => {
		const {lines, head} = trail();
		const path = write(lines);
		for (const blockSize of SIZES) {
			const seen: string[] = [];
			const hashes: string[] = [];
			const walk = await walkChain(path, {blockSize, onLine: (seq, hash, line) => void seen.push(`${seq}|${hash}|${line.toString()}`), onHash: (seq, hash) => void hashes.push(`${seq}|${hash}`)});
			expect(walk).toMatchObject({end: 'eof', hashed: COUNT, last: {seq: COUNT, hash: head.hash}});
			expect(seen).toEqual(lines.map((l, i) => `${i + 1}|${hashOf(l)}|${l}`));
			expect(hashes).toEqual(lines.map((l, i) => `${i + 1}|${hashOf(l)}`));
		}
	});

	it('catches a byte changed anywhere in the hashed content or the stored hash, at that line', async () => {
		const {lines, head} = trail();
		for (const k of [0, 1, 17, COUNT - 1]) {
			const line = lines[k]!;
			// A byte of the reason, of the prevHash, and of the stored hash.
			for (const at of [line.indexOf('"reason":"') + 12, line.indexOf('"prevHash":"') + 20, line.length - 10]) {
				const edited = [...lines];
				edited[k] = line.slice(0, at) + (line[at] === '0' ? '1' : '0') + line.slice(at + 1);
				const path = write(edited);
				for (const blockSize of SIZES) {
					expect(await verifyChain(path, head, blockSize)).toMatchObject({ok: false, count: k, firstBad: {line: k + 1, seq: k + 1, reason: expect.stringMatching(/^edited/)}});
				}
			}
		}
	});

	it('catches a line resealed over another prevHash, and a line whose predecessor was replaced, at the line whose link broke', async () => {
		const {lines, head} = trail();
		for (const k of [1, 2, 17, COUNT - 1]) {
			// Line k+1 points at another hash, its own hash recomputed so that it matches its bytes.
			const relinked = [...lines];
			relinked[k] = reseal(lines[k]!.replace(/"prevHash":"[0-9a-f]{64}"/, `"prevHash":"${sha('elsewhere')}"`));
			// Line k replaced whole by a line valid on its own: the same seq and prevHash, other content.
			const replaced = [...lines];
			replaced[k - 1] = reseal(lines[k - 1]!.replace(/"subject":"[^"]*"/, '"subject":"eve"'));
			for (const blockSize of SIZES) {
				const reason = expect.stringMatching(/^relinked: its prevHash is not the hash of line/);
				expect(await verifyChain(write(relinked), head, blockSize)).toMatchObject({ok: false, count: k, firstBad: {line: k + 1, seq: k + 1, reason}});
				expect(await verifyChain(write(replaced), head, blockSize)).toMatchObject({ok: false, count: k, firstBad: {line: k + 1, seq: k + 1, reason}});
			}
		}
	});

	it('judges the bytes as written: a line not in canonical form, sealed over its own bytes, verifies; its canonical twin\'s hash does not fit it', async () => {
		const {lines} = trail();
		// Keys out of RFC 8785 order: the content a reader parses is the same, the bytes are not.
		const reordered = lines[5]!.replace(/"actor":"a","at":"([^"]*)"/, '"at":"$1","actor":"a"');
		expect(reordered).not.toBe(lines[5]);
		const resealed = [...lines.slice(0, 5), reseal(reordered)];
		const head = {seq: 6, hash: hashOf(resealed[5]!)};
		for (const blockSize of SIZES) expect(await verifyChain(write(resealed), head, blockSize)).toMatchObject({ok: true, count: 6});
		const unsealed = [...lines.slice(0, 5), reordered];
		expect(await verifyChain(write(unsealed), undefined, 64)).toMatchObject({ok: false, count: 5, firstBad: {line: 6, reason: expect.stringMatching(/^edited/)}});
	});

	it('reports a torn last line after every complete one, and stops at `until`', async () => {
		const {lines} = trail();
		const path = join(tempDir(), 'audit.ndjson');
		writeFileSync(path, `${lines.join('\n')}\n${lines[0]!.slice(0, 30)}`);
		for (const blockSize of SIZES) {
			expect(await walkChain(path, {blockSize})).toMatchObject({end: 'torn', tornBytes: 30, last: {seq: COUNT}});
			expect(await walkChain(path, {blockSize, until: 7})).toMatchObject({end: 'until', hashed: 7, last: {seq: 7, hash: hashOf(lines[6]!)}});
		}
	});
});

describe('a walk from a witnessed point', () => {
	const endOf = (lines: string[], seq: number) => lines.slice(0, seq).reduce((n, l) => n + l.length + 1, 0);
	const pointAt = (lines: string[], seq: number) => ({seq, hash: hashOf(lines[seq - 1]!), offset: endOf(lines, seq)});

	it('within bounds, reads no byte past their end, whatever it expected to read, and still catches an edit before it', async () => {
		const {lines} = trail();
		const edited = [...lines];
		edited[30] = reseal(lines[30]!.replace(/"subject":"[^"]*"/, '"subject":"eve"'));
		const path = write(edited);
		const from = pointAt(lines, 5);
		for (const expectBytes of [1, 700, 1 << 20]) {
			// Line 31 is past the end: not read, so its edit is not this walk's to see.
			const bounds = {end: endOf(lines, 30), expect: expectBytes};
			expect(await walkChain(path, {from, until: 30, bounds})).toMatchObject({end: 'until', hashed: 26, last: {seq: 30, hash: hashOf(lines[29]!)}});
			const tampered = [...lines];
			tampered[19] = tampered[19]!.replace(/"subject":"s19"/, '"subject":"s91"');
			expect(await walkChain(write(tampered), {from, until: 30, bounds})).toMatchObject({end: 'bad', firstBad: {line: 20, reason: expect.stringMatching(/^edited/)}});
		}
	});

	it('finds the witnessed line however long it is', async () => {
		const {lines} = trail();
		const drafts = Array.from({length: 3}, (_, i) => ({at: '2026-11-25T10:00:00.000Z', actor: 'a', kind: 'k', subject: `s${i}`, reason: 'r'.repeat(i === 1 ? 70_000 : 10), data: {i}}));
		const long = chain(drafts, 1, {seq: 0, hash: ''}).bytes.toString().trimEnd().split('\n');
		const path = write(long);
		expect(await walkChain(path, {from: pointAt(long, 2), until: 3})).toMatchObject({end: 'until', hashed: 2, last: {seq: 3}});
		const shortened = [long[0]!, reseal(long[1]!.replace('rrrr', 'rrr')), long[2]!];
		expect(await walkChain(write(shortened), {from: pointAt(long, 2), until: 3})).toMatchObject({end: 'bad', firstBad: {reason: expect.stringMatching(/^rewritten/)}});
		expect(lines.length).toBe(COUNT);
	});
});

describe('blocks in two buffers taking turns', () => {
	for (const [size, prefetch] of [[1, true], [64, true], [700, true], [4096, true], [64, false], [700, false]] as const) {
		it(`give every line once, in order, and the torn tail apart (blocks of ${size} bytes${prefetch ? '' : ', none read ahead'})`, async () => {
			const {lines} = trail();
			const path = join(tempDir(), 'log.ndjson');
			writeFileSync(path, `${lines.join('\n')}\npartial`);
			const seen: string[] = [];
			let tail = '';
			for await (const block of blocks(path, {size, reuse: true, prefetch})) {
				if (block.torn) tail = block.buf.toString();
				else eachLine(block, (line, start) => void seen.push(`${start}|${line.toString()}`));
			}
			let offset = 0;
			expect(seen).toEqual(lines.map(l => `${(offset += l.length + 1) - l.length - 1}|${l}`));
			expect(tail).toBe('partial');
		});
	}
});
