import {readdir} from 'node:fs/promises';
import {dirname, join} from 'node:path';
import type {VerifyReport} from './api.js';
import type {Head} from './audit-log.js';
import {walkChain, type Bad} from './chain-walk.js';
import {isQuarantineOf} from './paths.js';
import {describeHead} from './reconcile.js';

/**
 * Walks the whole chain (see chain-walk.ts), then checks the document's head is its last line: a
 * chain alone cannot tell a truncated tail from a short log, the head kept in state.json can.
 * `onLine` sees every verified line's seq and hash (what witnesses are checked against); neither
 * it nor the head asks the walk for the lines' bytes.
 */
export async function verifyChain(path: string, head?: Head, blockSize?: number, onLine?: (seq: number, hash: string) => void): Promise<VerifyReport> {
	let hashAtHead: string | undefined;
	const headSeq = head?.seq;
	const walk = await walkChain(path, {
		...(blockSize ? {blockSize} : {}),
		onHash: (seq, digest) => {
			if (seq === headSeq) hashAtHead = digest;
			onLine?.(seq, digest);
		},
	});
	const count = walk.last.seq;
	let firstBad = walk.firstBad;
	if (walk.end === 'torn') {
		firstBad = {line: count + 1, reason: `torn: the last line is incomplete (${walk.tornBytes} bytes without a newline; the next write or calyx repair quarantines it)`};
	}
	if (!firstBad && head) firstBad = againstHead(count, hashAtHead, head);
	const report: VerifyReport = {ok: firstBad === undefined, count, quarantined: await quarantined(path)};
	if (firstBad) report.firstBad = firstBad;
	return report;
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
