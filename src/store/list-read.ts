import type {DeploymentStatus, Level} from '../core/model/index.js';
import type {DeploymentSummary} from '../core/view/summary.js';
import {documentIdentity, type FileId} from './file-id.js';
import {readData} from './safe-fs.js';
import type {StorePaths} from './paths.js';

/**
 * Reading the deployments list index (see list-index.ts for what it is and how it is written).
 * Nothing here loads zod or the engine: `calyx canary list` reads it on its quick path, where
 * importing zod alone would cost more than half the command's time budget. So the rows are checked
 * by hand, against the same types the model declares (the compiler keeps the two lists equal).
 */
export const INDEX_VERSION = 1;

const STATUS_LIST = ['running', 'holding', 'awaiting_promotion', 'awaiting_cosign', 'halted', 'rolling_back', 'rolled_back', 'rollback_failed', 'completed'] as const;
// A status the model adds but this list lacks fails to compile here, rather than to list.
const EVERY_STATUS: [Exclude<DeploymentStatus, (typeof STATUS_LIST)[number]>] extends [never] ? readonly DeploymentStatus[] : never = STATUS_LIST;
const STATUSES = new Set<unknown>(EVERY_STATUS);
const WORST = new Set<unknown>(['none', 'ok', 'warning', 'critical'] satisfies Array<Level | 'none'>);
const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:\d\d)$/;
const DIGITS = /^\d+$/;

const isText = (v: unknown): v is string => typeof v === 'string';
const isIso = (v: unknown) => isText(v) && ISO.test(v);
const isCount = (v: unknown) => Number.isSafeInteger(v) && (v as number) >= 0;
const isRecord = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

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

const describes = (doc: Record<string, unknown>, id: FileId) =>
	[doc.dev, doc.ino, doc.size, doc.mtimeNs].every(v => isText(v) && DIGITS.test(v)) &&
	BigInt(doc.dev as string) === id.dev &&
	BigInt(doc.ino as string) === id.ino &&
	BigInt(doc.size as string) === id.size &&
	BigInt(doc.mtimeNs as string) === id.mtimeNs;

/**
 * The index's rows if it describes the current document file (same identity and revision) and
 * every row checks out; undefined when it is missing, damaged, or from any other document. The
 * document's own problems (missing, unreadable) are thrown: they are not the index's to hide.
 */
export async function readListIndex(paths: StorePaths): Promise<IndexedList | undefined> {
	const [doc, bytes] = await Promise.all([documentIdentity(paths), readData(paths.index).catch(() => undefined)]);
	if (!bytes || !doc.header) return undefined;
	let raw: unknown;
	try {
		raw = JSON.parse(bytes.toString('utf8'));
	} catch {
		return undefined;
	}
	if (!isRecord(raw) || raw.version !== INDEX_VERSION || raw.rev !== doc.header.rev || !isRecord(raw.doc) || !describes(raw.doc, doc.id)) return undefined;
	if (JSON.stringify(raw.columns) !== JSON.stringify(COLUMNS) || !Array.isArray(raw.deployments)) return undefined;
	const deployments: DeploymentSummary[] = [];
	for (const row of raw.deployments) {
		const summary = summaryOf(row);
		if (!summary) return undefined;
		deployments.push(summary);
	}
	return {rev: doc.header.rev, deployments};
}
