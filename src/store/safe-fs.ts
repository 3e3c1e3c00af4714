import {closeSync, constants, fchmodSync, fstatSync, lstatSync, openSync, writeSync, type BigIntStats} from 'node:fs';
import {chmod, lstat, open, readFile, stat, type FileHandle} from 'node:fs/promises';
import {dirname} from 'node:path';
import {StoreError} from './errors.js';

/**
 * Every file of a data directory is opened here. A data directory may be writable by a group:
 * a member could put a symbolic link, a FIFO or a hard link where a calyx file stands and wait
 * for root to run calyx. So no open follows a link (O_NOFOLLOW), none blocks on a FIFO
 * (O_NONBLOCK: no effect on a regular file), anything but a regular file is refused with its path,
 * and nothing writes through a second hard link to a file (its other name may be anyone's).
 * Files calyx creates get their mode from the directory, never from the umask.
 */
const {O_RDONLY, O_WRONLY, O_RDWR, O_CREAT, O_EXCL, O_APPEND, O_NOFOLLOW, O_NONBLOCK} = constants;

const FLAGS = {
	read: O_RDONLY,
	/** In place (truncating a torn tail). */
	update: O_RDWR,
	/** A new file: fails if anything, a link included, has the name. */
	create: O_WRONLY | O_CREAT | O_EXCL,
	/** The same, each write durable before it returns (O_DSYNC): one trip through the pool instead of a write and an fsync. */
	createDurable: O_WRONLY | O_CREAT | O_EXCL | constants.O_DSYNC,
	append: O_WRONLY | O_CREAT | O_APPEND,
} as const;
export type OpenMode = keyof typeof FLAGS;

export const unsafeFile = (path: string, what: string) =>
	new StoreError(
		'UNSAFE',
		`${path} ${what}: calyx opens only regular files it can trust in a data directory; nothing was read or written (remove or restore it; run \`ls -l ${path}\` to see what stands there)`,
		path,
	);

/** Private by default; group-writable only in a directory made shared (setgid and group-writable). */
export function fileModeFor(dirMode: number): number {
	const shared = (dirMode & 0o2000) !== 0 && (dirMode & 0o020) !== 0;
	return shared ? 0o660 : 0o600;
}

const dirModes = new Map<string, number>();

/** The mode new files in `dir` get (the directory's mode read once per process). */
export async function newFileMode(dir: string): Promise<number> {
	let mode = dirModes.get(dir);
	if (mode === undefined) {
		mode = fileModeFor((await lstat(dir)).mode);
		dirModes.set(dir, mode);
	}
	return mode;
}

/**
 * Opens a data-directory file safely (see above). ENOENT and other errno failures are thrown as
 * they are, for callers that treat a missing file as empty; a link or a special file is UNSAFE.
 */
export async function openData(path: string, how: OpenMode, mode?: number): Promise<FileHandle> {
	return (await openDataStat(path, how, mode)).fh;
}

/** The same, with the file's stat as opened (the check takes one anyway: a caller needs no second). */
export async function openDataStat(path: string, how: OpenMode, mode?: number): Promise<{fh: FileHandle; st: BigIntStats}> {
	const fileMode = how === 'create' || how === 'append' ? (mode ?? (await newFileMode(dirname(path)))) : 0o600;
	let fh: FileHandle;
	try {
		fh = await open(path, FLAGS[how] | O_NOFOLLOW | O_NONBLOCK, fileMode);
	} catch (error) {
		throw refused(path, error);
	}
	try {
		const st = await fh.stat({bigint: true});
		if (vetted(path, how, st, fileMode)) await fh.chmod(fileMode);
		return {fh, st};
	} catch (error) {
		await fh.close();
		throw error;
	}
}

const refused = (path: string, error: unknown) => ((error as NodeJS.ErrnoException).code === 'ELOOP' ? unsafeFile(path, 'is a symbolic link') : error);

/** The checks of a file just opened; true when its mode must be set (a file of ours, created or still empty). */
function vetted(path: string, how: OpenMode, st: BigIntStats, fileMode: number): boolean {
	if (!st.isFile()) throw unsafeFile(path, 'is not a regular file');
	if (how !== 'read' && how !== 'create' && st.nlink > 1n) throw unsafeFile(path, `has ${st.nlink} hard links (another name points at the same file)`);
	// Explicit, not the umask: a file this call created (an empty one of ours) gets the directory's mode.
	const ours = typeof process.geteuid !== 'function' || Number(st.uid) === process.geteuid();
	return (how === 'create' || how === 'createDurable' || (how === 'append' && st.size === 0n)) && ours && (Number(st.mode) & 0o7777) !== fileMode;
}

/** The mode new files in `dir` get, synchronously (shares newFileMode's cache). */
function newFileModeSync(dir: string): number {
	let mode = dirModes.get(dir);
	if (mode === undefined) dirModes.set(dir, (mode = fileModeFor(lstatSync(dir).mode)));
	return mode;
}

/**
 * openData, synchronously, with the same checks: an open and an fstat take µs, where each trip
 * through the thread pool costs ~80 µs on a loaded box. For a look at a few bytes (the document's
 * first line, see document.ts), for what a reader asking every second reads (the document's list
 * rows, the journal's new lines: tens of KB) and for the write path's opens (durable.ts); larger
 * content goes through the pool.
 */
export function openDataSync(path: string, how: OpenMode = 'read', mode?: number): {fd: number; st: BigIntStats} {
	const fileMode = how === 'create' || how === 'createDurable' || how === 'append' ? (mode ?? newFileModeSync(dirname(path))) : 0o600;
	let fd: number;
	try {
		fd = openSync(path, FLAGS[how] | O_NOFOLLOW | O_NONBLOCK, fileMode);
	} catch (error) {
		throw refused(path, error);
	}
	try {
		const st = fstatSync(fd, {bigint: true});
		if (vetted(path, how, st, fileMode)) fchmodSync(fd, fileMode);
		return {fd, st};
	} catch (error) {
		closeSync(fd);
		throw error;
	}
}

/** A whole file's bytes, opened safely. */
export async function readData(path: string): Promise<Buffer> {
	const fh = await openData(path, 'read');
	try {
		return await fh.readFile();
	} finally {
		await fh.close();
	}
}

/** Sets a directory's mode explicitly (mkdir's mode is filtered by the umask). */
export const setDirMode = async (dir: string, mode: number) => {
	await chmod(dir, mode);
	dirModes.delete(dir);
};

/**
 * A data directory anyone can write is one anyone can turn against its users: refused, with the
 * fix. A symbolic link to a directory is fine (the operator chose it); what it points to is checked.
 */
export async function checkDataDir(dir: string, files: readonly string[] = []): Promise<void> {
	let mode: number;
	try {
		mode = (await stat(dir)).mode;
	} catch {
		return; // missing: the operation that needs it says so
	}
	if ((mode & 0o002) !== 0 && (mode & 0o1000) === 0) {
		throw new StoreError('UNSAFE', `${dir} is writable by everyone (mode ${(mode & 0o7777).toString(8)}): anyone could plant files there; run \`chmod o-w ${dir}\` (calyx init --group <name> makes a directory shared by a group)`, dir);
	}
	// Every command looks at every calyx file once: a planted link is reported by any of them,
	// even one that would not have opened that file.
	for (const file of files) {
		const st = await lstat(file).catch(() => undefined);
		if (st?.isSymbolicLink()) throw unsafeFile(file, 'is a symbolic link');
		if (st && !st.isFile()) throw unsafeFile(file, 'is not a regular file');
	}
}

/** A group by name (from /etc/group) or number. */
export async function groupId(name: string): Promise<number | undefined> {
	if (/^\d+$/.test(name)) return Number(name);
	const lines = (await readFile('/etc/group', 'utf8').catch(() => '')).split('\n');
	const row = lines.map(l => l.split(':')).find(f => f[0] === name);
	return row && /^\d+$/.test(row[2] ?? '') ? Number(row[2]) : undefined;
}
