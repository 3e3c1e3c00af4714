import {randomBytes} from 'node:crypto';
import {basename, dirname, join, resolve} from 'node:path';

/** Every file the store keeps in a data directory. Private keys never live here. */
export interface StorePaths {
	dir: string;
	/** The lowdb document: the current state. */
	state: string;
	/** Hard links to the previous good state files, newest first. */
	backups: [string, string];
	/** Append-only, hash-chained NDJSON. */
	audit: string;
	/** Append-only NDJSON of every metrics sample. */
	metrics: string;
	/** The write lock (a directory, proper-lockfile style). */
	lock: string;
	/** The engine leader's lock. */
	leader: string;
}

export function storePaths(dir: string): StorePaths {
	const root = resolve(dir);
	const state = join(root, 'state.json');
	return {
		dir: root,
		state,
		backups: [`${state}.bak1`, `${state}.bak2`],
		audit: join(root, 'audit.ndjson'),
		metrics: join(root, 'metrics.ndjson'),
		lock: join(root, 'write.lock'),
		leader: join(root, 'leader.lock'),
	};
}

let tempCounter = 0;

/**
 * A temp name no other writer can pick (lowdb's fixed `.name.tmp` is how two writers corrupt a
 * file), beside the target so the rename stays within one filesystem.
 */
export const tempName = (target: string) =>
	join(dirname(target), `.${basename(target)}.${process.pid}.${++tempCounter}.${randomBytes(4).toString('hex')}.tmp`);

/** Recognises temp files left by a writer that died before its rename. */
export const isTempOf = (target: string, name: string) => name.startsWith(`.${basename(target)}.`) && name.endsWith('.tmp');

/** Where bytes taken out of a log are kept: beside it, named by why and when. */
export const quarantineName = (log: string, why: 'torn' | 'orphan', at = Date.now()) =>
	`${log}.${why}-${new Date(at).toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z')}-${randomBytes(3).toString('hex')}`;

export const isQuarantineOf = (log: string, name: string) => /\.(torn|orphan)-\d{8}T\d{6}Z-[0-9a-f]{6}$/.test(name) && name.startsWith(`${basename(log)}.`);
