import {access} from 'node:fs/promises';
import {watch, type FSWatcher} from 'node:fs';
import {ioError, StoreError} from './errors.js';
import {tryLock, type Held, type HeldLock} from './heartbeat-lock.js';
import type {StorePaths} from './paths.js';

export {tryLock, type Held, type HeldLock} from './heartbeat-lock.js';

/** A holder that stopped refreshing blocks others this long. */
export const STALE_MS = 5000;
export const DEFAULT_LOCK_TIMEOUT_MS = 15_000;

/** Waiters in this process queue here instead of spinning on the lock. */
const turns = new Map<string, Promise<void>>();

/**
 * Runs `fn` holding the data directory's write lock: first this process's turn, then the
 * cross-process lock, retried with a short jittered back-off until `timeoutMs`.
 */
export function withWriteLock<T>(paths: StorePaths, timeoutMs: number, fn: (lock: HeldLock) => Promise<T>): Promise<T> {
	return withFileLock({lock: paths.lock}, timeoutMs, fn);
}

/** The same discipline for another file of the data directory with a lock of its own (the simulated world). */
export async function withFileLock<T>(paths: {lock: string}, timeoutMs: number, fn: (lock: HeldLock) => Promise<T>): Promise<T> {
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
 * Waits for the holder to release: fs.watch on the lock itself fires when it is moved away
 * (also when its heartbeat touches it, hence the existence check after waking), so a hand-over costs a
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

async function acquire(paths: {lock: string}, timeoutMs: number): Promise<Held> {
	const deadline = Date.now() + timeoutMs;
	const attempt = async (breakDead: boolean) => {
		try {
			return await tryLock(paths.lock, {stale: STALE_MS, breakDead});
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
