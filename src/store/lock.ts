import {randomBytes} from 'node:crypto';
import {access} from 'node:fs/promises';
import {hostname} from 'node:os';
import fs, {watch, type FSWatcher} from 'node:fs';
import {ioError, isNodeError, StoreError} from './errors.js';
import type {StorePaths} from './paths.js';
import {breakIfDead, graveName, ownerFile, readOwner, readOwnerSync, removeDir, transitName, type Owner} from './lock-owner.js';
import {createDataSync} from './safe-fs.js';

/** proper-lockfile's documented minimum: a holder that stopped refreshing blocks others this long. */
export const STALE_MS = 5000;
export const DEFAULT_LOCK_TIMEOUT_MS = 15_000;

export interface HeldLock {
	/** Throws LOCK_LOST if the lock is no longer ours (we stalled past the stale window and it was taken over). */
	assertHeld(stage: string): Promise<void>;
}

// Loaded on the first write only: a read-only CLI command never pays for it.
let lockfileModule: Promise<typeof import('proper-lockfile')> | undefined;
const properLockfile = () => (lockfileModule ??= import('proper-lockfile').then(m => m.default));

type Callback<T = void> = (error: NodeJS.ErrnoException | null, value?: T) => void;

/** A synchronous fs call answering a Node-style callback, on the next tick as fs would. */
function answer<T>(op: () => T, callback: Callback<T>): void {
	let value: T;
	try {
		value = op();
	} catch (error) {
		return void process.nextTick(callback, error as NodeJS.ErrnoException);
	}
	process.nextTick(callback, null, value);
}

const heldError = (path: string) => Object.assign(new Error(`EEXIST: ${path} is held`), {code: 'EEXIST'});
const notOursError = (path: string) => Object.assign(new Error(`ENOENT: ${path} is not this attempt's to remove`), {code: 'ENOENT'});

/**
 * A lock leaves in one step: renamed aside, then removed (its owner file, then the directory; a
 * foreign shape, recursively, never through a link), so no one ever sees it without its owner.
 * Removed only if it is the one this attempt took (its token) or one gone stale (proper-lockfile's
 * take-over of a holder that stopped refreshing): a lock another process took in between (a second
 * taker of the same stale lock got there first; our own, taken over while we stalled) is put back,
 * and proper-lockfile told it is gone, which it takes as done.
 */
function removeLockDir(path: string, token: string, staleMs: number): void {
	const grave = graveName(path);
	fs.renameSync(path, grave);
	const fresh = Date.now() - fs.statSync(grave).mtimeMs < staleMs;
	if (fresh && readOwnerSync(grave)?.token !== token) {
		// Taken again meanwhile: the grave is left to the sweep, which waits for its holder to go.
		try {
			fs.renameSync(grave, path);
		} catch {}
		throw notOursError(path);
	}
	try {
		removeDir(grave);
	} catch (error) {
		if (!isNodeError(error, 'ENOENT')) fs.rmSync(grave, {recursive: true, force: true});
	}
}

/**
 * The fs proper-lockfile works through. Every call it makes is one metadata syscall on the lock
 * directory (mkdir, stat, utimes, rmdir) of a few µs, made here synchronously: through libuv's
 * thread pool each costs a round trip (~80 µs on a loaded two-core box), and a commit took a dozen
 * to take and release its lock. Its lock is an empty directory it removes with rmdir; ours holds
 * an owner file, so removal (release, stale take-over, clean-up at exit) takes it too.
 */
const baseLockFs = Object.assign(Object.create(fs) as typeof fs, {
	stat: (path: string, callback: Callback<fs.Stats>) => answer(() => fs.statSync(path), callback),
	utimes: (path: string, atime: Date, mtime: Date, callback: Callback) => answer(() => fs.utimesSync(path, atime, mtime), callback),
});

/**
 * The same, for one attempt (its owner, its token): the lock is made under a transit name with its
 * owner file in it, then renamed into place, which fails while a lock is there (it holds its
 * owner: ENOTEMPTY, given to proper-lockfile as the EEXIST it expects of mkdir; anything at the
 * name is looked at first, so a contended attempt makes nothing, and an empty directory an older
 * calyx left is not replaced but waited out as stale). A holder killed while taking its lock
 * leaves no lock without an owner, which no one could judge dead (only transit debris, swept by
 * the next write); and proper-lockfile reads the mtime of a directory whose owner file is already
 * in it. A proxy, not a copy: what proper-lockfile caches on its fs (the mtime precision it
 * probed) lands on the shared one, and is probed once a process.
 */
function lockFs(owner: Owner, staleMs: number): typeof fs {
	const mkdir = (path: string, callback: Callback) =>
		answer(() => {
			if (fs.lstatSync(path, {throwIfNoEntry: false})) throw heldError(path);
			const transit = transitName(path);
			fs.mkdirSync(transit);
			try {
				createDataSync(ownerFile(transit), JSON.stringify(owner));
				fs.renameSync(transit, path);
			} catch (error) {
				fs.rmSync(transit, {recursive: true, force: true});
				if (isNodeError(error, 'ENOTEMPTY') || isNodeError(error, 'EEXIST')) throw heldError(path);
				throw error;
			}
		}, callback);
	const remove = (path: string) => removeLockDir(path, owner.token, staleMs);
	const own: Record<string, unknown> = {mkdir, rmdir: (path: string, callback: Callback) => answer(() => remove(path), callback), rmdirSync: remove};
	return new Proxy(baseLockFs, {get: (target, key, receiver) => (typeof key === 'string' && key in own ? own[key] : Reflect.get(target, key, receiver))});
}

export interface Held extends HeldLock {
	release(): Promise<void>;
}

/**
 * One attempt at a proper-lockfile lock (an atomic mkdir whose mtime the holder refreshes), with
 * an owner file inside naming this process. Undefined if another live holder has it.
 */
export async function tryLock(
	target: string,
	lockPath: string,
	opts: {stale: number; update?: number; onLost?: () => void; breakDead?: boolean},
): Promise<Held | undefined> {
	const lockfile = await properLockfile();
	const token = randomBytes(8).toString('hex');
	let lost = false;
	for (let attempt = 0; attempt < 3; attempt++) {
		let unlock: () => Promise<void>;
		try {
			unlock = await lockfile.lock(target, {
				fs: lockFs({pid: process.pid, host: hostname(), token}, opts.stale),
				realpath: false,
				lockfilePath: lockPath,
				stale: opts.stale,
				...(opts.update ? {update: opts.update} : {}),
				retries: 0,
				onCompromised: () => {
					lost = true;
					opts.onLost?.();
				},
			});
		} catch (error) {
			if (!isNodeError(error, 'ELOCKED')) throw error;
			if (opts.breakDead !== false && (await breakIfDead(lockPath))) continue;
			return undefined;
		}
		const acquiredAt = performance.now();
		return {
			async assertHeld(stage: string) {
				// A lock younger than half the stale window cannot have been taken over (the monotonic
				// clock keeps counting while a process is stopped); an older one must still be ours.
				if (!lost && performance.now() - acquiredAt > opts.stale / 2 && (await readOwner(lockPath))?.token !== token) lost = true;
				if (lost) throw new StoreError('LOCK_LOST', `lost ${lockPath} before ${stage} (it went stale and another process took it over): this write was abandoned`, lockPath);
			},
			async release() {
				if (!lost) await unlock().catch(() => undefined);
			},
		};
	}
	return undefined;
}

/** Waiters in this process queue here instead of spinning on the lock directory. */
const turns = new Map<string, Promise<void>>();

/**
 * Runs `fn` holding the data directory's write lock: first this process's turn, then the
 * cross-process lock, retried with a short jittered back-off until `timeoutMs`.
 */
export function withWriteLock<T>(paths: StorePaths, timeoutMs: number, fn: (lock: HeldLock) => Promise<T>): Promise<T> {
	return withFileLock({target: paths.state, lock: paths.lock}, timeoutMs, fn);
}

/** The same discipline for another file of the data directory with a lock of its own (the simulated world). */
export async function withFileLock<T>(paths: {target: string; lock: string}, timeoutMs: number, fn: (lock: HeldLock) => Promise<T>): Promise<T> {
	const before = turns.get(paths.lock) ?? Promise.resolve();
	let done!: () => void;
	const mine = before.then(() => new Promise<void>(resolve => (done = resolve)));
	turns.set(paths.lock, mine);
	await before;
	try {
		const held = await acquire(paths, timeoutMs);
		try {
			return await fn(held);
		} finally {
			await held.release();
		}
	} finally {
		done();
		if (turns.get(paths.lock) === mine) turns.delete(paths.lock);
	}
}

/**
 * Waits for the holder to release: fs.watch on the lock directory itself fires when it is removed
 * (also when it is touched, hence the existence check after waking), so a hand-over costs a
 * syscall rather than a back-off sleep, and waiters are not woken by every other file's writes.
 * The timeout paces the attempts that notice a stale or dead holder.
 */
function released(lockPath: string, ms: number): Promise<'released' | 'timeout'> {
	return new Promise(resolve => {
		let watcher: FSWatcher | undefined;
		let timer: NodeJS.Timeout | undefined;
		const done = (why: 'released' | 'timeout') => {
			clearTimeout(timer);
			watcher?.close();
			resolve(why);
		};
		try {
			watcher = watch(lockPath, {persistent: false}, (_event, file) => {
				if (file === null || file.toString() !== 'owner') done('released');
			});
			watcher.on('error', () => done('released'));
		} catch {
			return done('released');
		}
		timer = setTimeout(() => done('timeout'), ms);
	});
}

async function acquire(paths: {target: string; lock: string}, timeoutMs: number): Promise<Held> {
	const deadline = Date.now() + timeoutMs;
	const attempt = async (breakDead: boolean) => {
		try {
			return await tryLock(paths.target, paths.lock, {stale: STALE_MS, breakDead});
		} catch (error) {
			throw ioError('taking the write lock', paths.lock, error);
		}
	};
	const first = await attempt(true);
	if (first) return first;
	// Checking whether the holder died costs a file read: not on every retry.
	for (let lastDeadCheck = Date.now(), why = 'timeout'; ; ) {
		const breakDead = Date.now() - lastDeadCheck > 200;
		// Woken by a change: if another waiter already took the lock, a full attempt is wasted work.
		if (why === 'timeout' || breakDead || !(await access(paths.lock).then(() => true, () => false))) {
			if (breakDead) lastDeadCheck = Date.now();
			const held = await attempt(breakDead);
			if (held) return held;
		}
		if (Date.now() >= deadline) {
			throw new StoreError(
				'LOCK_TIMEOUT',
				`${paths.lock} is held by another process and was not released within ${timeoutMs} ms (a stalled holder's lock goes stale after ${STALE_MS} ms); nothing was applied`,
				paths.lock,
			);
		}
		why = await released(paths.lock, 50 + Math.random() * 50);
	}
}
