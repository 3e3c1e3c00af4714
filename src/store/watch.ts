import {statSync, watch as fsWatch, type FSWatcher} from 'node:fs';
import {stat} from 'node:fs/promises';
import {basename} from 'node:path';
import type {ChangeNotice} from './api.js';
import type {StorePaths} from './paths.js';

/** The fallback poll: a stat of three files, cheap enough to run a few times a second. */
const POLL_MS = 200;
/** Writes come in bursts (audit append, samples, rename): one notice per burst. */
const COALESCE_MS = 25;

type Signature = string;
const FILES = ['state', 'audit', 'metrics'] as const;

const sign = (s: {ino: bigint; size: bigint; mtimeNs: bigint} | undefined): Signature => (s ? `${s.ino}:${s.size}:${s.mtimeNs}` : 'missing');

async function signature(path: string): Promise<Signature> {
	return sign(await stat(path, {bigint: true}).catch(() => undefined));
}

/**
 * Tells `listener` which of the state, audit trail and metrics log changed, whoever changed them.
 * fs.watch on the directory reports most changes at once; a stat poll catches what it misses
 * (some filesystems, or a watcher that failed). Only the three files are looked at, never read.
 */
export function watchDir(paths: StorePaths, listener: (what: ChangeNotice) => void): () => void {
	const names = new Set(FILES.map(f => basename(paths[f])));
	// The baseline is taken now, synchronously: a write right after watch() returns is a change.
	let last = Object.fromEntries(FILES.map(f => [f, sign(statSync(paths[f], {bigint: true, throwIfNoEntry: false}))])) as Record<(typeof FILES)[number], Signature>;
	let timer: NodeJS.Timeout | undefined;
	let checking = false;
	let again = false;
	let closed = false;

	const check = async () => {
		if (checking) return void (again = true);
		checking = true;
		try {
			const now = {
				state: await signature(paths.state),
				audit: await signature(paths.audit),
				metrics: await signature(paths.metrics),
			};
			const before = last;
			last = now;
			if (closed) return;
			const what: ChangeNotice = {state: now.state !== before.state, audit: now.audit !== before.audit, metrics: now.metrics !== before.metrics};
			if (what.state || what.audit || what.metrics) listener(what);
		} finally {
			checking = false;
			if (again && !closed) {
				again = false;
				void check();
			}
		}
	};
	const soon = () => {
		if (timer || closed) return;
		timer = setTimeout(() => {
			timer = undefined;
			void check();
		}, COALESCE_MS);
	};

	let watcher: FSWatcher | undefined;
	try {
		watcher = fsWatch(paths.dir, {persistent: false}, (_event, name) => {
			if (name === null || names.has(name.toString())) soon();
		});
		watcher.on('error', () => watcher?.close());
	} catch {
		// No watcher here (or the directory vanished): the poll alone keeps the promise.
	}
	const poll = setInterval(() => void check(), POLL_MS);
	poll.unref();
	return () => {
		closed = true;
		clearInterval(poll);
		if (timer) clearTimeout(timer);
		watcher?.close();
	};
}
