import {rename, rm} from 'node:fs/promises';
import type {Deployment, State} from '../core/model/index.js';
import {deploymentSummary} from '../core/view/summary.js';
import {tempWriter} from './durable.js';
import type {FileId} from './file-id.js';
import {COLUMNS, INDEX_VERSION} from './list-read.js';
import type {StorePaths} from './paths.js';

/**
 * The deployments list index: one summary row per deployment, so that `canary list` need not read
 * and parse the whole document (each deployment's rollback pack makes it ~3 KB a deployment).
 * It is derived data, written in the same commit as the document, and it names the exact document
 * file it was derived from (device, inode, size, mtime: a rename keeps them, any other write
 * changes them) and its revision. A reader (list-read.ts) uses it only when both match the current
 * document; missing, damaged, from another commit or from a copied directory, it is not used.
 *
 *   {"version":1,"rev":42,"columns":["id","service",…],"deployments":[
 *   ["DEP-20261126-001","checkout",…]
 *   ,[…]
 *   ],"doc":{"dev":"…","ino":"…","size":"…","mtimeNs":"…"}}
 *
 * The document's identity comes last: the rows are made while the document is written, and the
 * index is written once the document's temp file is (see DocumentFile.stage's `identified`).
 */
const ROW_SEP = Buffer.from(',');
const NL = Buffer.from('\n');

export class ListIndex {
	/** Each deployment's row bytes: deployments are frozen once committed, so identity means unchanged. */
	readonly #rows = new WeakMap<Deployment, Buffer>();
	#staged?: string;

	constructor(readonly paths: StorePaths) {}

	#row(dep: Deployment): Buffer {
		let bytes = this.#rows.get(dep);
		if (!bytes) {
			const summary = deploymentSummary(dep);
			this.#rows.set(dep, (bytes = Buffer.from(JSON.stringify(COLUMNS.map(column => summary[column] ?? null)))));
		}
		return bytes;
	}

	/**
	 * Writes the index of `state` to a temp file for the document file `doc` resolves to once
	 * written. Never rejects: without a fresh index readers fall back to the document, so a
	 * failure here must not cost the commit (the document's own failure is the commit's to report).
	 */
	async stage(state: State, doc: Promise<FileId>): Promise<void> {
		await this.abandon();
		let file: Awaited<ReturnType<typeof tempWriter>> | undefined;
		try {
			// Not fsync'd: derived data, used only when it names the current document and parses; a crash
			// that loses or empties it costs readers one full read, never a wrong list.
			file = await tempWriter(this.paths.index, {sync: false});
			const chunks: Buffer[] = [Buffer.from(`${JSON.stringify({version: INDEX_VERSION, rev: state.rev, columns: COLUMNS}).slice(0, -1)},"deployments":[\n`)];
			state.deployments.forEach((dep, i) => {
				if (i > 0) chunks.push(ROW_SEP);
				chunks.push(this.#row(dep), NL);
			});
			// One write once the document file is written (its identity is known before its fsync).
			const id = await doc;
			const identity = {dev: String(id.dev), ino: String(id.ino), size: String(id.size), mtimeNs: String(id.mtimeNs)};
			chunks.push(Buffer.from(`],"doc":${JSON.stringify(identity)}}\n`));
			await file.write(chunks);
			await file.done();
			this.#staged = file.tmp;
		} catch {
			await file?.discard();
		}
	}

	/**
	 * Puts the staged index in place, alongside the document's rename: before it or after, a reader
	 * finds an index naming a document other than the current one, and does not use it. Not
	 * fsync'd (see `stage`): the document's directory fsync covers it or not.
	 */
	async commit(): Promise<void> {
		const tmp = this.#staged;
		this.#staged = undefined;
		if (tmp) await rename(tmp, this.paths.index).catch(() => rm(tmp, {force: true}));
	}

	async abandon(): Promise<void> {
		const tmp = this.#staged;
		this.#staged = undefined;
		if (tmp) await rm(tmp, {force: true});
	}
}
