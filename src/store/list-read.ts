import {createHash} from 'node:crypto';
import type {DeploymentStatus, Level} from '../core/model/index.js';
import type {DeploymentSummary} from '../core/view/summary.js';
import {decode, type Field} from './codec.js';
import {ioError, isNodeError} from './errors.js';
import {documentIdentity, MAX_DOCUMENT_BYTES, notInitialised} from './file-id.js';
import {readData} from './safe-fs.js';
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

export interface IndexedList {
	rev: number;
	deployments: DeploymentSummary[];
}

/** The digest a row carries of its deployment's line: what the reader compares, not a signature. */
export const lineDigest = (line: Buffer): string => createHash('sha1').update(line).digest('base64');

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
export async function readListIndex(paths: StorePaths): Promise<IndexedList | undefined> {
	const {id} = await documentIdentity(paths);
	// A file too large for a state document is the full read's to refuse, naming it.
	if (id.size > BigInt(MAX_DOCUMENT_BYTES)) return undefined;
	const bytes = await readData(paths.state).catch((error: unknown) => {
		throw isNodeError(error, 'ENOENT') ? notInitialised(paths) : ioError('reading', paths.state, error);
	});
	const layout = decode(bytes);
	if (!layout) return undefined;
	const rows = itemsOf(layout.fields, LIST_FIELD);
	const lines = itemsOf(layout.fields, 'deployments') ?? [];
	if (!rows || rows.length !== lines.length + 1 || JSON.stringify(parsed(rows[0]!.bytes)) !== JSON.stringify(COLUMNS)) return undefined;
	const deployments: DeploymentSummary[] = [];
	for (let i = 0; i < lines.length; i++) {
		const row = parsed(rows[i + 1]!.bytes);
		if (!Array.isArray(row) || row[0] !== lineDigest(lines[i]!.bytes)) return undefined;
		const summary = summaryOf(row.slice(1));
		if (!summary) return undefined;
		deployments.push(summary);
	}
	return {rev: layout.header.rev, deployments};
}
