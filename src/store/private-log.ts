import {lstat, mkdir, rename, rm} from 'node:fs/promises';
import {dirname, join} from 'node:path';
import {isNodeError, StoreError} from './errors.js';
import {linesBackward} from './lines.js';
import {tempName} from './paths.js';
import {openData, readData} from './safe-fs.js';

/**
 * This user's own files outside any data directory (under $XDG_STATE_HOME/calyx): witness and
 * checkpoint logs, the checkpoint key. What they hold is only worth something if nobody else can
 * write them: every directory below the state home is created 0700 and refused when it is a link,
 * someone else's, or writable by others; files are opened without following a link (safe-fs) and
 * created 0600.
 */
export async function privateDir(home: string, ...parts: string[]): Promise<string> {
	await makeDir(home);
	let dir = home;
	for (const part of parts) {
		dir = join(dir, part);
		await makeDir(dir);
		const st = await lstat(dir);
		const mine = typeof process.geteuid !== 'function' || st.uid === process.geteuid();
		if (!st.isDirectory() || !mine || (st.mode & 0o022) !== 0) {
			const what = !st.isDirectory() ? 'is not a directory (a link?)' : !mine ? 'belongs to another user' : 'is writable by others';
			throw new StoreError('UNSAFE', `${dir} ${what}: calyx keeps this user's witnesses and checkpoint key there and will not use it (remove it, or \`chmod go-w ${dir}\`)`, dir);
		}
	}
	return dir;
}

/**
 * A directory and its missing parents, 0700, one level at a time (mkdir's own recursion can spin
 * on some paths, see keyring.ts): fails at the first refusal.
 */
async function makeDir(dir: string): Promise<void> {
	try {
		await mkdir(dir, {mode: 0o700});
	} catch (error) {
		if (isNodeError(error, 'EEXIST')) return;
		if (!isNodeError(error, 'ENOENT') || dirname(dir) === dir) throw error;
		await makeDir(dirname(dir));
		await makeDir(dir);
	}
}

/** How large a log grows before it is thinned (see `compact`). */
const MAX_BYTES = 1 << 20;
/** Entries kept whole when thinned: the newest ones, and, before them, one per this many seqs. */
const KEEP_NEWEST = 1000;
const KEEP_EVERY = 1000;
/** A `derived` value is only needed in the newest entries: older ones drop it when thinned. */
const KEEP_DERIVED = 16;

interface Entry {
	seq: number;
	derived?: unknown;
}

/**
 * An NDJSON log of this user's (witness entries, checkpoints): appended one line at a time, read
 * whole or newest first. A line that does not parse (a torn append, a hand edit) is skipped, never
 * fatal: the log is evidence to check the audit trail against, not state calyx depends on. It
 * stays bounded: past MAX_BYTES it is rewritten with the newest KEEP_NEWEST entries and one older
 * entry per KEEP_EVERY seqs. Two processes thinning at once may drop each other's latest line: a
 * witness lost is a check fewer, never a false alarm.
 */
export class PrivateLog<T extends Entry> {
	constructor(
		readonly file: string,
		readonly parse: (raw: unknown) => T | undefined,
	) {}

	async append(entry: T): Promise<void> {
		const fh = await openData(this.file, 'append', 0o600);
		let size: number;
		try {
			await fh.write(`${JSON.stringify(entry)}\n`);
			size = (await fh.stat()).size;
		} finally {
			await fh.close();
		}
		if (size > MAX_BYTES) await this.compact();
	}

	async entries(): Promise<T[]> {
		let text: string;
		try {
			text = (await readData(this.file)).toString('utf8');
		} catch (error) {
			if (isNodeError(error, 'ENOENT')) return [];
			throw error;
		}
		return text.split('\n').flatMap(line => {
			const entry = this.#parseLine(line);
			return entry ? [entry] : [];
		});
	}

	/** The newest entry that `accept` takes, reading from the end. */
	async newest(accept: (entry: T) => boolean): Promise<T | undefined> {
		for await (const {line} of linesBackward(this.file)) {
			const entry = this.#parseLine(line.toString('utf8'));
			if (entry && accept(entry)) return entry;
		}
		return undefined;
	}

	#parseLine(line: string): T | undefined {
		if (!line.trim()) return undefined;
		try {
			return this.parse(JSON.parse(line));
		} catch {
			return undefined;
		}
	}

	async compact(): Promise<void> {
		const all = await this.entries();
		const older = all.slice(0, -KEEP_NEWEST).filter((e, i, list) => i === 0 || Math.floor(e.seq / KEEP_EVERY) !== Math.floor(list[i - 1]!.seq / KEEP_EVERY));
		const kept = [...older, ...all.slice(-KEEP_NEWEST)];
		const withDerived = kept.flatMap((e, i) => (e.derived === undefined ? [] : [i])).slice(-KEEP_DERIVED);
		const lines = kept.map((e, i) => {
			if (e.derived === undefined || withDerived.includes(i)) return JSON.stringify(e);
			const {derived: _dropped, ...rest} = e;
			return JSON.stringify(rest);
		});
		const tmp = tempName(this.file);
		const fh = await openData(tmp, 'create', 0o600);
		try {
			await fh.writeFile(lines.map(l => `${l}\n`).join(''));
		} finally {
			await fh.close();
		}
		await rename(tmp, this.file).catch(async (error: unknown) => {
			await rm(tmp, {force: true});
			throw error;
		});
	}
}
