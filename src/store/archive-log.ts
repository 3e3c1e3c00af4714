import {createHash} from 'node:crypto';
import {stat} from 'node:fs/promises';
import {z} from 'zod';
import type {ArchiveRecord} from '../core/archive.js';
import {Deployment, Intent, Lease} from '../core/model/index.js';
import {deploymentSummary} from '../core/view/summary.js';
import {ArchiveIndex, entryOf, indexLine, type ArchiveEntry} from './archive-index.js';
import {readTail} from './lines.js';
import {appendDurable} from './durable.js';
import {StoreError, isNodeError} from './errors.js';
import {COLUMNS} from './list-read.js';
import type {StorePaths} from './paths.js';
import {openData} from './safe-fs.js';
import {check} from './validate.js';

/**
 * The archive: every deployment that ended, with its intent and leases, append-only NDJSON,
 *
 *   {"rev":42,"id":"DEP-20261126-001","record":{"deployment":{…},"intent":{…},"leases":[…]}}
 *
 * written in the commit that ends the deployment (its lines and the index's are durable before the
 * document is renamed into place; a crash before leaves lines past the committed revision, which
 * the next writer's recovery moves aside, like the metrics log's). Read by id through the index
 * (archive-index.ts): one seek, never a scan of the archive.
 */
export const ArchiveRecordSchema = z.object({deployment: Deployment, intent: Intent.optional(), leases: z.array(Lease)});

export interface StagedArchive {
	/** One per record, in order: where its line is and the digest the audit event names. */
	placed: Array<{id: string; status: string; at: number; len: number; sha256: string; intent?: string; leases: string[]}>;
	/** The digest of all the records' bytes together (a migration's one event names it). */
	sha256: string;
	bytes: number;
	/** Appends the lines and the index lines, each durably. */
	write(): Promise<void>;
}

export const digest = (bytes: Buffer | string) => createHash('sha256').update(bytes).digest('hex');

/** What an index line says of a record besides where it is: the ids archived with it, and its list row. */
export function indexFields(record: ArchiveRecord): {refs: string[]; row: unknown[]} {
	const summary = deploymentSummary(record.deployment);
	return {refs: [...(record.intent ? [record.intent.id] : []), ...(record.leases ?? []).map(l => l.id)], row: COLUMNS.map(c => summary[c] ?? null)};
}

const RECORD_HEAD = /^\{"rev":(\d+),"id":("(?:[^"\\]|\\.)*"),"record":/;

/** A line of archive.ndjson (without its newline): its revision, id, and the record's bytes (what the digest covers). */
export function recordLine(line: Buffer): {rev: number; id: string; body: Buffer} | undefined {
	const m = RECORD_HEAD.exec(line.toString('latin1', 0, 80));
	if (!m) return undefined;
	return {rev: Number(m[1]), id: JSON.parse(m[2]!) as string, body: line.subarray(Buffer.byteLength(m[0]), line.length - 1)};
}

/** Where the index says the archive ends; a write appends only to an archive that ends there. */
async function indexedEnd(paths: StorePaths): Promise<number> {
	const tail = await readTail(paths.archiveIndex);
	if (!tail.last) return 0;
	const last = entryOf(paths.archiveIndex, tail.last.line, tail.last.start);
	return last.at + last.len;
}

/** The records' lines, placed after the archive's committed end. Under the write lock, after recovery. */
export async function stageArchive(paths: StorePaths, records: readonly ArchiveRecord[], rev: number): Promise<StagedArchive> {
	let at = await stat(paths.archive).then(
		s => s.size,
		(error: unknown) => {
			if (isNodeError(error, 'ENOENT')) return 0;
			throw error;
		},
	);
	const end = await indexedEnd(paths);
	if (at !== end) {
		throw new StoreError(
			'CORRUPT',
			at > end
				? `${paths.archiveIndex} names records only up to byte ${end} of the ${at} in ${paths.archive} (cut or removed by hand?); nothing was written: \`calyx repair\` rebuilds it from the archive`
				: `${paths.archive} is ${at} bytes, but ${paths.archiveIndex} has its last record end at byte ${end}: the archive was cut, removed or written by hand; nothing was written (restore the archive's two files from a backup; calyx audit verify says what differs)`,
			paths.archive,
		);
	}
	const lines: Buffer[] = [];
	let index = '';
	const whole = createHash('sha256');
	const placed: StagedArchive['placed'] = [];
	for (const record of records) {
		const id = record.deployment.id;
		const body = JSON.stringify(record);
		const line = Buffer.from(`{"rev":${rev},"id":${JSON.stringify(id)},"record":${body}}\n`);
		const sha256 = digest(body);
		whole.update(body);
		index += indexLine({rev, id, at, len: line.length, sha256, ...indexFields(record)});
		placed.push({id, status: record.deployment.status, at, len: line.length, sha256, ...(record.intent ? {intent: record.intent.id} : {}), leases: record.leases.map(l => l.id)});
		lines.push(line);
		at += line.length;
	}
	const data = Buffer.concat(lines);
	return {
		placed,
		sha256: whole.digest('hex'),
		bytes: data.length,
		write: async () => {
			// The index names only lines already durable: a crash between leaves an archive line no index line points at.
			await appendDurable(paths.archive, data);
			await appendDurable(paths.archiveIndex, Buffer.from(index));
		},
	};
}

/**
 * Reads archived deployments through the index. A record is checked against the digest its index
 * line names and against its schema; one that fails is reported with its path and position.
 */
export class ArchiveReader {
	readonly index: ArchiveIndex;
	/** Parsed records by digest: archived bytes never change, so a digest names one record forever. */
	readonly #cache = new Map<string, ArchiveRecord>();
	#recent?: {key: string; records: ArchiveRecord[]};

	constructor(readonly paths: StorePaths) {
		this.index = new ArchiveIndex(paths.archiveIndex);
	}

	/** The record of a deployment, or of the deployment an intent or lease id was archived with. */
	async record(id: string, throughRev: number): Promise<ArchiveRecord | undefined> {
		const entry = await this.index.lookup(id, throughRev);
		return entry && this.read(entry);
	}

	/** An archive without its index would answer "unknown" for every record it holds: said instead. */
	async assertIndexed(): Promise<void> {
		const size = (path: string) => stat(path).then(s => s.size, () => 0);
		const [archive, index] = await Promise.all([size(this.paths.archive), size(this.paths.archiveIndex)]);
		if (archive > 0 && index === 0) {
			throw new StoreError('CORRUPT', `${this.paths.archiveIndex} is missing or empty while ${this.paths.archive} holds ${archive} bytes of records: \`calyx repair\` rebuilds it`, this.paths.archiveIndex);
		}
	}

	/** The newest `limit` archived (by when they were archived), newest first; the same array while nothing was archived since. */
	async recent(limit: number, throughRev: number): Promise<ArchiveRecord[]> {
		const all = await this.index.entries(throughRev);
		const key = `${this.index.version}:${limit}`;
		if (this.#recent?.key === key) return this.#recent.records;
		// From the end: a console asks each second, and the archive may hold years.
		const entries: ArchiveEntry[] = [];
		const ids = [...all.keys()];
		for (let i = ids.length - 1; i >= 0 && entries.length < limit; i--) entries.push(all.get(ids[i]!)!);
		const records = await Promise.all(entries.map(e => this.read(e)));
		this.#recent = {key, records};
		return records;
	}

	async read(entry: ArchiveEntry): Promise<ArchiveRecord> {
		const known = this.#cache.get(entry.sha256);
		if (known) return known;
		const path = this.paths.archive;
		const bad = (why: string) => new StoreError('CORRUPT', `${path}: the line at byte ${entry.at} (${entry.id}) ${why}`, path, {position: entry.at});
		const buf = Buffer.alloc(entry.len);
		const fh = await openData(path, 'read').catch((error: unknown) => {
			throw isNodeError(error, 'ENOENT') ? bad(`is named by ${this.index.path}, but the archive is missing`) : error;
		});
		try {
			const {bytesRead} = await fh.read(buf, 0, entry.len, entry.at);
			if (bytesRead !== entry.len) throw bad(`is cut short (${bytesRead} of ${entry.len} bytes)`);
		} finally {
			await fh.close();
		}
		const head = `{"rev":${entry.rev},"id":${JSON.stringify(entry.id)},"record":`;
		const text = buf.toString('utf8');
		if (!text.startsWith(head) || !text.endsWith('}\n')) throw bad(`is not the line ${this.paths.archiveIndex} names`);
		const body = text.slice(head.length, -2);
		if (digest(body) !== entry.sha256) throw bad(`does not match its digest (${entry.sha256.slice(0, 12)}…): it changed after it was archived`);
		let raw: unknown;
		try {
			raw = JSON.parse(body);
		} catch {
			throw bad('is not JSON');
		}
		const problem = check(ArchiveRecordSchema, raw, 'record');
		if (problem) throw bad(`fails its schema at ${problem.field}: ${problem.message}`);
		const record = raw as ArchiveRecord;
		if (record.deployment.id !== entry.id) throw bad(`holds ${record.deployment.id}, not ${entry.id}`);
		// Bounded: a console that pages through the archive must not keep all of it.
		if (this.#cache.size >= 256) this.#cache.delete(this.#cache.keys().next().value!);
		this.#cache.set(entry.sha256, record);
		return record;
	}
}

