import {statSync, watch as fsWatch, type FSWatcher} from 'node:fs';
import type {ChangeNotice} from './api.js';
import type {StorePaths} from './paths.js';

/** The poll without a directory watcher (none here, or it failed): a stat of four files, a few times a second. */
const POLL_MS = 200;
/**
 * The poll beside a working directory watcher, for what it may miss (an overflowed event queue,
 * a filesystem that reports only this host's writes). Every poll is four stats on the thread
 * pool and wakes the process: at 200 ms they were most of an idle console's wake-ups.
 */
const WATCHED_POLL_MS = 1000;
/**
 * After any event the directory watcher rests this long (closed), then looks at all four files.
 * A commit is a dozen events (its lock taken and released, a temp file, renames, backups, appends)
 * over a few ms, each a wake-up of the process if it is read: ~40 a second beside an engine, most
 * of an idle console's. Resting, the watcher wakes it once per commit; a write during the rest is
 * seen by the look that follows it (the watcher is back before the files are looked at).
 */
const REST_MS = 50;

type Signature = string;
const FILES = ['state', 'journal', 'audit', 'metrics'] as const;
type File = (typeof FILES)[number];
/** A journal record is a commit of the state, as a new document is (see journal.ts). */
const NOTICE: Record<File, keyof ChangeNotice> = {state: 'state', journal: 'state', audit: 'audit', metrics: 'metrics'};

const sign = (s: {ino: bigint; size: bigint; mtimeNs: bigint} | undefined): Signature => (s ? `${s.ino}:${s.size}:${s.mtimeNs}` : 'missing');

/**
 * Looked at synchronously: a stat is a few µs, where one through the thread pool cost an idle
 * console ~50 µs of CPU across its threads (a job queued, a worker woken, the answer sent back),
 * at every look.
 */
function signature(path: string): Signature {
	try {
		return sign(statSync(path, {bigint: true, throwIfNoEntry: false}));
	} catch {
		return 'missing';
	}
}

export interface WatchOptions {
	/** Tests: without the directory watcher, as where fs.watch is missing or failed. */
	watcher?: boolean;
}

/**
 * Tells `listener` which of the state, audit trail and metrics log changed, whoever changed them.
 * fs.watch on the directory reports a change at once (then rests: REST_MS); a stat poll of all
 * four catches what it misses. Files are looked at, never read.
 */
export function watchDir(paths: StorePaths, listener: (what: ChangeNotice) => void, opts: WatchOptions = {}): () => void {
	// The baseline is taken now, synchronously: a write right after watch() returns is a change.
	const last = Object.fromEntries(FILES.map(f => [f, signature(paths[f])])) as Record<File, Signature>;
	let closed = false;

	const check = () => {
		if (closed) return;
		const what: ChangeNotice = {state: false, audit: false, metrics: false};
		for (const f of FILES) {
			const now = signature(paths[f]);
			if (now !== last[f]) what[NOTICE[f]] = true;
			last[f] = now;
		}
		if (what.state || what.audit || what.metrics) listener(what);
	};
	let watcher: FSWatcher | undefined;
	let resting: NodeJS.Timeout | undefined;
	let poll: NodeJS.Timeout | undefined;
	const lookAtAll = () => {
		check();
		schedule();
	};
	/**
	 * The next poll, counted from the last look: what the watcher missed is seen within a period.
	 * Without a watcher (none here, or it failed: a transient EMFILE, the directory renamed) each
	 * poll tries to watch again.
	 */
	const schedule = () => {
		clearTimeout(poll);
		if (closed) return;
		poll = setTimeout(
			() => {
				if (!watcher && !resting) startWatching();
				lookAtAll();
			},
			watcher || resting ? WATCHED_POLL_MS : POLL_MS,
		);
		poll.unref();
	};
	const stopWatching = () => {
		watcher?.close();
		watcher = undefined;
	};
	const rest = () => {
		if (resting || closed) return;
		stopWatching();
		resting = setTimeout(() => {
			resting = undefined;
			if (closed) return;
			startWatching();
			lookAtAll();
		}, REST_MS);
		resting.unref();
	};
	const startWatching = () => {
		if (opts.watcher === false) return;
		try {
			const own = fsWatch(paths.dir, {persistent: false}, rest);
			own.on('error', () => {
				own.close();
				if (watcher !== own) return;
				watcher = undefined;
				schedule();
			});
			watcher = own;
		} catch {
			// No watcher now: the poll keeps the promise, and tries again.
		}
	};
	startWatching();
	schedule();
	return () => {
		closed = true;
		clearTimeout(poll);
		clearTimeout(resting);
		stopWatching();
	};
}
