import {statSync, watch as fsWatch, type FSWatcher} from 'node:fs';
import {stat} from 'node:fs/promises';
import {basename} from 'node:path';
import type {ChangeNotice} from './api.js';
import type {StorePaths} from './paths.js';

/** The poll without a directory watcher (none here, or it failed): a stat of three files, a few times a second. */
const POLL_MS = 200;
/**
 * The poll beside a working directory watcher, for what it may miss (an overflowed event queue,
 * a filesystem that reports only this host's writes). Every poll is three stats on the thread
 * pool and wakes the process: at 200 ms they were most of an idle console's wake-ups.
 */
const WATCHED_POLL_MS = 1000;
/** Writes come in bursts (audit append, samples, rename): one notice per burst. */
const COALESCE_MS = 25;

type Signature = string;
const FILES = ['state', 'audit', 'metrics'] as const;
type File = (typeof FILES)[number];

const sign = (s: {ino: bigint; size: bigint; mtimeNs: bigint} | undefined): Signature => (s ? `${s.ino}:${s.size}:${s.mtimeNs}` : 'missing');

async function signature(path: string): Promise<Signature> {
	return sign(await stat(path, {bigint: true}).catch(() => undefined));
}

export interface WatchOptions {
	/** Tests: without the directory watcher, as where fs.watch is missing or failed. */
	watcher?: boolean;
}

/**
 * Tells `listener` which of the state, audit trail and metrics log changed, whoever changed them.
 * fs.watch on the directory reports most changes at once, naming the file: only the files named
 * in a burst are looked at. A stat poll of all three catches what it misses. Files are looked at,
 * never read.
 */
export function watchDir(paths: StorePaths, listener: (what: ChangeNotice) => void, opts: WatchOptions = {}): () => void {
	const fileOf = new Map(FILES.map(f => [basename(paths[f]), f]));
	// The baseline is taken now, synchronously: a write right after watch() returns is a change.
	const last = Object.fromEntries(FILES.map(f => [f, sign(statSync(paths[f], {bigint: true, throwIfNoEntry: false}))])) as Record<File, Signature>;
	let timer: NodeJS.Timeout | undefined;
	let checking = false;
	let closed = false;
	// The files to look at next: those named since the last look.
	const due = new Set<File>();

	const check = async () => {
		if (checking || closed || due.size === 0) return;
		checking = true;
		const files = [...due];
		due.clear();
		try {
			const now = await Promise.all(files.map(f => signature(paths[f])));
			const what: ChangeNotice = {state: false, audit: false, metrics: false};
			files.forEach((f, i) => {
				if (now[i] !== last[f]) what[f] = true;
				last[f] = now[i]!;
			});
			if (!closed && (what.state || what.audit || what.metrics)) listener(what);
		} finally {
			checking = false;
			// Named while this look ran: looked at now.
			void check();
		}
	};
	const soon = (file: File) => {
		due.add(file);
		if (timer || closed) return;
		timer = setTimeout(() => {
			timer = undefined;
			void check();
		}, COALESCE_MS);
	};

	let poll: NodeJS.Timeout | undefined;
	const polling = (ms: number) => {
		if (poll) clearInterval(poll);
		poll = setInterval(() => {
			for (const f of FILES) due.add(f);
			void check();
		}, ms);
		poll.unref();
	};
	let watcher: FSWatcher | undefined;
	try {
		if (opts.watcher === false) throw new Error('no watcher');
		watcher = fsWatch(paths.dir, {persistent: false}, (_event, name) => {
			// No name: the watcher cannot say which file; all three are looked at.
			if (name === null) for (const f of FILES) soon(f);
			else {
				const file = fileOf.get(name.toString());
				if (file) soon(file);
			}
		});
		watcher.on('error', () => {
			watcher?.close();
			if (!closed) polling(POLL_MS);
		});
	} catch {
		// No watcher here (or the directory vanished): the poll alone keeps the promise.
		watcher = undefined;
	}
	polling(watcher ? WATCHED_POLL_MS : POLL_MS);
	return () => {
		closed = true;
		clearInterval(poll);
		if (timer) clearTimeout(timer);
		watcher?.close();
	};
}
