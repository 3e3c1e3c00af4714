import {closeSync, fstatSync, fsync, openSync, writeSync, writev, type BigIntStats, type Stats} from 'node:fs';
import {link, lstat, readdir, rename, rm, unlink} from 'node:fs/promises';
import {basename, dirname, join} from 'node:path';
import {io, isNodeError} from './errors.js';
import {pendingQuarantine, quarantineName, quarantineOfPending, tempName, type StorePaths} from './paths.js';
import {openData, openDataSync, readData, unsafeFile} from './safe-fs.js';

/**
 * The write path's files are opened, stat'ed and closed synchronously (metadata syscalls of a few
 * µs, where a trip through the thread pool costs ~80 µs of a loaded box's CPU, see safe-fs.ts);
 * their writes and fsyncs, which take the disk's time, go through the pool.
 */
const writevFd = (fd: number, chunks: Buffer[]) => new Promise<number>((resolve, reject) => writev(fd, chunks, (error, written) => (error ? reject(error) : resolve(written))));
const fsyncFd = (fd: number) => new Promise<void>((resolve, reject) => fsync(fd, error => (error ? reject(error) : resolve())));

/** rename(2) is atomic but not durable: the directory entry reaches the disk only with its own fsync. */
export async function fsyncDir(dir: string): Promise<void> {
	const fd = openSync(dir, 'r');
	try {
		await fsyncFd(fd);
	} finally {
		closeSync(fd);
	}
}

async function writeAll(fd: number, chunks: Buffer[]): Promise<void> {
	const total = chunks.reduce((n, c) => n + c.length, 0);
	const written = await writevFd(fd, chunks);
	// Regular files take a writev whole; should one ever come back short, finish it in one piece.
	if (written < total) await writevFd(fd, [Buffer.concat(chunks).subarray(written)]);
}

/** A write this small costs less done at once than a trip through the thread pool. */
const SMALL_WRITE = 64 * 1024;

function writeAllSync(fd: number, data: Buffer): void {
	for (let done = 0; done < data.length; ) done += writeSync(fd, data, done);
}

/** fsync; `during` (the caller's own work, whose failure is not the sync's) runs once the fsync is on its way, while the disk works. */
async function syncWhile(durable: Promise<unknown>, during?: () => Promise<void>): Promise<void> {
	const [synced] = await Promise.allSettled([durable, during?.()]);
	if (synced.status === 'rejected') throw synced.reason;
}

/**
 * The first half of a durable replace: the new content in a unique temp file beside `path`,
 * fsync'd, or written with O_DSYNC (`dsync`) (`writing` runs while the bytes are written, `during`
 * while they are made durable). Nothing is visible until `commitTemp`; a temp left by a crash is swept on open.
 */
export async function writeTemp(
	path: string,
	chunks: Buffer[],
	opts: {mode?: number; writing?: () => void; during?: () => Promise<void>; dsync?: boolean} = {},
): Promise<{tmp: string; stats: BigIntStats}> {
	const tmp = tempName(path);
	return io('writing', path, async () => {
		const {fd} = openDataSync(tmp, opts.dsync ? 'createDurable' : 'create', opts.mode);
		try {
			const bytes = writeAll(fd, chunks);
			// The caller's own synchronous work (it must not throw), while the pool copies the bytes.
			opts.writing?.();
			// Written durably in one trip through the pool (O_DSYNC: the data and the size that reads it),
			// not a write and then an fsync, each waiting for the main thread in between.
			if (opts.dsync) {
				await syncWhile(bytes, opts.during);
				return {tmp, stats: fstatSync(fd, {bigint: true})};
			}
			await bytes;
			// The renamed file keeps this inode, size and mtime (the fsync changes none): what the next
			// read's freshness check compares.
			const stats = fstatSync(fd, {bigint: true});
			await syncWhile(fsyncFd(fd), opts.during);
			return {tmp, stats};
		} catch (error) {
			await rm(tmp, {force: true});
			throw error;
		} finally {
			closeSync(fd);
		}
	});
}

/**
 * The second half: rename over the target (atomic), then fsync the directory (durable). `alongside`
 * runs with the fsync, once the new file is current (the document's backup rotation: renames that
 * this fsync or the next one makes durable).
 */
export async function commitTemp(tmp: string, path: string, alongside?: () => Promise<void>): Promise<void> {
	await io('replacing', path, async () => {
		await rename(tmp, path);
		const [synced] = await Promise.allSettled([fsyncDir(dirname(path)), alongside?.()]);
		if (synced.status === 'rejected') throw synced.reason;
	});
}

/** Replaces `path` durably: a crash at any point leaves either the old file or the new one, never a mix. */
export async function writeDurable(path: string, chunks: Buffer[]): Promise<BigIntStats> {
	const {tmp, stats} = await writeTemp(path, chunks);
	await commitTemp(tmp, path);
	return stats;
}

/**
 * One append, written and not synced: lines whose durability another file's fsync stands for (a
 * journal record's samples, see journal-commit.ts), made durable by the next sync of this file.
 */
export async function appendWritten(path: string, data: Buffer): Promise<void> {
	const {fd} = await io('appending to', path, async () => openDataSync(path, 'append'));
	try {
		await io('appending to', path, async () => writeAllSync(fd, data));
	} finally {
		closeSync(fd);
	}
}

/** An fsync of a file written before (a log whose unsynced lines are about to lose the record that stood for them). */
export async function syncFile(path: string): Promise<void> {
	const {fd} = await io('syncing', path, async () => openDataSync(path, 'append'));
	try {
		await io('syncing', path, async () => fsyncFd(fd));
	} finally {
		closeSync(fd);
	}
}

/**
 * One append (a single write on an O_APPEND descriptor) made durable before it returns. With
 * `after`, the file is opened at once but nothing is written until `after` has resolved, and
 * nothing at all if it rejects (its own failure is its caller's to report).
 */
export async function appendDurable(path: string, data: Buffer, after?: Promise<unknown>): Promise<void> {
	const {fd} = await io('appending to', path, async () => openDataSync(path, 'append'));
	try {
		if (after) await after;
		await io('appending to', path, async () => {
			// A commit's few lines are written at once (µs), so that their fsync starts with the document's.
			if (data.length <= SMALL_WRITE) writeAllSync(fd, data);
			else await writeAll(fd, [data]);
			await fsyncFd(fd);
		});
	} finally {
		closeSync(fd);
	}
}

/** Whether this process's user owns a file (a sweep takes only its own; see debris.ts). */
export const ownedByUs = (st: Stats) => typeof process.geteuid !== 'function' || st.uid === process.geteuid();

/**
 * A rename that never replaces what stands at `to` (a file calyx did not make, perhaps): link, then
 * unlink. Done again after a crash between the two, it only drops the old name.
 */
export async function moveAside(from: string, to: string): Promise<void> {
	try {
		await link(from, to);
	} catch (error) {
		if (!isNodeError(error, 'EEXIST') || !(await sameInode(from, to))) throw error;
	}
	await unlink(from);
}

/**
 * The backups are hard links to the last two good state files, so a backup costs directory
 * entries and no copy. Before a commit, the current file gets a second name, `pendingBackup`
 * (run alongside the temp's write); only once the new file is current does that name become
 * `backups[0]` (`rotateBackups`). A crash before the commit leaves the backups as they were (and
 * `pendingBackup` a link to the current file); after it, `pendingBackup` is the previous good file,
 * and the next write finishes the rotation. Returns false when there is no current file yet.
 */
export async function linkPendingBackup(paths: StorePaths): Promise<boolean> {
	return io('keeping a backup of', paths.state, async () => {
		try {
			await link(paths.state, paths.pendingBackup);
			return true;
		} catch (error) {
			if (isNodeError(error, 'ENOENT')) return false;
			if (!isNodeError(error, 'EEXIST')) throw error;
		}
		// The next write settles a rotation a crash left, before it stages: what stands there now is
		// either this state file's link from an attempt of ours that failed, or not calyx's.
		if (await sameInode(paths.pendingBackup, paths.state)) return true;
		throw unsafeFile(paths.pendingBackup, 'is in the way of the next backup');
	});
}

/** Two names of one regular file. */
export async function sameInode(a: string, b: string): Promise<boolean> {
	const [x, y] = await Promise.all([lstat(a).catch(() => undefined), lstat(b).catch(() => undefined)]);
	return x !== undefined && y !== undefined && x.isFile() && x.dev === y.dev && x.ino === y.ino;
}

/** Drops the pending backup of a commit that did not happen (it is then only a second name of the current file). */
export async function dropPendingBackup(paths: StorePaths): Promise<void> {
	if (await sameInode(paths.pendingBackup, paths.state)) await unlink(paths.pendingBackup).catch(() => undefined);
}

/**
 * After the commit: the older backup goes, the pending one becomes the newest. Not fsync'd on its
 * own: the next commit's directory fsync covers it, and a crash before then leaves
 * `pendingBackup`, which the next write settles. Routine, part of every commit: not audited.
 */
export async function rotateBackups(paths: StorePaths): Promise<void> {
	const [newest, older] = paths.backups;
	await io('rotating the backups of', paths.state, async () => {
		try {
			await rename(newest, older);
		} catch (error) {
			if (!isNodeError(error, 'ENOENT')) throw error;
		}
		await rename(paths.pendingBackup, newest);
	});
}

/**
 * Moves a log's bytes from `start` to its end into a file beside it, then truncates the log there.
 * Used for a torn last line and for lines of a mutation that never committed. The file is written
 * whole under a temp name, then given its pending name (see `pendingQuarantine`); the caller's
 * commit records it, and `settleQuarantines` gives it its own name. A crash at any step leaves
 * something the next write recognises: a temp (removed), a pending copy while the log still holds
 * the bytes (reused here rather than copied twice), or one after the truncation (recorded then).
 */
export async function quarantineTail(log: string, start: number, why: 'torn' | 'orphan'): Promise<{file: string; bytes: number}> {
	return io('quarantining the tail of', log, async () => {
		const fh = await openData(log, 'update');
		try {
			const {size, mode} = await fh.stat();
			const bytes = Buffer.alloc(size - start);
			await fh.read(bytes, 0, bytes.length, start);
			let file = await pendingCopy(log, why, bytes);
			if (!file) {
				file = quarantineName(log, why);
				// The quarantined bytes keep the log's own mode: no more readable than where they came from.
				const {tmp} = await writeTemp(log, [bytes], {mode: mode & 0o777});
				await moveAside(tmp, pendingQuarantine(file));
			}
			await fsyncDir(dirname(log));
			await fh.truncate(start);
			await fh.sync();
			return {file, bytes: bytes.length};
		} finally {
			await fh.close();
		}
	});
}

/** A pending quarantine of ours holding exactly `bytes`: the copy an attempt that crashed before truncating made. */
async function pendingCopy(log: string, why: string, bytes: Buffer): Promise<string | undefined> {
	const dir = dirname(log);
	for (const name of await readdir(dir)) {
		const file = quarantineOfPending(log, name);
		if (!file || !basename(file).startsWith(`${basename(log)}.${why}-`)) continue;
		const st = await lstat(join(dir, name)).catch(() => undefined);
		if (st?.isFile() && ownedByUs(st) && st.size === bytes.length && (await readData(join(dir, name))).equals(bytes)) return file;
	}
	return undefined;
}

/** After the commit that records them: each pending quarantine takes its own name. */
export async function settleQuarantines(files: string[]): Promise<void> {
	for (const file of files) {
		await moveAside(pendingQuarantine(file), file).catch(error => {
			// Already settled (by a write that crashed after it), or not ours: the next write reports it.
			if (!isNodeError(error, 'ENOENT') && !isNodeError(error, 'EEXIST')) throw error;
		});
	}
	if (files.length > 0) await fsyncDir(dirname(files[0]!));
}
