import {basename, dirname, join, resolve} from 'node:path';
import {randomHex} from './unique.js';

/** Every file the store keeps in a data directory. Private keys never live here. */
export interface StorePaths {
	dir: string;
	/** The lowdb document: the current state. */
	state: string;
	/** Hard links to the previous good state files, newest first. */
	backups: [string, string];
	/**
	 * The current state file's second name while a write replaces it; it becomes `backups[0]` once
	 * the new file is current. Left only by a crash, and settled by the next write (see debris.ts).
	 */
	pendingBackup: string;
	/** Where an older calyx kept the deployments list (now rows in the document, list-rows.ts): its temp files are still swept. */
	index: string;
	/** Append-only, hash-chained NDJSON. */
	audit: string;
	/** Append-only NDJSON of every metrics sample. */
	metrics: string;
	/** The commits since the document was last rewritten that only moved live deployments along (see journal.ts). */
	journal: string;
	/** Append-only NDJSON of the deployments that ended, each with its intent and leases (see archive-log.ts). */
	archive: string;
	/** Append-only NDJSON: where each archived deployment's line is, with its digest and list row. */
	archiveIndex: string;
	/** What the commit under way is about to append to the audit trail (see commit-marker.ts). */
	commit: string;
	/** The write lock (a file naming its holder, see heartbeat-lock.ts). */
	lock: string;
	/** The engine leader's lock. */
	leader: string;
	/** One heartbeat file per engine waiting to take over (see leader.ts). */
	followers: string;
	/** The simulated target's world (the demo's fleet), written only by the simulated driver. */
	simWorld: string;
	/** Its lock: the driver's writes never wait on the state's write lock. */
	simWorldLock: string;
}

export function storePaths(dir: string): StorePaths {
	const root = resolve(dir);
	const state = join(root, 'state.json');
	return {
		dir: root,
		state,
		backups: [`${state}.bak1`, `${state}.bak2`],
		pendingBackup: `${state}.bak0`,
		index: join(root, 'deployments.index.json'),
		audit: join(root, 'audit.ndjson'),
		metrics: join(root, 'metrics.ndjson'),
		journal: join(root, 'state.journal'),
		archive: join(root, 'archive.ndjson'),
		archiveIndex: join(root, 'archive.index.ndjson'),
		commit: join(root, 'commit.json'),
		lock: join(root, 'write.lock'),
		leader: join(root, 'leader.lock'),
		followers: join(root, 'engine-followers'),
		simWorld: join(root, 'sim-world.json'),
		simWorldLock: join(root, 'sim-world.lock'),
	};
}

/** The logs whose lines begin with the revision that wrote them: a crashed commit's lines are told by it. */
export const revLogs = (paths: StorePaths) => [paths.metrics, paths.archive, paths.archiveIndex];

let tempCounter = 0;

/**
 * A temp name no other writer can pick (lowdb's fixed `.name.tmp` is how two writers corrupt a
 * file), beside the target so the rename stays within one filesystem.
 */
export const tempName = (target: string) =>
	join(dirname(target), `.${basename(target)}.${process.pid}.${++tempCounter}.${randomHex(4)}.tmp`);

const TEMP_TAIL = /^\.\d+\.\d+\.[0-9a-f]{8}\.tmp$/;

/**
 * Recognises temp files left by a writer that died before its rename: exactly what `tempName`
 * makes, and nothing merely like it (a sweep must never take a file calyx did not create).
 */
export const isTempOf = (target: string, name: string) => {
	const head = `.${basename(target)}`;
	return name.startsWith(head) && TEMP_TAIL.test(name.slice(head.length));
};

/** Where bytes taken out of a log are kept: beside it, named by why and when. */
export const quarantineName = (log: string, why: 'torn' | 'orphan', at = Date.now()) =>
	`${log}.${why}-${new Date(at).toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z')}-${randomHex(3)}`;

/** Exactly what `quarantineName` makes for `log`. */
export const isQuarantineOf = (log: string, name: string) =>
	name.startsWith(`${basename(log)}.`) && /^\.(torn|orphan)-\d{8}T\d{6}Z-[0-9a-f]{6}$/.test(name.slice(basename(log).length));

/**
 * A quarantine whose audit event has not committed yet keeps this name, so that one a crash left
 * can be told from one recorded: it is renamed to its own name only after the commit (see durable.ts).
 */
export const pendingQuarantine = (file: string) => join(dirname(file), `.${basename(file)}.pending`);

/** The quarantine a pending name stands for, if `name` is exactly one of `log`'s. */
export function quarantineOfPending(log: string, name: string): string | undefined {
	const m = /^\.(.+)\.pending$/.exec(name);
	return m && isQuarantineOf(log, m[1]!) ? join(dirname(log), m[1]!) : undefined;
}
