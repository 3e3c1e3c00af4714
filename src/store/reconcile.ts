import type {EventDraft} from '../core/events.js';
import {chainFields, GENESIS, hashOfLine, type Head} from './audit-log.js';
import {begunBy, markerOwner, readMarker} from './commit-marker.js';
import {appendDurable, quarantineTail} from './durable.js';
import {StoreError} from './errors.js';
import {linesBackward, readFrom, readTail, type Tail} from './lines.js';
import {revOf} from './metrics-log.js';
import {revLogs, type StorePaths} from './paths.js';

/**
 * The logs against the document. One mutation commits as: append its audit events (fsync), append
 * its samples (fsync), write the document whose audit head is its last event. A crash in between
 * leaves the logs ahead of the document by exactly one mutation's lines, or a torn last line; both
 * are repaired here with an audit event saying what was done. Anything else (a log behind the
 * document, a head that is not in the log) is tampering or loss: refused, never papered over.
 */

/** The lines of one mutation are few; a longer run ahead of the head is not a crashed mutation. */
const MAX_ORPHANS = 10_000;

export interface DocHead {
	rev: number;
	auditHead: Head;
}

export const describeHead = (h: Head) => (h.seq === 0 ? 'an empty log' : `seq ${h.seq} (hash ${h.hash.slice(0, 12)}…)`);

/** Cheap (two tail reads): does anything need repair or refusal? */
export async function logsAgree(paths: StorePaths, doc: DocHead): Promise<boolean> {
	const [audit, ...logs] = await Promise.all([readTail(paths.audit), ...revLogs(paths).map(log => readTail(log))]);
	return auditAtHead(audit, doc.auditHead) && logs.every(tail => tail.tornAt === undefined && !linesAhead(tail, doc.rev));
}

function auditAtHead(tail: Tail, head: Head): boolean {
	if (tail.tornAt !== undefined) return false;
	if (!tail.last) return head.seq === 0;
	const f = chainFields(tail.last.line);
	return f !== undefined && f.seq === head.seq && f.hash === head.hash;
}

const linesAhead = (tail: Tail, rev: number) => tail.last !== undefined && (revOf(tail.last.line) ?? 0) > rev;

export interface Recovery {
	events: EventDraft[];
	/** The log's last line after the repair: the recovery events chain after it. */
	auditHead: Head;
	/** The revision the uncommitted lines claimed; the recovery commits after it, so it is never reused. */
	orphanRev?: number;
	/**
	 * The lines adopted, from the document's head: the recovery's own marker names them before its
	 * lines, so that a recovery killed before its commit point is recognised with them by the next.
	 */
	adopted?: {from: Head; hashes: string[]};
}

const event = (kind: string, subject: string, reason: string, data: Record<string, unknown>): EventDraft => ({
	at: new Date().toISOString(),
	actor: 'store',
	kind,
	subject,
	reason,
	data,
});

/**
 * Torn bytes that are in fact the whole line the document names as its audit head: only the
 * final newline was lost. The line committed; it is completed, never moved away.
 */
async function headMissingNewline(paths: StorePaths, log: string, tail: Tail, head: Head): Promise<boolean> {
	if (log !== paths.audit || tail.tornAt === undefined || head.seq === 0) return false;
	const bytes = await readFrom(log, tail.tornAt);
	const f = chainFields(bytes);
	return f !== undefined && f.seq === head.seq && f.hash === head.hash && hashOfLine(bytes, f) === head.hash;
}

/** What `reconcile` would do, said without doing it (for `calyx repair --dry-run`). Reads only. */
export async function recoveryPlan(paths: StorePaths, doc: DocHead): Promise<string[]> {
	if (await logsAgree(paths, doc)) return [];
	const plan: string[] = [];
	let headCompleted = false;
	for (const log of [paths.audit, ...revLogs(paths)]) {
		const tail = await readTail(log);
		if (tail.tornAt === undefined) continue;
		if (await headMissingNewline(paths, log, tail, doc.auditHead)) {
			headCompleted = true;
			plan.push(`${log}: restore the final newline of the audit head's line (seq ${doc.auditHead.seq}), which committed`);
		} else plan.push(`${log}: move the torn last line (${tail.size - tail.tornAt} bytes from byte ${tail.tornAt}) beside the log`);
	}
	// Once its newline is back, the head's line ends the log: nothing can be past it.
	const seen = headCompleted ? undefined : await orphanLines(paths, doc);
	const orphans = seen?.found;
	if (orphans && seen.marker) {
		plan.push(`${paths.audit}: record that audit seq ${orphans.first}–${orphans.last} (rev ${orphans.revs.join(', ')}) never committed`);
	} else if (orphans) plan.push(`${paths.audit}: move audit seq ${orphans.first}–${orphans.last} beside the log, not adopted: ${whyNot(orphans)}`);
	for (const log of revLogs(paths)) {
		const ahead = await linesPastRev(log, doc.rev);
		if (ahead.count > 0) plan.push(`${log}: move ${ahead.count} ${LINE_WORDS[logName(paths, log)]} of an uncommitted mutation beside the log`);
	}
	return plan;
}

const NO_COMMIT = 'no calyx commit began them (no commit marker names them: appended by hand?)';
const UNCHAINED = 'they do not chain from the head (a writer that lost its lock appended after the one that took it over, or a hand)';
const whyNot = (found: {linked: boolean}) => (found.linked ? NO_COMMIT : UNCHAINED);

/**
 * Under the write lock: quarantines torn tails and uncommitted lines, or refuses with
 * AUDIT_MISMATCH. Lines past the head are adopted only as the commit a marker says calyx began
 * (see commit-marker.ts); others are refused (TAMPERED), or with `setAside` (calyx repair) moved
 * beside the log and recorded, never adopted.
 */
export async function reconcile(paths: StorePaths, doc: DocHead, opts: {setAside?: boolean} = {}): Promise<Recovery> {
	const events: EventDraft[] = [];
	for (const log of [paths.audit, ...revLogs(paths)]) {
		const tail = await readTail(log);
		if (tail.tornAt === undefined) continue;
		if (await headMissingNewline(paths, log, tail, doc.auditHead)) {
			await appendDurable(log, Buffer.from('\n'));
			events.push(event('log.recovered', log, `the audit head's line (seq ${doc.auditHead.seq}) had lost its final newline; the newline was restored`, {file: log, offset: tail.tornAt}));
			continue;
		}
		const {file, bytes} = await quarantineTail(log, tail.tornAt, 'torn');
		events.push(
			event('log.recovered', log, `a torn last line (${bytes} bytes, an append cut short by a crash) was moved to ${file}`, {file: log, quarantine: file, bytes, offset: tail.tornAt}),
		);
	}
	const seen = await orphanLines(paths, doc);
	const found = seen?.found;
	const marker = seen?.marker;
	const orphans = marker ? found : undefined;
	if (found && !orphans) {
		const seqs = `audit seq ${found.first}–${found.last}`;
		if (!opts.setAside) {
			throw new StoreError('TAMPERED', `${paths.audit}: ${seqs} past the committed head (${describeHead(doc.auditHead)}) are not adopted: ${whyNot(found)}; writes are refused until \`calyx repair\` moves them beside the log (see \`calyx repair --dry-run\`)`, paths.audit);
		}
		const {file} = await quarantineTail(paths.audit, found.start, 'orphan');
		events.push(event('audit.unadopted', 'state', `${seqs} past the committed head were moved to ${file}, not adopted: ${whyNot(found)}`, {file: paths.audit, quarantine: file, seqs: [found.first, found.last], kinds: found.kinds}));
	}
	const lines = await revOrphans(paths, doc.rev);
	const samples = lines.metrics;
	// Adopted under a recovery's marker, the revision that recovery took is used too, whatever it wrote.
	const revs = [found?.rev, marker?.rev, ...Object.values(lines).map(l => l.rev)].filter((r): r is number => r !== undefined);
	const orphanRev = revs.length > 0 ? Math.max(...revs) : undefined;
	if (orphans || Object.keys(lines).length > 0) {
		const seqs = orphans ? `audit seq ${orphans.first}–${orphans.last}` : 'no audit events';
		const more = Object.entries(lines).map(([name, l]) => `, ${l.count} ${LINE_WORDS[name as LogName]}`).join('');
		const archived = [lines.archive, lines.archiveIndex].filter(l => l !== undefined);
		events.push(
			event('store.recovered', 'state', `a mutation (rev ${orphanRev}) stopped before saving its state: ${seqs}${more} did not take effect`, {
				orphanRev,
				...(orphans ? {seqs: [orphans.first, orphans.last], kinds: orphans.kinds, begunBy: markerOwner(marker!)} : {}),
				...(samples ? {samples: samples.count, quarantine: samples.file} : {}),
				...(archived.length > 0 ? {archive: archived.map(l => ({lines: l.count, quarantine: l.file}))} : {}),
			}),
		);
	}
	const auditHead = orphans?.head ?? doc.auditHead;
	const adopted = orphans ? {adopted: {from: doc.auditHead, hashes: orphans.lines.map(l => l.hash)}} : {};
	return orphanRev === undefined ? {events, auditHead, ...adopted} : {events, auditHead, orphanRev, ...adopted};
}

/**
 * The refusal reconcile would make of the log's tail (truncated, rewritten at the head, more than
 * one mutation ahead), if any; reads only. Said in preference to a broken chain found further back,
 * since it names the loss precisely.
 */
export async function tailRefusal(paths: StorePaths, doc: DocHead): Promise<StoreError | undefined> {
	return orphanLines(paths, doc).then(
		() => undefined,
		(error: unknown) => (error instanceof StoreError ? error : undefined),
	);
}

function mismatch(paths: StorePaths, found: string, head: Head): StoreError {
	return new StoreError(
		'AUDIT_MISMATCH',
		`${paths.audit} ends at ${found} but ${paths.state} records the audit head at ${describeHead(head)}: the log was truncated or its tail rewritten; writes are refused until it is restored (run \`calyx audit verify\`)`,
		paths.audit,
	);
}

/**
 * The complete lines after the document's head line, and whether they chain from it (only such
 * lines can be a commit that stopped before its state was saved; others, such as a line a writer
 * that lost its lock appended after the one that took it over, with the head's own seq, are never adopted).
 */
async function auditOrphans(
	paths: StorePaths,
	doc: DocHead,
): Promise<{first: number; last: number; kinds: string[]; rev: number; revs: number[]; head: Head; lines: Array<{seq: number; hash: string; rev: number}>; start: number; linked: boolean} | undefined> {
	const head = doc.auditHead;
	const path = paths.audit;
	const tail = await readTail(path);
	const lastFields = tail.last && chainFields(tail.last.line);
	const found = lastFields ? `seq ${lastFields.seq}` : tail.last ? 'an unreadable line' : 'no events';
	if (!lastFields) {
		if (!tail.last && head.seq === 0) return undefined;
		throw mismatch(paths, found, head);
	}
	if (lastFields.seq === head.seq && lastFields.hash === head.hash) return undefined;
	// Back to the head's own line. Lines after it may have any seq: a writer that lost its lock
	// appends where its check left the trail, below a head the writer that took over moved on.
	// Not met within MAX_ORPHANS lines (or at all): the log was cut back, or rewritten, there.
	const later: Array<{line: Buffer; seq: number; hash: string; prevHash: string}> = [];
	let reachedHead = head.seq === 0;
	let start = tail.size;
	for await (const {line, start: at} of linesBackward(path, tail.size)) {
		const f = chainFields(line);
		if (!f || hashOfLine(line, f) !== f.hash) throw mismatch(paths, `a damaged line after ${describeHead(head)}`, head);
		if (f.seq === head.seq && f.hash === head.hash) {
			reachedHead = true;
			break;
		}
		later.unshift({line, seq: f.seq, hash: f.hash, prevHash: f.prevHash});
		start = at;
		if (later.length > MAX_ORPHANS) throw mismatch(paths, `${found}, with no line of the head in its last ${MAX_ORPHANS} (more events past the head than one commit makes, or the log cut back)`, head);
	}
	if (!reachedHead) throw mismatch(paths, found, head);
	const parsed = later.map(l => JSON.parse(l.line.toString('utf8')) as {rev: number; kind: string});
	const linked = later.every((l, i) => l.seq === head.seq + i + 1 && l.prevHash === (i > 0 ? later[i - 1]!.hash : head.seq === 0 ? GENESIS : head.hash));
	const last = later[later.length - 1]!;
	const lines = later.map((l, i) => ({seq: l.seq, hash: l.hash, rev: parsed[i]!.rev}));
	const revs = [...new Set(lines.map(l => l.rev))];
	return {first: later[0]!.seq, last: last.seq, kinds: parsed.map(p => p.kind), rev: Math.max(...revs), revs, head: {seq: last.seq, hash: last.hash}, lines, start, linked};
}

/**
 * The lines past the head, and whether a calyx commit began them (see commit-marker.ts). One
 * mutation's lines are adopted as any marker naming them allows; lines of several revisions only
 * as the span a recovery's marker covers (a recovery killed before its commit point, after a
 * commit killed before its own): else they are more than one uncommitted mutation, refused.
 */
async function orphanLines(paths: StorePaths, doc: DocHead) {
	const found = await auditOrphans(paths, doc);
	if (!found) return undefined;
	// Lines that do not chain from the head are no commit's: never adopted, moved aside by repair.
	if (!found.linked) return {found, marker: undefined};
	const marker = await readMarker(paths.commit);
	const begun = begunBy(marker, doc, found.lines);
	const single = found.revs.length === 1 && found.revs[0] === doc.rev + 1;
	if (!single && !begun) {
		throw mismatch(paths, `seq ${found.last}, more than one uncommitted mutation past the head (revs ${found.revs.join(', ')})`, doc.auditHead);
	}
	return {found, marker: begun ? marker : undefined};
}

/** The lines past the document's revision, counted from the end; reads only. */
async function linesPastRev(path: string, rev: number): Promise<{count: number; start: number; rev: number}> {
	const tail = await readTail(path);
	let start = tail.size;
	let count = 0;
	let orphanRev = rev + 1;
	if (!linesAhead(tail, rev)) return {count, start, rev: orphanRev};
	for await (const {line, start: at} of linesBackward(path, tail.size)) {
		const r = revOf(line) ?? 0;
		if (r <= rev) break;
		orphanRev = Math.max(orphanRev, r);
		start = at;
		count++;
	}
	return {count, start, rev: orphanRev};
}

type LogName = 'metrics' | 'archive' | 'archiveIndex';
const LINE_WORDS: Record<LogName, string> = {metrics: 'samples', archive: 'archived deployments', archiveIndex: 'archive index lines'};
const logName = (paths: StorePaths, log: string): LogName => (log === paths.archive ? 'archive' : log === paths.archiveIndex ? 'archiveIndex' : 'metrics');

/** Lines past the document's revision, in each log that has them: moved beside it (readers already skip them). */
async function revOrphans(paths: StorePaths, rev: number): Promise<Partial<Record<LogName, {count: number; file: string; rev: number}>>> {
	const out: Partial<Record<LogName, {count: number; file: string; rev: number}>> = {};
	for (const log of revLogs(paths)) {
		const ahead = await linesPastRev(log, rev);
		if (ahead.count === 0) continue;
		const {file} = await quarantineTail(log, ahead.start, 'orphan');
		out[logName(paths, log)] = {count: ahead.count, file, rev: ahead.rev};
	}
	return out;
}
