import {hash} from 'node:crypto';
import {readdir} from 'node:fs/promises';
import {dirname, join} from 'node:path';
import type {VerifyReport} from './api.js';
import {GENESIS, hexAt, lineShape, type Head} from './audit-log.js';
import {blocks} from './lines.js';
import {isQuarantineOf} from './paths.js';
import {describeHead} from './reconcile.js';

type Bad = NonNullable<VerifyReport['firstBad']>;

/**
 * Walks the whole chain: every line's seq follows the one before, its content matches its hash,
 * and its prevHash is the previous line's hash. Then the document's head must be the last line:
 * a chain alone cannot tell a truncated tail from a short log, the head kept in state.json can.
 * The loop works on offsets into each block (no per-line buffers or strings): at a few hundred
 * thousand lines a second, the SHA-256 itself is most of the cost.
 */
export async function verifyChain(path: string, head?: Head, blockSize?: number): Promise<VerifyReport> {
	let count = 0;
	let prev = GENESIS;
	let hashAtHead: string | undefined;
	let firstBad: Bad | undefined;
	outer: for await (const {buf, torn} of blocks(path, blockSize)) {
		if (torn) {
			firstBad = {line: count + 1, reason: `torn: the last line is incomplete (${buf.length} bytes without a newline; the next write or calyx repair quarantines it)`};
			break;
		}
		for (let start = 0; start < buf.length; ) {
			const end = buf.indexOf(10, start);
			const at = count + 1;
			const shape = lineShape(buf, start, end);
			if (!shape) {
				firstBad = {line: at, reason: 'unparseable: the line is not shaped like an audit event (its seq, prevHash or hash field is damaged)'};
				break outer;
			}
			if (shape.seq !== at) {
				const next = end + 1 < buf.length ? lineShape(buf, end + 1, buf.indexOf(10, end + 1)) : undefined;
				firstBad = {line: at, seq: shape.seq, reason: seqReason(shape.seq, at, next?.seq)};
				break outer;
			}
			const digest = hash('sha256', buf.subarray(start, shape.hashedEnd), 'hex');
			if (!hexAt(buf, shape.hashAt, digest)) {
				firstBad = {line: at, seq: at, reason: 'edited: the line no longer matches its hash'};
				break outer;
			}
			if (!hexAt(buf, shape.prevAt, prev)) {
				firstBad = {line: at, seq: at, reason: `relinked: its prevHash is not the hash of line ${at - 1} (a line before it was replaced)`};
				break outer;
			}
			prev = digest;
			count = at;
			if (head && at === head.seq) hashAtHead = digest;
			start = end + 1;
		}
	}
	if (!firstBad && head) firstBad = againstHead(count, hashAtHead, head);
	const report: VerifyReport = {ok: firstBad === undefined, count, quarantined: await quarantined(path)};
	if (firstBad) report.firstBad = firstBad;
	return report;
}

function seqReason(found: number, expected: number, next: number | undefined): string {
	if (found > expected && next === expected) return `swapped: seq ${found} comes before seq ${expected}`;
	if (found > expected) {
		const missing = found - 1 > expected ? `${expected}–${found - 1}` : `${expected}`;
		return `deleted: seq ${missing} missing (found seq ${found} where seq ${expected} belongs)`;
	}
	return `out of order: seq ${found} where seq ${expected} belongs (a line was moved or repeated)`;
}

function againstHead(count: number, hashAtHead: string | undefined, head: Head): Bad | undefined {
	if (count < head.seq) {
		return {line: count + 1, seq: count + 1, reason: `truncated: the log ends at seq ${count} but state.json records the audit head at ${describeHead(head)}`};
	}
	if (head.seq > 0 && hashAtHead !== head.hash) {
		return {line: head.seq, seq: head.seq, reason: `rewritten: line ${head.seq}'s hash is not the audit head state.json records (${head.hash.slice(0, 12)}…)`};
	}
	if (count > head.seq) {
		return {line: head.seq + 1, seq: head.seq + 1, reason: `uncommitted: lines after seq ${head.seq} belong to a mutation that never saved its state (the next write or calyx repair records its recovery)`};
	}
	return undefined;
}

/** Files beside the log holding bytes taken out of it (torn tails, lines of uncommitted mutations). */
export async function quarantined(log: string): Promise<string[]> {
	const dir = dirname(log);
	const names = await readdir(dir).catch(() => [] as string[]);
	return names.filter(n => isQuarantineOf(log, n)).sort().map(n => join(dir, n));
}
