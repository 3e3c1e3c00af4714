import {randomBytes} from 'node:crypto';
import {access, readdir, rename, rm, stat} from 'node:fs/promises';
import {hostname} from 'node:os';
import fs, {constants, existsSync, watch, type FSWatcher} from 'node:fs';
import {basename, join} from 'node:path';
import {ioError, isNodeError, StoreError} from './errors.js';
import type {StorePaths} from './paths.js';
import {createDataSync, readData} from './safe-fs.js';

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

interface Owner {
	pid: number;
	host: string;
	token: string;
}

const ownerFile = (lockPath: string) => join(lockPath, 'owner');

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

/** Our lock directory holds its owner file: removed with it (anything else, recursively), never through a link. */
function removeLockDir(path: string): void {
	try {
		removeDir(path);
	} catch (error) {
		if (!isNodeError(error, 'ENOENT')) fs.rmSync(path, {recursive: true});
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
	rmdir: (path: string, callback: Callback) => answer(() => removeLockDir(path), callback),
	rmdirSync: removeLockDir,
});

/**
 * The same, for one attempt: the owner file is written as part of the mkdir that takes the lock,
 * so proper-lockfile reads the directory's mtime once the file is in it (it calls the lock
 * compromised when that mtime changes). A proxy, not a copy: what proper-lockfile caches on its fs
 * (the mtime precision it probed) lands on the shared one, and is probed once a process.
 */
function lockFs(owner: Owner): typeof fs {
	const mkdir = (path: string, callback: Callback) =>
		answer(() => {
			fs.mkdirSync(path);
			try {
				createDataSync(ownerFile(path), JSON.stringify(owner));
			} catch (error) {
				fs.rmSync(path, {recursive: true, force: true});
				throw error;
			}
		}, callback);
	return new Proxy(baseLockFs, {get: (target, key, receiver) => (key === 'mkdir' ? mkdir : Reflect.get(target, key, receiver))});
}

async function readOwner(lockPath: string): Promise<Owner | undefined> {
	try {
		return JSON.parse((await readData(ownerFile(lockPath))).toString('utf8')) as Owner;
	} catch {
		return undefined;
	}
}

export function alive(pid: number): boolean {
	try {
		process.kill(pid, 0);
		return true;
	} catch (error) {
		return !isNodeError(error, 'ESRCH');
	}
}

/**
 * Who holds a heartbeat lock, if anyone does now: the lock exists, its holder refreshed it within
 * `staleMs`, and, on this host, the holder's process is alive. For telling people whether an
 * engine drives a data directory; taking the lock is `tryLock`'s business.
 */
export async function liveHolder(lockPath: string, staleMs: number): Promise<{pid: number; host: string} | undefined> {
	const at = await stat(lockPath).then(s => s.mtimeMs, () => undefined);
	if (at === undefined || Date.now() - at > staleMs) return undefined;
	const owner = await readOwner(lockPath);
	if (!owner || (owner.host === hostname() && !alive(owner.pid))) return undefined;
	return {pid: owner.pid, host: owner.host};
}

/** Where `breakIfDead` moves a dead holder's lock before removing it. */
const graveName = (lockPath: string) => `${lockPath}.dead-${randomBytes(4).toString('hex')}`;

/** Exactly a name `graveName` makes for `lockPath`. */
export const isGraveOf = (lockPath: string, name: string) => {
	const head = `${basename(lockPath)}.dead-`;
	return name.startsWith(head) && /^[0-9a-f]{8}$/.test(name.slice(head.length));
};

/**
 * A grave is a live lock for an instant when `breakIfDead` raced another breaker (it moves the
 * lock aside, sees it is not the dead one, and puts it back); a lock that young and held by a live
 * process here, or not yet signed by its owner, is left. Longer than any stale window calyx uses.
 */
const IN_TRANSIT_MS = 60_000;

/**
 * What to do with a directory named like a grave (the caller has checked it is a directory of
 * ours, not a link): 'remove' when it is what `breakIfDead` makes and a crash left (at most the
 * owner file, of a holder that is gone), 'live' when it may be a lock in transit, or why it is left.
 */
export async function graveState(grave: string): Promise<'remove' | 'live' | {left: string}> {
	if (!byDescriptor()) return {left: 'cannot be removed without following links on this system (no /proc/self/fd)'};
	const names = await readdir(grave).catch(() => undefined);
	if (!names) return {left: 'cannot be read'};
	if (names.some(n => n !== 'owner')) return {left: `holds ${names.filter(n => n !== 'owner').join(', ')}, which calyx does not put in a lock`};
	const owner = names.length > 0 ? await readOwner(grave) : undefined;
	if (names.length > 0 && !owner) return {left: 'holds an owner file calyx cannot read (not a regular file, or not JSON)'};
	const young = Date.now() - (await stat(grave)).mtimeMs < IN_TRANSIT_MS;
	if (young && (!owner || owner.host !== hostname() || alive(owner.pid))) return 'live';
	return 'remove';
}

let descriptorPaths: boolean | undefined;
const byDescriptor = () => (descriptorPaths ??= existsSync('/proc/self/fd'));

/**
 * Removes a grave `graveState` judged 'remove': its owner file, then the directory (never
 * recursively). Unlinking `<grave>/owner` by name would follow a link swapped in for the grave
 * since it was looked at, and remove someone's `owner` elsewhere; so the owner file is unlinked
 * through the directory opened without following links (Node has no unlinkat), and rmdir, which
 * does not follow a link either, removes the directory only if it is still that empty directory.
 */
export async function removeGrave(grave: string): Promise<void> {
	removeDir(grave);
}

function removeDir(dir: string): void {
	const fd = fs.openSync(dir, constants.O_RDONLY | constants.O_DIRECTORY | constants.O_NOFOLLOW);
	try {
		fs.unlinkSync(`/proc/self/fd/${fd}/owner`);
	} catch (error) {
		if (!isNodeError(error, 'ENOENT')) throw error;
	} finally {
		fs.closeSync(fd);
	}
	fs.rmdirSync(dir);
}

/**
 * A holder on this host whose process is gone cannot refresh its lock: take it over now rather
 * than after the stale window. The lock is renamed aside, then checked: if what was moved is not
 * the dead holder's (another process broke it first and already holds a fresh one), it is put
 * back. (A reused pid only means waiting for the stale window.)
 */
async function breakIfDead(lockPath: string): Promise<boolean> {
	const owner = await readOwner(lockPath);
	if (!owner || owner.host !== hostname() || alive(owner.pid)) return false;
	// A crash between the rename and the removal leaves the grave: the next write sweeps it (debris.ts).
	const grave = graveName(lockPath);
	try {
		await rename(lockPath, grave);
	} catch {
		return true;
	}
	if ((await readOwner(grave))?.token !== owner.token) {
		const replaced = await access(lockPath).then(() => true, () => false);
		if (!replaced) return rename(grave, lockPath).then(() => true, () => true);
	}
	await rm(grave, {recursive: true, force: true});
	return true;
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
				fs: lockFs({pid: process.pid, host: hostname(), token}),
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
