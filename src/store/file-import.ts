import {randomBytes} from 'node:crypto';
import {mkdir, readdir, rename, rm, stat} from 'node:fs/promises';
import {basename, dirname, join, resolve} from 'node:path';
import type {ArchiveRecord} from '../core/archive.js';
import {stageArchive} from './archive-log.js';
import {DocumentFile} from './document.js';
import {appendDurable, fsyncDir} from './durable.js';
import {isNodeError, StoreError} from './errors.js';
import {eachLine} from './lines.js';
import {parseSample} from './metrics-log.js';
import type {StoreParts} from './parts.js';
import {storePaths, type StorePaths} from './paths.js';
import {setDirMode} from './safe-fs.js';

/** Appends are batched to about this size: a long trail is written in a few large writes. */
const BATCH_BYTES = 4 << 20;

/** Why `dir` cannot receive a migration (it holds something), or undefined: absent or an empty directory. */
export async function dirOccupied(dir: string): Promise<string | undefined> {
	const st = await stat(dir).catch((error: unknown) => (isNodeError(error, 'ENOENT') ? undefined : Promise.reject(error)));
	if (!st) return undefined;
	if (!st.isDirectory()) return `${dir} exists and is not a directory`;
	const names = await readdir(dir);
	return names.length === 0 ? undefined : `${dir} is not empty (${names.length} entr${names.length === 1 ? 'y' : 'ies'}: ${names.slice(0, 3).join(', ')}${names.length > 3 ? ', …' : ''})`;
}

/** What earlier runs that crashed left beside `dir` (a migration builds its directory there, then renames it). */
export async function leftovers(dir: string): Promise<string[]> {
	const parent = dirname(resolve(dir));
	const head = `.${basename(resolve(dir))}.migrating-`;
	const names = await readdir(parent).catch(() => [] as string[]);
	return names.filter(n => n.startsWith(head)).map(n => join(parent, n));
}

/**
 * A new data directory from a store's parts, built beside `dir` and renamed into place only once
 * written and checked (`check`: the caller opens and verifies it there): a crash leaves no data
 * directory at `dir`, only a `.<name>.migrating-…` directory beside it, and a rerun starts afresh.
 * The logs with the file store's own writers (bytes as they were), the state last.
 */
export async function writeFileStore(dir: string, parts: StoreParts, check: (paths: StorePaths) => Promise<void>): Promise<void> {
	const target = resolve(dir);
	const occupied = await dirOccupied(target);
	if (occupied) throw new StoreError('INVALID', `${occupied}: a migration writes only into a new or empty directory; nothing was written`, target);
	await mkdir(dirname(target), {recursive: true});
	const temp = join(dirname(target), `.${basename(target)}.migrating-${randomBytes(4).toString('hex')}`);
	await mkdir(temp, {mode: 0o700});
	try {
		await setDirMode(temp, 0o700);
		const paths = storePaths(temp);
		await appendBatched(paths.audit, parts.audit.map(c => c.bytes));
		await appendBatched(paths.metrics, sortedSamples(parts.samples));
		await writeArchive(paths, parts.archive);
		await new DocumentFile(paths).write(parts.state);
		await check(paths);
		await fsyncDir(temp);
		// Over an empty directory too (rename(2) replaces one); one filled meanwhile fails the rename.
		await rename(temp, target);
		await fsyncDir(dirname(target));
	} catch (error) {
		await rm(temp, {recursive: true, force: true});
		throw error;
	}
}

async function appendBatched(path: string, chunks: readonly Buffer[]): Promise<void> {
	let batch: Buffer[] = [];
	let size = 0;
	const flush = async () => {
		if (batch.length > 0) await appendDurable(path, Buffer.concat(batch));
		batch = [];
		size = 0;
	};
	for (const chunk of chunks) {
		batch.push(chunk);
		size += chunk.length;
		if (size >= BATCH_BYTES) await flush();
	}
	await flush();
}

/** The metrics log in commit order (a commit's deployments by id); each line checked, as the store reads it. */
function sortedSamples(groups: StoreParts['samples']): Buffer[] {
	const sorted = [...groups].sort((a, b) => a.rev - b.rev || (a.deploymentId < b.deploymentId ? -1 : a.deploymentId > b.deploymentId ? 1 : 0));
	for (const g of sorted) {
		eachLine({start: 0, buf: g.bytes}, (line, start) => {
			if (line.length === 0) return;
			const s = parseSample(`samples of ${g.deploymentId} at rev ${g.rev}`, line, start);
			if (s.rev !== g.rev || s.deploymentId !== g.deploymentId) throw new StoreError('CORRUPT', `samples of ${g.deploymentId} at rev ${g.rev} hold a line of ${s.deploymentId} at rev ${s.rev}; nothing was written`);
		});
	}
	return sorted.map(g => g.bytes);
}

/** Each commit's records through the file store's own staging (lines, index, digests), in the order they were archived. */
async function writeArchive(paths: StorePaths, archive: StoreParts['archive']): Promise<void> {
	const byRev = new Map<number, Array<{n: number; record: ArchiveRecord}>>();
	for (const a of [...archive].sort((x, y) => x.rev - y.rev || x.n - y.n)) byRev.set(a.rev, [...(byRev.get(a.rev) ?? []), a]);
	for (const [rev, records] of byRev) {
		const staged = await stageArchive(paths, records.map(r => r.record), rev);
		await staged.write();
	}
}
