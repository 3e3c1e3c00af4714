import {basename, dirname, join, resolve} from 'node:path';

/**
 * Random hex from Web Crypto rather than an import of node:crypto, which costs ~6 ms to load: the
 * quick `canary list` path loads this file and never names a temp file.
 */
const randomHex = (bytes: number) => Buffer.from(globalThis.crypto.getRandomValues(new Uint8Array(bytes))).toString('hex');

/** Every file the store keeps in a data directory. Private keys never live here. */
export interface StorePaths {
	dir: string;
	/** The lowdb document: the current state. */
	state: string;
	/** Hard links to the previous good state files, newest first. */
	backups: [string, string];
	/** The deployments list index: derived from the document at each commit, never the source of truth. */
	index: string;
	/** Append-only, hash-chained NDJSON. */
	audit: string;
	/** Append-only NDJSON of every metrics sample. */
	metrics: string;
	/** What the commit under way is about to append to the audit trail (see commit-marker.ts). */
	commit: string;
	/** The write lock (a directory, proper-lockfile style). */
	lock: string;
	/** The engine leader's lock. */
	leader: string;
	/** One heartbeat file per engine waiting to take over (see leader.ts). */
	followers: string;
}

export function storePaths(dir: string): StorePaths {
	const root = resolve(dir);
	const state = join(root, 'state.json');
	return {
		dir: root,
		state,
		backups: [`${state}.bak1`, `${state}.bak2`],
		index: join(root, 'deployments.index.json'),
		audit: join(root, 'audit.ndjson'),
		metrics: join(root, 'metrics.ndjson'),
		commit: join(root, 'commit.json'),
		lock: join(root, 'write.lock'),
		leader: join(root, 'leader.lock'),
		followers: join(root, 'engine-followers'),
	};
}

let tempCounter = 0;

/**
 * A temp name no other writer can pick (lowdb's fixed `.name.tmp` is how two writers corrupt a
 * file), beside the target so the rename stays within one filesystem.
 */
export const tempName = (target: string) =>
	join(dirname(target), `.${basename(target)}.${process.pid}.${++tempCounter}.${randomHex(4)}.tmp`);

/** Recognises temp files left by a writer that died before its rename. */
export const isTempOf = (target: string, name: string) => name.startsWith(`.${basename(target)}.`) && name.endsWith('.tmp');

/** Where bytes taken out of a log are kept: beside it, named by why and when. */
export const quarantineName = (log: string, why: 'torn' | 'orphan', at = Date.now()) =>
	`${log}.${why}-${new Date(at).toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z')}-${randomHex(3)}`;

export const isQuarantineOf = (log: string, name: string) => /\.(torn|orphan)-\d{8}T\d{6}Z-[0-9a-f]{6}$/.test(name) && name.startsWith(`${basename(log)}.`);
