import fs from 'node:fs';
import {isNodeError, StoreError} from './errors.js';
import {breakIfDead, graveName, putBack, removeGraveSync, thisHost, transitName, type Owner} from './lock-owner.js';
import {openDataSync} from './safe-fs.js';
import {randomHex} from './unique.js';

/**
 * A heartbeat lock: a regular file at the lock's path naming its holder (pid, host, a token of
 * this attempt), whose mtime the holder refreshes; one not refreshed within the stale window is
 * taken over, and one whose holder's process is gone on this host is broken at once.
 *
 * The file is written whole under a name of its own, then linked into place: link(2) fails while
 * anything stands at the path, so taking is atomic and no one ever sees a lock without its owner.
 * Every step is one metadata syscall of a few µs, made synchronously (through libuv's pool each
 * costs a round trip of ~80 µs on a loaded box; a commit takes and releases this lock). An older
 * calyx made the lock a directory with an `owner` file in it: one found is judged (stale, dead) and
 * removed the same way (lock-owner.ts reads both shapes).
 */

export interface HeldLock {
	/** Throws LOCK_LOST if the lock is no longer ours (taken over after we stalled past the stale window, or moved aside). */
	assertHeld(stage: string): Promise<void>;
}

export interface Held extends HeldLock {
	release(): Promise<void>;
}

/** Locks this process holds: let go of at exit (a holder killed outright is broken as dead, see breakIfDead). */
const holding = new Set<() => void>();
let exitHooked = false;
const atExit = () => {
	for (const release of holding) release();
};

/**
 * Our lock file, by its device and inode, with a descriptor held open on it: while the descriptor
 * is open the inode cannot be freed, so no other file can ever take its number, and one lstat of
 * the path tells whether it still holds our lock (no open, read and parse of the owner each time).
 */
interface Mine {
	fd: number;
	dev: bigint;
	ino: bigint;
}

const statOf = (path: string) => fs.lstatSync(path, {bigint: true, throwIfNoEntry: false});
const isMine = (st: fs.BigIntStats | undefined, mine: Mine) => st !== undefined && st.ino === mine.ino && st.dev === mine.dev;

/** Makes the lock if nothing stands at its path; undefined if something does (a contended attempt makes nothing). */
function make(lockPath: string, owner: Owner): Mine | undefined {
	if (statOf(lockPath)) return undefined;
	const transit = transitName(lockPath);
	const {fd, st} = openDataSync(transit, 'create');
	let mine: Mine | undefined;
	try {
		fs.writeSync(fd, JSON.stringify(owner));
		fs.linkSync(transit, lockPath);
		mine = {fd, dev: st.dev, ino: st.ino};
		return mine;
	} catch (error) {
		if (isNodeError(error, 'EEXIST')) return undefined;
		throw error;
	} finally {
		if (!mine) fs.closeSync(fd);
		fs.unlinkSync(transit);
	}
}

const isStale = (st: fs.BigIntStats, staleMs: number) => Date.now() - Number(st.mtimeMs) >= staleMs;

/**
 * A lock leaves in one step: moved aside to a grave, then removed. Removed only if it is the one
 * this attempt took (its own file) or one gone stale (a holder that stopped refreshing): a lock
 * another process took in between (a second taker of the same stale lock got there first; ours,
 * taken over while we stalled) is put back. True when it was removed.
 */
function remove(lockPath: string, mine: Mine | undefined, staleMs: number): boolean {
	// A holder lets go only of a lock that is still its own file: one taken over meanwhile is someone's now.
	if (mine && !isMine(statOf(lockPath), mine)) return false;
	const grave = graveName(lockPath);
	try {
		fs.renameSync(lockPath, grave);
	} catch (error) {
		if (isNodeError(error, 'ENOENT')) return false;
		throw error;
	}
	const st = fs.lstatSync(grave, {bigint: true});
	// A fresh lock is removed only by its holder (a stale one's taker holds none).
	if (!isStale(st, staleMs) && !(mine && isMine(st, mine))) {
		try {
			putBack(grave, lockPath);
		} catch {}
		return false;
	}
	try {
		removeGraveSync(grave, st);
	} catch {
		// A directory holding what calyx does not put in a lock: left under its grave name, for repair to report.
	}
	return true;
}

/** One attempt: made, or taken over from a holder gone stale (once: a lock made meanwhile is someone's). */
function take(lockPath: string, owner: Owner, staleMs: number): Mine | undefined {
	const made = make(lockPath, owner);
	if (made) return made;
	const st = statOf(lockPath);
	if (st && !isStale(st, staleMs)) return undefined;
	if (st) remove(lockPath, undefined, staleMs);
	return make(lockPath, owner);
}

/**
 * The heartbeat: the lock's mtime set through the descriptor held on our file, once the path is
 * seen to hold it, so that a lock taken over meanwhile is never refreshed in our name. 'lost' when
 * the path holds another lock or none; 'failed' on an error of the disk (tried again until the stale window).
 */
function beat(lockPath: string, mine: Mine): 'ours' | 'lost' | 'failed' {
	try {
		if (!isMine(statOf(lockPath), mine)) return 'lost';
		const now = new Date();
		fs.futimesSync(mine.fd, now, now);
		return 'ours';
	} catch {
		return 'failed';
	}
}

/**
 * One attempt at the lock at `lockPath`, with the holder refreshing it every `update` ms (half the
 * stale window by default). Undefined if another live holder has it. `onLost`: the heartbeat found
 * the lock taken over (this process stalled past the stale window).
 */
export async function tryLock(lockPath: string, opts: {stale: number; update?: number; onLost?: () => void; breakDead?: boolean}): Promise<Held | undefined> {
	const token = randomHex(8);
	const owner = {pid: process.pid, host: thisHost(), token};
	for (let attempt = 0; attempt < 3; attempt++) {
		const mine = take(lockPath, owner, opts.stale);
		if (mine) return held(lockPath, mine, opts);
		if (opts.breakDead !== false && (await breakIfDead(lockPath))) continue;
		return undefined;
	}
	return undefined;
}

function held(lockPath: string, mine: Mine, opts: {stale: number; update?: number; onLost?: () => void}): Held {
	let lost = false;
	let open = true;
	let timer: NodeJS.Timeout | undefined;
	let lastBeat = Date.now();
	// Once only, whichever way the lock ends: let go of, or found lost (a leader that lost it never releases it).
	const close = () => {
		if (open) fs.closeSync(mine.fd);
		open = false;
	};
	const letGo = () => {
		clearTimeout(timer);
		holding.delete(letGo);
		if (!lost) {
			lost = true;
			try {
				remove(lockPath, mine, opts.stale);
			} catch {}
		}
		close();
	};
	const schedule = (ms: number) => {
		timer = setTimeout(() => {
			const now = beat(lockPath, mine);
			if (now === 'ours') lastBeat = Date.now();
			if (now === 'ours' || (now === 'failed' && Date.now() - lastBeat < opts.stale)) return schedule(now === 'ours' ? interval : 1000);
			holding.delete(letGo);
			lost = true;
			close();
			opts.onLost?.();
		}, ms);
		// The lock never keeps a process alive; it is let go of at exit.
		timer.unref();
	};
	const interval = opts.update ?? opts.stale / 2;
	schedule(interval);
	holding.add(letGo);
	if (!exitHooked) {
		exitHooked = true;
		process.on('exit', atExit);
	}
	return {
		async assertHeld(stage: string) {
			// Looked at every time (one lstat): a lock this process thinks fresh can have been moved aside
			// by a breaker that judged another one, and not put back.
			if (!lost && !isMine(statOf(lockPath), mine)) lost = true;
			if (lost) throw new StoreError('LOCK_LOST', `lost ${lockPath} before ${stage} (taken over: it went stale, or was moved aside by a process breaking another lock): this write was abandoned`, lockPath);
		},
		async release() {
			letGo();
		},
	};
}
