import type {FileHandle} from 'node:fs/promises';
import {chainFields, type Head} from './audit-log.js';
import {GENESIS_POINT, walkChain, type Bad, type ChainPoint} from './chain-walk.js';
import {readTail} from './lines.js';

/**
 * Older lines re-checked by each verification, from where the last one stopped, wrapping around:
 * a line edited in place before the last verified point (same length, so every later offset holds)
 * is found within (history / SCRUB_LINES) verifications, while one costs the new lines plus this.
 */
export const SCRUB_LINES = 512;
/** The deferred re-check's lines between turns of the event loop (~0.1 ms of hashing). */
export const RECHECK_STEP = 128;
/**
 * A process that goes on writing re-checks SCRUB_LINES older lines per this many ms of its time,
 * not per write: the coverage an operator can count on (the whole of a 100,000-event trail in
 * about 3 minutes of an engine's life) without fifty samples a second each paying ~1 ms of hashing.
 * A process's first write re-checks SCRUB_LINES at once, as every verification outside a
 * process's own writes does.
 */
export const RECHECK_PERIOD_MS = 1000;

/** The older lines a process's next write re-checks, `sinceMs` after its last re-check; 0 below one step. */
export function recheckBudget(sinceMs: number | undefined): number {
	if (sinceMs === undefined) return SCRUB_LINES;
	const lines = Math.min(SCRUB_LINES, Math.floor((Math.max(0, sinceMs) * SCRUB_LINES) / RECHECK_PERIOD_MS));
	return lines >= RECHECK_STEP ? lines : 0;
}

/** The byte just past `head`'s line when that line ends the log; undefined otherwise (lines past it, a torn tail). */
export async function endOf(path: string, head: Head): Promise<number | undefined> {
	const tail = await readTail(path);
	const f = tail.last && tail.tornAt === undefined ? chainFields(tail.last.line) : undefined;
	return f && f.seq === head.seq && f.hash === head.hash ? tail.last!.start + tail.last!.line.length + 1 : undefined;
}

/**
 * The rolling re-check from where the last one stopped (wrapping around at `start`): the lines it
 * hashed, and where the next one goes on, or the first line that does not verify. `step`: lines
 * hashed between turns of the event loop (see Anchor.recheck).
 */
export async function rescan(
	audit: string,
	start: ChainPoint & {scrub: ChainPoint},
	file: FileHandle,
	opts: {step?: number; lines?: number} = {},
): Promise<{next: ChainPoint; hashed: number} | {bad: Bad; hashed: number}> {
	const step = opts.step ?? SCRUB_LINES;
	let from = start.scrub.seq < start.seq ? start.scrub : GENESIS_POINT;
	const until = Math.min(from.seq + (opts.lines ?? SCRUB_LINES), start.seq);
	const perLine = start.offset / Math.max(1, start.seq);
	let hashed = 0;
	for (;;) {
		const to = Math.min(from.seq + step, until);
		// Never past the verified point, and about as many bytes as that many lines take on average: read once, not ahead.
		const bounds = {end: start.offset, expect: Math.ceil((to - from.seq) * perLine * 1.25)};
		const again = await walkChain(audit, {from, file, until: to, bounds, sync: true});
		if (again.end === 'bad') return {bad: again.firstBad!, hashed};
		hashed += again.hashed;
		from = again.last;
		if (again.end !== 'until' || from.seq >= until) break;
		await new Promise(resolve => setImmediate(resolve));
	}
	return {next: from.seq < start.seq ? from : GENESIS_POINT, hashed};
}
