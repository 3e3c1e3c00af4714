import {createHash} from 'node:crypto';
import {lstat, readdir, stat} from 'node:fs/promises';
import {hostname} from 'node:os';
import fs, {constants, existsSync} from 'node:fs';
import {basename, join} from 'node:path';
import {isNodeError} from './errors.js';
import {openDataSync, readData} from './safe-fs.js';
import {randomHex} from './unique.js';

/**
 * Who holds a lock: the lock file's content (see heartbeat-lock.ts), or the `owner` file in the
 * directory an older calyx made its lock; and what is left of one whose holder died.
 */

export interface Owner {
	pid: number;
	host: string;
	token: string;
}

export const ownerFile = (lockPath: string) => join(lockPath, 'owner');

let host: string | undefined;
/** This box's name, asked once a process: every take and release of a lock names it (a system call each time). */
export const thisHost = () => (host ??= hostname());

/** An owner record, or undefined for anything else (an empty file a crash cut short, a hand edit). */
export function parseOwner(text: string): Owner | undefined {
	try {
		const o = JSON.parse(text) as Partial<Owner> | null;
		return o && typeof o.pid === 'number' && typeof o.host === 'string' && typeof o.token === 'string' ? {pid: o.pid, host: o.host, token: o.token} : undefined;
	} catch {
		return undefined;
	}
}

/** Where a lock's owner is written: the lock itself, or the owner file in an older calyx's lock directory. */
const ownerOf = (lockPath: string, st: {isDirectory(): boolean}) => (st.isDirectory() ? ownerFile(lockPath) : lockPath);

export async function readOwner(lockPath: string): Promise<Owner | undefined> {
	try {
		return parseOwner((await readData(ownerOf(lockPath, await lstat(lockPath)))).toString('utf8'));
	} catch {
		return undefined;
	}
}

/** The same, at once (a lock being removed is looked at between two synchronous syscalls). */
export function readOwnerSync(lockPath: string): Owner | undefined {
	try {
		const {fd} = openDataSync(ownerOf(lockPath, fs.lstatSync(lockPath)), 'read');
		try {
			return parseOwner(fs.readFileSync(fd, 'utf8'));
		} finally {
			fs.closeSync(fd);
		}
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
	if (!owner || (owner.host === thisHost() && !alive(owner.pid))) return undefined;
	return {pid: owner.pid, host: owner.host};
}

let tagged: {host: string; tag: string} | undefined;
/** Eight hex digits standing for a host name (hashed once a process, on every take and release). */
function hostTag(host: string): string {
	if (tagged?.host !== host) tagged = {host, tag: createHash('sha256').update(host).digest('hex').slice(0, 8)};
	return tagged.tag;
}
/** `.dead-`/`.new-`, then the mover (absent in the names an earlier build made), then a random part. */
const TAIL = /\.(?:dead|new)-(?:(\d{1,10})-([0-9a-f]{8})-)?[0-9a-f]{8}$/;

/**
 * A name for `lockPath` on its way out ('dead') or in ('new'), moved by `pid` on this host. The
 * names a lock passes through carry the pid and host of the process moving it: a taker killed
 * before its owner file holds anything (or a releaser killed between unlinking it and the rmdir)
 * leaves a directory that says by its name alone whether its maker is gone.
 */
export const moverName = (lockPath: string, way: 'dead' | 'new', pid = process.pid) =>
	`${lockPath}.${way}-${pid}-${hostTag(thisHost())}-${randomHex(4)}`;

/** Where a lock is moved before it is removed (released, or a dead holder's broken). */
export const graveName = (lockPath: string) => moverName(lockPath, 'dead');

/** Where a lock is made, its owner file in it, before it is renamed into place. */
export const transitName = (lockPath: string) => moverName(lockPath, 'new');

/** Exactly a name `graveName` or `transitName` makes for `lockPath`: a lock on its way out or in. */
export const isGraveOf = (lockPath: string, name: string) => {
	const head = basename(lockPath);
	return name.startsWith(head) && TAIL.exec(name)?.index === head.length;
};

/** Whether the process that named this grave is known to be gone: on this host, and not alive. */
function moverDead(grave: string): boolean {
	const [, pid, host] = TAIL.exec(basename(grave)) ?? [];
	return pid !== undefined && host === hostTag(thisHost()) && !alive(Number(pid));
}

/**
 * A grave is a live lock for an instant when `breakIfDead` raced another breaker (it moves the
 * lock aside, sees it is not the dead one, and puts it back); a lock that young and held by a live
 * process here, or not yet signed by its owner, is left. Longer than any stale window calyx uses.
 */
const IN_TRANSIT_MS = 60_000;

/**
 * What to do with a file or directory named like a lock on its way in or out (the caller has
 * checked it is one of these, not a link): 'live' while it may be in passage (young, and not known
 * to be a dead holder's on this host: every take and release passes through one), 'remove' when a
 * crash left it (an owner record of a holder that is gone, or one cut short empty by a crash
 * between its open and its write), or why it is left.
 */
export async function graveState(grave: string): Promise<'remove' | 'live' | {left: string}> {
	// Gone by the time it is looked at: a releaser's or a taker's, in passage.
	const gone = (error: unknown) => isNodeError(error, 'ENOENT');
	const st = await lstat(grave).catch((error: unknown) => (gone(error) ? undefined : Promise.reject(error)));
	if (!st) return 'live';
	const names = st.isDirectory() ? await readdir(grave).catch((error: unknown) => (gone(error) ? 'gone' : undefined)) : [];
	if (names === 'gone') return 'live';
	const owner = st.isFile() || (names && names.length > 0) ? await readOwner(grave) : undefined;
	// Its holder, when it names one; else whoever was moving it (a crash before the owner record held anything).
	const dead = owner ? owner.host === thisHost() && !alive(owner.pid) : moverDead(grave);
	if (Date.now() - st.mtimeMs < IN_TRANSIT_MS && !dead) return 'live';
	if (st.isFile()) return owner || st.size === 0 ? 'remove' : {left: 'holds what calyx does not put in a lock (not an owner record)'};
	if (!byDescriptor()) return {left: 'cannot be removed without following links on this system (no /proc/self/fd)'};
	if (!names) return {left: 'cannot be read'};
	if (names.some(n => n !== 'owner')) return {left: `holds ${names.filter(n => n !== 'owner').join(', ')}, which calyx does not put in a lock`};
	if (names.length > 0 && !owner) {
		const file = await lstat(join(grave, 'owner')).catch(() => undefined);
		if (file && !(file.isFile() && file.size === 0)) return {left: 'holds an owner file calyx cannot read (not a regular file, or not JSON)'};
	}
	return 'remove';
}

let descriptorPaths: boolean | undefined;
const byDescriptor = () => (descriptorPaths ??= existsSync('/proc/self/fd'));

/**
 * Removes a grave `graveState` judged 'remove': a lock file is unlinked (unlink never follows a
 * link). An older calyx's lock directory goes by its owner file, then the directory (never
 * recursively): unlinking `<grave>/owner` by name would follow a link swapped in for the grave
 * since it was looked at, and remove someone's `owner` elsewhere; so the owner file is unlinked
 * through the directory opened without following links (Node has no unlinkat), and rmdir, which
 * does not follow a link either, removes the directory only if it is still that empty directory.
 */
export async function removeGrave(grave: string): Promise<void> {
	removeGraveSync(grave);
}

export function removeGraveSync(grave: string, st: {isDirectory(): boolean} = fs.lstatSync(grave)): void {
	if (!st.isDirectory()) return fs.unlinkSync(grave);
	// Never recursively: a directory holding more than calyx puts in a lock (planted by someone who can
	// write the data directory, perhaps with a link swapped in below it) stays whole, for repair to report.
	const extra = fs.readdirSync(grave).filter(n => n !== 'owner');
	if (extra.length > 0) throw new Error(`${grave} holds ${extra.join(', ')}, which calyx does not put in a lock`);
	removeDir(grave);
}

/** A lock moved aside put back under its name: never over a lock taken meanwhile (link(2) fails; a directory's rename fails over a lock holding its owner). */
export function putBack(grave: string, lockPath: string): void {
	if (fs.lstatSync(grave).isDirectory()) return fs.renameSync(grave, lockPath);
	fs.linkSync(grave, lockPath);
	fs.unlinkSync(grave);
}

export function removeDir(dir: string): void {
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
export async function breakIfDead(lockPath: string): Promise<boolean> {
	// Read and moved at once (synchronous calls, µs apart): the lock judged is the one moved, unless
	// another breaker and a taker both acted in between; then it is put back and never removed.
	const owner = readOwnerSync(lockPath);
	if (!owner || owner.host !== thisHost() || alive(owner.pid)) return false;
	// A crash between the rename and the removal leaves the grave: the next write sweeps it (debris.ts).
	const grave = graveName(lockPath);
	try {
		fs.renameSync(lockPath, grave);
	} catch {
		return true;
	}
	try {
		if (readOwnerSync(grave)?.token === owner.token) removeGraveSync(grave);
		else putBack(grave, lockPath);
	} catch {
		// Left where it is (a live lock that could not be put back: its holder finds it lost), for the sweep.
	}
	return true;
}
