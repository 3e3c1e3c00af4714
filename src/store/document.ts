import {closeSync, readFile, readSync, type BigIntStats} from 'node:fs';
import {rm} from 'node:fs/promises';
import {promisify} from 'node:util';
import type {Adapter} from 'lowdb';
import type {State} from '../core/model/index.js';
import {encode, parseHeader, type Header, type Layout} from './codec.js';
import {commitTemp, dropPendingBackup, linkPendingBackup, rotateBackups, writeTemp} from './durable.js';
import {ioError, isNodeError, StoreError} from './errors.js';
import {documentIdentity, fileId, MAX_DOCUMENT_BYTES, notInitialised, sameFile, type FileId} from './file-id.js';
import {Diagnosis, loadDocument, TextCache} from './load.js';
import type {StorePaths} from './paths.js';
import {LIST_FIELD, ListRows} from './list-rows.js';
import {openDataSync, readData} from './safe-fs.js';
import {deepFreeze, validateState} from './validate.js';

export {MAX_DOCUMENT_BYTES} from './file-id.js';

const tooLarge = (path: string, size: number) =>
	new StoreError('CORRUPT', `${path} is ${(size / 1048576).toFixed(0)} MB, over the ${MAX_DOCUMENT_BYTES / 1048576} MB a calyx state file may hold; nothing was read or written (restore the last good backup beside it)`, path);

const readWhole = promisify(readFile) as (fd: number) => Promise<Buffer>;

const HEADER_KEYS = new Set(['schemaVersion', 'rev', 'auditHead']);

/**
 * The lowdb adapter for the state document. Unlike lowdb's JSONFile (fixed temp name, no fsync,
 * `null` silently read as "no data"), it writes durably, keeps the last good files as backups, and
 * refuses a bad file with its position or field; it never hands lowdb an empty value.
 *
 * A parse is reused while the file is provably the one it came from (same inode, size and mtime,
 * and the same rev in its first line); after a change only the entities whose bytes changed are
 * parsed and validated again.
 */
export class DocumentFile implements Adapter<State> {
	readonly #texts = new TextCache();
	readonly #list = new ListRows();
	#loaded?: {id: FileId; state: State; layout?: Layout; migratedFrom?: number};
	/** `fresh`: the texts of entities not yet validated, until `validate` passes. */
	#prepared?: {state: State; chunks: Buffer[]; layout: Layout; fresh?: Array<[string, unknown, Buffer]>};
	#staged?: {state: State; tmp: string; id: FileId; layout: Layout; backup: boolean};
	#queue: Promise<unknown> = Promise.resolve();

	constructor(readonly paths: StorePaths) {}

	/** In-process, reads and writes of one document take turns (other processes: the write lock). */
	#serial<T>(op: () => Promise<T>): Promise<T> {
		const run = this.#queue.then(op, op);
		this.#queue = run.catch(() => undefined);
		return run;
	}

	read(): Promise<State> {
		return this.#serial(() => this.#read());
	}

	/** Which file the last read or write found current (see last-commit.ts). */
	get loadedId(): FileId | undefined {
		return this.#loaded?.id;
	}

	/** The version the current state was migrated from in memory, until the next write saves it. */
	get migratedFrom(): number | undefined {
		return this.#loaded?.migratedFrom;
	}

	async #read(): Promise<State> {
		const path = this.paths.state;
		let opened;
		try {
			// Most reads find the file they parsed last: that look (identity, first line) is made synchronously.
			opened = openDataSync(path);
		} catch (error) {
			if (isNodeError(error, 'ENOENT')) throw notInitialised(this.paths);
			throw ioError('opening', path, error);
		}
		const {fd} = opened;
		try {
			const id = fileId(opened.st);
			const cached = this.#loaded;
			if (cached && sameFile(cached.id, id)) {
				const head = Buffer.alloc(256);
				const bytesRead = readSync(fd, head, 0, head.length, 0);
				if (parseHeader(head.subarray(0, bytesRead))?.rev === cached.state.rev) return cached.state;
			}
			if (id.size > BigInt(MAX_DOCUMENT_BYTES)) throw tooLarge(path, Number(id.size));
			const buf = await readWhole(fd);
			const loaded = await this.#load(buf, cached?.layout);
			this.#loaded = {id, ...loaded};
			return loaded.state;
		} finally {
			closeSync(fd);
		}
	}

	async #load(buf: Buffer, prev?: Layout) {
		try {
			return loadDocument(buf, this.#texts, prev);
		} catch (error) {
			if (!(error instanceof Diagnosis)) throw error;
			const backup = await lastGoodBackup(this.paths);
			const tail = backup ? `; last good backup: ${backup.path} (rev ${backup.rev}); nothing was written` : '; no good backup beside it; nothing was written';
			throw new StoreError(error.code, `${this.paths.state} ${error.message}${tail}`, this.paths.state, {
				...error.detail,
				...(backup ? {backup: backup.path} : {}),
			});
		}
	}

	/**
	 * Validates what changed and serialises the state; throws INVALID before anything is written.
	 * The store calls this before appending the audit events, so a bad state never reaches the log.
	 */
	prepare(state: State): void {
		this.encode(state);
		this.validate(state);
	}

	/**
	 * Serialises the state without validating it: the store writes these bytes to its temp file
	 * while `validate` runs, and appends nothing before it passes. Texts of entities not yet
	 * validated are held aside until then (a cached text stands for a valid entity).
	 */
	encode(state: State): void {
		if (this.#prepared?.state === state) return;
		const doc = state as unknown as Record<string, unknown>;
		const header: Header = {schemaVersion: state.schemaVersion, rev: state.rev, auditHead: state.auditHead};
		const fresh: Array<[string, unknown, Buffer]> = [];
		// This encode's new texts, each made once (the list's rows digest the deployments' lines).
		const made = new Map<unknown, Buffer>();
		const textOf = (key: string, value: unknown) => {
			if (key === LIST_FIELD) return value as Buffer;
			const known = this.#texts.get(key, value) ?? made.get(value);
			if (known) return known;
			const bytes = Buffer.from(JSON.stringify(value));
			made.set(value, bytes);
			fresh.push([key, value, bytes]);
			return bytes;
		};
		const list = this.#list.items(state.deployments, dep => textOf('deployments', dep));
		const body = {[LIST_FIELD]: list, ...Object.fromEntries(Object.entries(doc).filter(([k]) => !HEADER_KEYS.has(k)))};
		const {chunks, layout} = encode(header, body, textOf);
		this.#prepared = {state, chunks, layout, fresh};
	}

	/** Validates what changed since the last valid state (throws INVALID), then freezes it. */
	validate(state: State): void {
		this.encode(state);
		const prepared = this.#prepared!;
		if (!prepared.fresh) return;
		const problem = validateState(state as unknown as Record<string, unknown>, (key, value) => this.#texts.has(key, value));
		if (problem) {
			throw new StoreError('INVALID', `the next state fails its schema at ${problem.field}: ${problem.message}; nothing was written`, this.paths.state, {field: problem.field});
		}
		deepFreeze(state);
		for (const [key, value, bytes] of prepared.fresh) this.#texts.set(key, value, bytes);
		prepared.fresh = undefined;
	}

	/**
	 * Writes the encoded state to a temp file and gives the current file a second name (the next
	 * backup), without making the new state current. The store runs this alongside the log appends;
	 * `write` then only renames, after the appends are durable. Returns the identity the file will
	 * have once current.
	 * `writing` and `during`: the store's own work, run while the bytes are written and fsync'd.
	 */
	async stage(state: State, opts: {writing?: () => void; during?: () => Promise<void>} = {}): Promise<FileId> {
		this.encode(state);
		const {chunks, layout} = this.#prepared!;
		const [temp, backup] = await Promise.allSettled([writeTemp(this.paths.state, chunks, {writing: opts.writing, during: opts.during, dsync: true}), linkPendingBackup(this.paths)]);
		if (temp.status === 'rejected' || backup.status === 'rejected') {
			await this.#discard(temp.status === 'fulfilled' ? temp.value.tmp : undefined, backup.status === 'fulfilled' && backup.value);
			throw temp.status === 'rejected' ? temp.reason : (backup as PromiseRejectedResult).reason;
		}
		this.#staged = {state, tmp: temp.value.tmp, layout, id: fileId(temp.value.stats), backup: backup.value};
		return this.#staged.id;
	}

	async #discard(tmp: string | undefined, backup: boolean): Promise<void> {
		if (tmp) await rm(tmp, {force: true});
		if (backup) await dropPendingBackup(this.paths);
	}

	/** Drops a staged temp file (and the backup's second name) whose commit was abandoned. */
	async abandon(): Promise<void> {
		const staged = this.#staged;
		this.#staged = undefined;
		if (staged) await this.#discard(staged.tmp, staged.backup);
	}

	/**
	 * lowdb's write: makes the state current (stages it first unless the store already has), and
	 * only then rotates the backups, so that a failure or crash before the commit leaves them as
	 * they were: `backups[0]` is always a good state older than the current one.
	 */
	write(state: State): Promise<void> {
		return this.#serial(async () => {
			// Nothing becomes current unvalidated (the store validated it while staging).
			this.validate(state);
			if (this.#staged?.state !== state) await this.stage(state);
			const {tmp, id, layout, backup} = this.#staged!;
			this.#staged = undefined;
			this.#prepared = undefined;
			// Once the new state is current, the backups rotate while the directory is fsync'd. A failed
			// rotation must not report the write as failed: it leaves the pending backup, which the next
			// write finishes rotating (with an audit event, see debris.ts).
			const rotate = backup ? () => rotateBackups(this.paths).catch(() => undefined) : undefined;
			try {
				await commitTemp(tmp, this.paths.state, rotate);
			} catch (error) {
				// The rename may have happened (and only the directory fsync failed): the backup's name is
				// then the previous file (rotated, or left for the next write to finish rotating).
				await this.#discard(tmp, backup);
				throw error;
			}
			this.#loaded = {id, state, layout};
		});
	}

	/** The first line only: rev and audit head, without reading the document. */
	async header(): Promise<Header | undefined> {
		return (await documentIdentity(this.paths)).header;
	}
}

/** The newest backup that still loads; only looked for when the state file does not. */
async function lastGoodBackup(paths: StorePaths): Promise<{path: string; rev: number} | undefined> {
	// A rotation a crash cut short leaves the newest backup under its pending name.
	for (const path of [paths.pendingBackup, ...paths.backups]) {
		try {
			const {state} = loadDocument(await readData(path), new TextCache());
			return {path, rev: state.rev};
		} catch {
			// Missing or bad too: try the older one.
		}
	}
	return undefined;
}
