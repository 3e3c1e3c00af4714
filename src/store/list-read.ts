import {createHash} from 'node:crypto';
import type {DeploymentStatus, Level} from '../core/model/index.js';
import type {DeploymentSummary} from '../core/view/summary.js';
import {decode, parseHeader, type Field, type Header, type Layout} from './codec.js';
import {documentBytes, documentHead} from './file-id.js';
import {eachLine} from './lines.js';
import type {StorePaths} from './paths.js';

/**
 * Reading the deployments list the document carries (see list-rows.ts for what it is and how it
 * is written). Nothing here loads zod or the engine: `calyx canary list` reads it on its quick
 * path, where importing zod alone would cost more than half the command's time budget. So the rows
 * are checked by hand, against the same types the model declares (the compiler keeps the two lists equal).
 */
export const LIST_FIELD = 'list';

const STATUS_LIST = ['running', 'holding', 'awaiting_promotion', 'awaiting_cosign', 'halted', 'rolling_back', 'rolled_back', 'rollback_failed', 'completed'] as const;
// A status the model adds but this list lacks fails to compile here, rather than to list.
const EVERY_STATUS: [Exclude<DeploymentStatus, (typeof STATUS_LIST)[number]>] extends [never] ? readonly DeploymentStatus[] : never = STATUS_LIST;
const STATUSES = new Set<unknown>(EVERY_STATUS);
const WORST = new Set<unknown>(['none', 'ok', 'warning', 'critical'] satisfies Array<Level | 'none'>);
const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:\d\d)$/;

const isText = (v: unknown): v is string => typeof v === 'string';
const isIso = (v: unknown) => isText(v) && ISO.test(v);
const isCount = (v: unknown) => Number.isSafeInteger(v) && (v as number) >= 0;

/**
 * A row is an array of the fields in this order, named once in the file's `columns`: half the
 * bytes of objects, and parsing is most of the quick list's work. `summaryOf` reads them in the
 * same order (the index tests round-trip every field).
 */
const COLUMN_LIST = ['id', 'service', 'from', 'to', 'status', 'percent', 'tierIndex', 'tiers', 'worst', 'createdAt', 'updatedAt', 'target'] as const;
// A field the summary gains but the rows lack fails to compile here.
export const COLUMNS: [Exclude<keyof DeploymentSummary, (typeof COLUMN_LIST)[number]>] extends [never] ? ReadonlyArray<keyof DeploymentSummary> : never = COLUMN_LIST;

/** A row as a summary, if every field is of its type and within its allowed values. */
export function summaryOf(row: unknown): DeploymentSummary | undefined {
	if (!Array.isArray(row) || row.length !== COLUMNS.length) return undefined;
	const [id, service, from, to, status, percent, tierIndex, tiers, worst, createdAt, updatedAt, target] = row as unknown[];
	const valid =
		isText(id) &&
		id !== '' &&
		isText(service) &&
		isText(from) &&
		isText(to) &&
		STATUSES.has(status) &&
		Number.isFinite(percent) &&
		isCount(tierIndex) &&
		Array.isArray(tiers) &&
		tiers.every(t => Number.isFinite(t)) &&
		WORST.has(worst) &&
		isIso(createdAt) &&
		isIso(updatedAt) &&
		(target === null || target === 'applying' || target === 'failed');
	return valid ? ({id, service, from, to, status, percent, tierIndex, tiers, worst, createdAt, updatedAt, ...(target ? {target} : {})} as DeploymentSummary) : undefined;
}

/** What a reader that asks again keeps of its last read (see readListIndex, readListRows). */
export interface ListMemo {
	layout?: Layout;
	/** Each row's bytes after its digest, and the summary made of them. */
	rows?: Array<{fields: Buffer; summary: DeploymentSummary}>;
}

export interface IndexedList {
	rev: number;
	deployments: DeploymentSummary[];
}

/** A deployment line's digest: the costly part of a row's, kept with the line (its bytes unchanged, it is not hashed again). */
export const lineDigest = (line: Buffer): string => createHash('sha1').update(line).digest('base64');

/**
 * The digest a row carries: of its deployment's line (by that line's digest) and of the row's own
 * fields as written, so that neither is edited apart from the other. What the reader compares,
 * not a signature.
 */
export const rowDigest = (ofLine: string, fields: Buffer): string => createHash('sha1').update(ofLine).update('\n').update(fields).digest('base64');

/** A row's bytes after its digest (`,"<digest>",` comes first: base64 holds no quote), or undefined. */
export function rowFields(row: Buffer): Buffer | undefined {
	const cut = row.indexOf('",');
	return cut < 0 ? undefined : row.subarray(cut + 2);
}

/** What a read made of a row: kept with its bytes for the next read (codec.ts's reuse), with the line digest it matched. */
interface CheckedRow {
	digest: unknown;
	fields: Buffer;
	summary: DeploymentSummary;
	against?: string;
}

const itemsOf = (fields: Field[], key: string) => fields.find(f => f.key === key)?.items;

const parsed = (bytes: Buffer): unknown => {
	try {
		return JSON.parse(bytes.toString('utf8'));
	} catch {
		return undefined;
	}
};

/**
 * The document's list rows, if every row checks out and carries the digest of the deployment line
 * beside it (same count, same order); undefined when the document is in another layout (written
 * by hand, by an older calyx), or a row is damaged or not its deployment's: the caller then reads
 * the document in full. The document's own problems (missing, unreadable) are thrown.
 */
export async function readListIndex(paths: StorePaths, memo: ListMemo = {}): Promise<IndexedList | undefined> {
	const bytes = await documentBytes(paths);
	if (!bytes) return undefined;
	// Slots whose bytes equal the last read's keep what that read made of them (codec.ts's reuse):
	// a reader that asks every second hashes and parses only the rows and lines that changed.
	const layout = decode(bytes, memo.layout);
	memo.layout = undefined;
	if (!layout) return undefined;
	const rows = itemsOf(layout.fields, LIST_FIELD);
	const lines = itemsOf(layout.fields, 'deployments') ?? [];
	if (!rows || rows.length !== lines.length + 1 || JSON.stringify(parsed(rows[0]!.bytes)) !== JSON.stringify(COLUMNS)) return undefined;
	const deployments: DeploymentSummary[] = [];
	for (let i = 0; i < lines.length; i++) {
		const row = rows[i + 1]!;
		const line = lines[i]!;
		if (row.value === undefined) {
			const values = parsed(row.bytes);
			const fields = rowFields(row.bytes);
			if (!Array.isArray(values) || !fields) return undefined;
			const summary = summaryOf(values.slice(1));
			if (!summary) return undefined;
			row.value = {digest: values[0] as unknown, fields, summary} satisfies CheckedRow;
		}
		const checked = row.value as CheckedRow;
		const {summary} = checked;
		// A line read before is the one whose digest was taken then (its bytes are equal); a new one is hashed.
		line.value ??= lineDigest(line.bytes);
		if (checked.against !== line.value) {
			if (checked.digest !== rowDigest(line.value as string, checked.fields)) return undefined;
			checked.against = line.value as string;
		}
		// A copy: the kept one stands for the next read.
		deployments.push({...summary, tiers: [...summary.tiers]});
	}
	memo.layout = layout;
	return {rev: layout.header.rev, deployments};
}

const LIST_OPEN = Buffer.from(`,"${LIST_FIELD}":[`);
/** A line holding only `]`: the end of the list field, the first array field after the header. */
const LIST_CLOSE = Buffer.from('\n]\n');
const COLUMNS_LINE = Buffer.from(JSON.stringify(COLUMNS));

/**
 * The document's list rows as its writer wrote them, from its first bytes only (the field follows
 * the header: list-rows.ts), not checked against their deployments' lines. For a reader that reads
 * the whole state every few seconds anyway and only asks, in between, whether anything it shows
 * moved (the console's list, each second): a row a hand edit left stale is caught by that read,
 * the rest of the document is not read, hashed or kept. Undefined when the document is in another
 * layout or a row is damaged: the caller then reads as it would without it.
 */
export async function readListRows(paths: StorePaths, memo: ListMemo = {}, deployment?: string): Promise<(IndexedList & {header: Header; line?: Buffer}) | undefined> {
	// A deployment's line is further on: the whole document is read then, and only that line taken out.
	const head = deployment === undefined ? await documentHead(paths, bytes => bytes.indexOf(LIST_CLOSE) >= 0) : await documentBytes(paths);
	const header = head && parseHeader(head);
	if (!head || !header) return undefined;
	const lines: Buffer[] = [];
	eachLine({start: 0, buf: head.subarray(head.indexOf(10) + 1, head.indexOf(LIST_CLOSE) + 1)}, line => void lines.push(line));
	const [open, columns, ...rows] = lines;
	if (!open?.equals(LIST_OPEN) || !columns?.equals(COLUMNS_LINE)) return undefined;
	const kept = memo.rows ?? [];
	memo.rows = undefined;
	const read: NonNullable<ListMemo['rows']> = [];
	for (const [i, row] of rows.entries()) {
		// `,["<digest>",…]`: a row of its own, after the list's first item.
		const fields = row[0] === 0x2c ? rowFields(row) : undefined;
		if (!fields) return undefined;
		const before = kept[i];
		if (before?.fields.equals(fields)) {
			read.push(before);
			continue;
		}
		const values = parsed(row.subarray(1));
		const summary = Array.isArray(values) ? summaryOf(values.slice(1)) : undefined;
		if (!summary) return undefined;
		read.push({fields: Buffer.from(fields), summary});
	}
	memo.rows = read;
	const line = deployment === undefined ? undefined : deploymentLine(head, deployment);
	return {rev: header.rev, header, deployments: read.map(r => ({...r.summary, tiers: [...r.summary.tiers]})), ...(line ? {line} : {})};
}

/** The line of the deployment `id` as calyx writes it (its id first), if the document's deployments have one. */
function deploymentLine(doc: Buffer, id: string): Buffer | undefined {
	const start = `{"id":${JSON.stringify(id)},`;
	const from = doc.indexOf(',"deployments":[\n');
	const to = from < 0 ? -1 : doc.indexOf(LIST_CLOSE, from);
	if (to < 0) return undefined;
	for (const lead of [`\n${start}`, `\n,${start}`]) {
		const at = doc.indexOf(lead, from);
		if (at < 0 || at >= to) continue;
		const begin = at + lead.length - start.length;
		const end = doc.indexOf(10, begin);
		return end < 0 ? undefined : doc.subarray(begin, end);
	}
	return undefined;
}
