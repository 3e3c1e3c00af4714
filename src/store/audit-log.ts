import {hash} from 'node:crypto';
import {z} from 'zod';
import {canonicalJson} from '../core/canonical.js';
import type {EventDraft} from '../core/events.js';
import type {AuditRecord} from './api.js';
import {StoreError} from './errors.js';
import {blocks, eachLine, linesBackward, readTail} from './lines.js';
import {check} from './validate.js';

/**
 * The audit trail: append-only NDJSON, one event per line, each chained to the one before:
 *
 *   {"seq":7,"prevHash":"<64 hex>",<the event's canonical JSON, braces removed>,"hash":"<64 hex>"}
 *
 * `hash` is SHA-256 over the line's exact bytes up to `,"hash"`: its seq, the previous hash and the
 * canonical (RFC 8785) content, written once. Verification hashes the bytes as they are, without
 * parsing or re-canonicalising them.
 */
export const GENESIS = '0'.repeat(64);
const HASH_FIELD = Buffer.from(',"hash":"');
const SUFFIX = HASH_FIELD.length + 64 + 2;
const PREFIX = Buffer.from('{"seq":');
const PREV_FIELD = Buffer.from(',"prevHash":"');

const Iso = z.iso.datetime({offset: true});
export const AuditDraft = z.object({
	at: Iso,
	actor: z.string().min(1),
	kind: z.string().min(1),
	subject: z.string(),
	reason: z.string(),
	data: z.record(z.string(), z.unknown()),
});
const Hex = z.string().regex(/^[0-9a-f]{64}$/);
export const AuditLine = AuditDraft.extend({seq: z.number().int().min(1), prevHash: Hex, hash: Hex, rev: z.number().int().min(0)});

export type StoredEvent = AuditRecord;
export interface Head {
	seq: number;
	hash: string;
}

/** Chains one mutation's events after `head`. Pure: the caller appends the bytes. */
export function chain(drafts: EventDraft[], rev: number, head: Head): {events: StoredEvent[]; bytes: Buffer; head: Head} {
	const events: StoredEvent[] = [];
	let text = '';
	let {seq, hash: prev} = head;
	drafts.forEach((draft, i) => {
		const problem = check(AuditDraft, draft, `events[${i}]`);
		if (problem) throw new StoreError('INVALID', `audit event ${problem.field}: ${problem.message}; nothing was written`);
		const content = AuditDraft.parse(draft);
		let canonical: string;
		try {
			canonical = canonicalJson({...content, rev});
		} catch (error) {
			throw new StoreError('INVALID', `audit event events[${i}] cannot be written as canonical JSON (${(error as Error).message}); nothing was written`);
		}
		seq += 1;
		const prevHash = seq === 1 ? GENESIS : prev;
		const hashed = `{"seq":${seq},"prevHash":"${prevHash}",${canonical.slice(1, -1)}`;
		prev = hash('sha256', hashed, 'hex');
		text += `${hashed},"hash":"${prev}"}\n`;
		// What a reader will parse back (canonicalisation drops undefined values), not the draft.
		events.push({...(JSON.parse(canonical) as EventDraft & {rev: number}), seq, prevHash, hash: prev});
	});
	return {events, bytes: Buffer.from(text), head: {seq, hash: prev}};
}

export interface ChainFields {
	seq: number;
	prevHash: string;
	hash: string;
	/** The line's bytes up to here are what `hash` covers (an offset into the buffer it was read from). */
	hashedEnd: number;
}

const bytesAt = (buf: Buffer, at: number, expected: Buffer) => {
	for (let k = 0; k < expected.length; k++) if (buf[at + k] !== expected[k]) return false;
	return true;
};

/** Whether `buf[at…at+64)` spells the hex string `hex` (no string is built from the bytes). */
export const hexAt = (buf: Buffer, at: number, hex: string) => {
	for (let k = 0; k < 64; k++) if (buf[at + k] !== hex.charCodeAt(k)) return false;
	return true;
};

/**
 * The seq of the line `buf[start…end)` and where its prevHash, hash and hashed bytes are, read
 * without JSON.parse or copying; undefined if the line is not shaped like an audit line.
 * Verification calls this once per line, so it works on offsets.
 */
export function lineShape(buf: Buffer, start: number, end: number): {seq: number; prevAt: number; hashAt: number; hashedEnd: number} | undefined {
	if (end - start < PREFIX.length + PREV_FIELD.length + 64 + 2 + SUFFIX || !bytesAt(buf, start, PREFIX)) return undefined;
	let pos = start + PREFIX.length;
	let seq = 0;
	for (let c = buf[pos]!; c >= 48 && c <= 57; c = buf[++pos]!) seq = seq * 10 + (c - 48);
	if (pos === start + PREFIX.length || !bytesAt(buf, pos, PREV_FIELD)) return undefined;
	const prevAt = pos + PREV_FIELD.length;
	if (buf[prevAt + 64] !== 0x22 || buf[prevAt + 65] !== 0x2c) return undefined;
	const hashedEnd = end - SUFFIX;
	if (hashedEnd < prevAt + 66 || !bytesAt(buf, hashedEnd, HASH_FIELD) || buf[end - 2] !== 0x22 || buf[end - 1] !== 0x7d) return undefined;
	return {seq, prevAt, hashAt: end - 66, hashedEnd};
}

/** The chain fields of one line (a buffer holding just the line). */
export function chainFields(line: Buffer): ChainFields | undefined {
	const shape = lineShape(line, 0, line.length);
	if (!shape) return undefined;
	return {
		seq: shape.seq,
		prevHash: line.toString('latin1', shape.prevAt, shape.prevAt + 64),
		hash: line.toString('latin1', shape.hashAt, shape.hashAt + 64),
		hashedEnd: shape.hashedEnd,
	};
}

export const hashOfLine = (line: Buffer, fields: ChainFields) => hash('sha256', line.subarray(0, fields.hashedEnd), 'hex');

/** Parses and validates one line for readers; a bad line is named by its position. */
export function parseEvent(path: string, line: Buffer, start: number): StoredEvent {
	let raw: unknown;
	try {
		raw = JSON.parse(line.toString('utf8'));
	} catch {
		throw new StoreError('CORRUPT', `${path}: the line at byte ${start} is not JSON; run \`calyx audit verify\``, path, {position: start});
	}
	const problem = check(AuditLine, raw, '');
	if (problem) throw new StoreError('CORRUPT', `${path}: the line at byte ${start} fails its schema at ${problem.field}: ${problem.message}`, path, {position: start, field: problem.field});
	return raw as StoredEvent;
}

export interface AuditFilter {
	subject?: string;
	deploymentId?: string;
	/** With deploymentId: the ids whose events belong to that deployment's story too (its lease, its intent). */
	related?: readonly string[];
	limit?: number;
	/** Only events of commits up to this revision: lines a crashed mutation left past it never took effect. */
	throughRev?: number;
	/** Only events up to this seq (a head the caller read): the newest `limit` of them. */
	throughSeq?: number;
}

/**
 * Events matching the filter, oldest first; with a limit, the newest `limit` of them, read from the
 * end of the log. A line is only parsed if it mentions the subject or deployment asked for.
 */
/** Whether an event is one the filter asks for (its revision aside), and the ids a line must mention to be. */
export function auditMatcher(filter: AuditFilter): {matches: (e: StoredEvent) => boolean; needles: Buffer[]} {
	const related = filter.deploymentId === undefined ? [] : (filter.related ?? []);
	const ids = filter.subject !== undefined ? [filter.subject] : filter.deploymentId !== undefined ? [filter.deploymentId, ...related] : [];
	const matches = (e: StoredEvent) =>
		(filter.subject === undefined || e.subject === filter.subject) &&
		(filter.deploymentId === undefined || e.subject === filter.deploymentId || e.data.deploymentId === filter.deploymentId || related.includes(e.subject));
	return {matches, needles: ids.map(id => Buffer.from(JSON.stringify(id)))};
}

export async function readEvents(path: string, filter: AuditFilter = {}): Promise<StoredEvent[]> {
	const {matches, needles} = auditMatcher(filter);
	const out: StoredEvent[] = [];
	const consider = (line: Buffer, start: number) => {
		if (needles.length > 0 && !needles.some(n => line.indexOf(n) >= 0)) return;
		const event = parseEvent(path, line, start);
		if (matches(event) && (filter.throughRev === undefined || event.rev <= filter.throughRev) && (filter.throughSeq === undefined || event.seq <= filter.throughSeq)) out.push(event);
	};
	if (filter.limit !== undefined) {
		if (filter.limit <= 0) return [];
		const tail = await readTail(path);
		for await (const {line, start} of linesBackward(path, tail.tornAt ?? tail.size)) {
			consider(line, start);
			if (out.length >= filter.limit) break;
		}
		return out.reverse();
	}
	for await (const block of blocks(path)) if (!block.torn) eachLine(block, consider);
	return out;
}
