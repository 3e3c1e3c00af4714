import type {DeploymentSummary} from '../core/view/summary.js';
import {StoreError, isNodeError} from './errors.js';
import {COLUMNS, summaryOf} from './list-read.js';
import {openData, readData} from './safe-fs.js';

/**
 * The archive's index: one line per archived deployment, appended in the commit that archives it,
 *
 *   {"rev":42,"id":"DEP-20261126-001","at":1234,"len":5678,"sha256":"…","refs":["INT-…","LEASE-…"],"row":["DEP-…",…]}
 *
 * `refs` name the intent and leases archived with it (so `intent show` finds them), `at`/`len` place the deployment's line in archive.ndjson, `sha256` is the digest of that line's
 * record (the audit event that archived it names the same digest), `row` is its list row (the
 * columns of the deployments list index). A deployment archived again (rolled back after it
 * completed) has a later line, which wins.
 *
 * Like list-read.ts this loads neither zod nor the engine: `canary list` reads it on its quick
 * path. Rows are checked by hand; a line that fails is reported with its position, never skipped.
 */
export interface ArchiveEntry {
	rev: number;
	id: string;
	at: number;
	len: number;
	sha256: string;
	refs: string[];
	summary: DeploymentSummary;
}

const SHA = /^[0-9a-f]{64}$/;
/** A record is one deployment with its intent and leases: a few KB. A line claiming more was not written by calyx. */
export const MAX_RECORD_BYTES = 4 * 1024 * 1024;
const isCount = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) >= 0;

export function entryOf(path: string, line: Buffer, offset: number): ArchiveEntry {
	const bad = (why: string) => new StoreError('CORRUPT', `${path}: the line at byte ${offset} ${why} (restore the archive's two files from a backup; calyx audit verify says what else differs)`, path, {position: offset});
	let raw: unknown;
	try {
		raw = JSON.parse(line.toString('utf8'));
	} catch {
		throw bad('is not JSON');
	}
	const r = raw as Record<string, unknown>;
	if (raw === null || typeof raw !== 'object' || !isCount(r.rev) || !isCount(r.at) || !isCount(r.len) || typeof r.sha256 !== 'string' || !SHA.test(r.sha256)) {
		throw bad('lacks rev, at, len or sha256');
	}
	if (r.len > MAX_RECORD_BYTES) throw bad(`claims a record of ${r.len} bytes (at most ${MAX_RECORD_BYTES})`);
	const refs = r.refs ?? [];
	if (!Array.isArray(refs) || !refs.every(x => typeof x === 'string' && x.length <= 64)) throw bad('has refs that are not ids');
	const summary = summaryOf(r.row);
	if (!summary || summary.id !== r.id) throw bad(`has no valid row (columns: ${COLUMNS.join(', ')})`);
	return {rev: r.rev, id: summary.id, at: r.at, len: r.len, sha256: r.sha256, refs, summary};
}

/** The list rows of the archived deployments not also live (a completed one being rolled back), then the live ones. */
export function withArchived(live: DeploymentSummary[], archived: ReadonlyMap<string, ArchiveEntry>): DeploymentSummary[] {
	const liveIds = new Set(live.map(d => d.id));
	const rows: DeploymentSummary[] = [];
	for (const [id, entry] of archived) if (!liveIds.has(id)) rows.push(entry.summary);
	return rows.length === 0 ? live : [...rows, ...live];
}

export const indexLine = (e: Omit<ArchiveEntry, 'summary'> & {row: unknown[]}) =>
	`${JSON.stringify({rev: e.rev, id: e.id, at: e.at, len: e.len, sha256: e.sha256, refs: e.refs, row: e.row})}\n`;

/**
 * The index read once and then followed: the file only grows (a crashed commit's lines are cut
 * off by the next writer's recovery, which this notices as a shorter or replaced file), so each
 * later read parses only the bytes appended since. Lines past the committed revision belong to a
 * commit under way and are left for a later read.
 */
export class ArchiveIndex {
	#entries = new Map<string, ArchiveEntry>();
	/** Intent and lease ids to the deployment they were archived with. */
	#byRef = new Map<string, string>();
	#consumed = 0;
	#ino?: bigint;

	constructor(readonly path: string) {}

	/** Changes whenever the entries do (bytes taken in, and the file they came from). */
	get version(): string {
		return `${this.#ino ?? '-'}:${this.#consumed}`;
	}

	/** The newest entry of each archived deployment, oldest archived first. */
	async entries(throughRev: number): Promise<ReadonlyMap<string, ArchiveEntry>> {
		let fh;
		try {
			fh = await openData(this.path, 'read');
		} catch (error) {
			if (!isNodeError(error, 'ENOENT')) throw error;
			this.#reset();
			return this.#entries;
		}
		try {
			const {size, ino} = await fh.stat({bigint: true});
			if (ino !== this.#ino || Number(size) < this.#consumed) this.#reset(ino);
			const want = Number(size) - this.#consumed;
			if (want <= 0) return this.#entries;
			const buf = Buffer.allocUnsafe(want);
			const {bytesRead} = await fh.read(buf, 0, want, this.#consumed);
			this.#take(buf.subarray(0, bytesRead), throughRev);
			return this.#entries;
		} finally {
			await fh.close();
		}
	}

	#take(buf: Buffer, throughRev: number): void {
		let pos = 0;
		for (;;) {
			const end = buf.indexOf(10, pos);
			// A line without its newline is being appended (or was torn by a crash): not yet.
			if (end < 0) break;
			const entry = entryOf(this.path, buf.subarray(pos, end), this.#consumed + pos);
			if (entry.rev > throughRev) break;
			this.#entries.delete(entry.id);
			this.#entries.set(entry.id, entry);
			for (const ref of entry.refs) this.#byRef.set(ref, entry.id);
			pos = end + 1;
		}
		this.#consumed += pos;
	}

	/**
	 * The entry of a deployment, or of the deployment an intent or lease was archived with. Once the
	 * index is followed (a console), from the map; before (a CLI process asking once), by searching
	 * the bytes for the id and parsing only the lines that name it, newest first.
	 */
	async lookup(id: string, throughRev: number): Promise<ArchiveEntry | undefined> {
		if (this.#ino === undefined) return this.#search(id, throughRev);
		const entries = await this.entries(throughRev);
		return entries.get(id) ?? entries.get(this.#byRef.get(id) ?? '');
	}

	async #search(id: string, throughRev: number): Promise<ArchiveEntry | undefined> {
		let buf: Buffer;
		try {
			buf = await readData(this.path);
		} catch (error) {
			if (isNodeError(error, 'ENOENT')) return undefined;
			throw error;
		}
		// A deployment's id where its line names it; an intent's or lease's anywhere (only `refs` hold them).
		const needle = Buffer.from(id.startsWith('DEP-') ? `"id":${JSON.stringify(id)},"at":` : JSON.stringify(id));
		for (let from = buf.length; from >= 0; ) {
			const at = buf.lastIndexOf(needle, from);
			if (at < 0) return undefined;
			from = at - 1;
			const start = buf.lastIndexOf(10, at) + 1;
			const end = buf.indexOf(10, at);
			// A line without its newline is still being appended.
			if (end < 0) continue;
			const entry = entryOf(this.path, buf.subarray(start, end), start);
			if (entry.rev <= throughRev && (entry.id === id || entry.refs.includes(id))) return entry;
		}
		return undefined;
	}

	/** Every line through `throughRev`, in order, older lines of a re-archived deployment included (for verification). */
	async each(throughRev: number, fn: (entry: ArchiveEntry) => void): Promise<void> {
		let buf: Buffer;
		try {
			buf = await readData(this.path);
		} catch (error) {
			if (isNodeError(error, 'ENOENT')) return;
			throw error;
		}
		for (let pos = 0, end = buf.indexOf(10); end >= 0; pos = end + 1, end = buf.indexOf(10, pos)) {
			const entry = entryOf(this.path, buf.subarray(pos, end), pos);
			if (entry.rev <= throughRev) fn(entry);
		}
	}

	#reset(ino?: bigint): void {
		this.#entries = new Map();
		this.#byRef = new Map();
		this.#consumed = 0;
		this.#ino = ino;
	}
}
