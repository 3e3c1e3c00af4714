import {readdirSync} from 'node:fs';
import {lstat, unlink} from 'node:fs/promises';
import {basename, join} from 'node:path';
import type {EventDraft} from '../core/events.js';
import {parseHeader} from './codec.js';
import {fsyncDir, ownedByUs, rotateBackups, sameInode, settleQuarantines} from './durable.js';
import {graveState, isGraveOf, removeGrave} from './lock-owner.js';
import {isTempOf, quarantineOfPending, revLogs, type StorePaths} from './paths.js';
import {openData, readData} from './safe-fs.js';

/**
 * What crashed writers leave in a data directory, and how the next write (or `calyx repair`)
 * clears it under the write lock; reads never come here. Debris is:
 * - a temp file of a write that died before its rename (the document's, a quarantine's);
 * - `write.lock.dead-*` / `leader.lock.dead-*`: a lock moved aside (released, or a dead holder's
 *   broken) by a process that died before removing it; `*.lock.new-*`: a lock whose taker died
 *   before linking it into place (a file; a directory an older calyx made);
 * - `state.json.bak0` that is not a second name of `state.json`: a backup rotation a crash cut short;
 * - a pending quarantine (bytes moved out of a log) whose audit event never committed;
 * - `deployments.index.json`, the list an older calyx kept beside the document, read by no one now.
 * Only exact calyx names are looked at, each lstat'ed, none followed: a link, a special file,
 * another user's file, or a lock holding what calyx does not put there is left alone and
 * reported (`calyx repair` lists it).
 *
 * Each move or removal is an audited event. Removals and pending quarantines are recorded first,
 * then done (`afterCommit`): a crash in between leaves them for the next write, which records them
 * again, so nothing goes unrecorded. A cut-short rotation is finished before the commit that
 * records it (that commit makes a backup of its own, and needs the name): a crash in between only
 * leaves what the interrupted write would have left, had it finished its routine rotation.
 */
export interface Debris {
	remove: Array<{path: string; what: string; grave?: boolean}>;
	/** A rotation to finish: `pendingBackup` is the previous good file, not the current one. */
	rotation: boolean;
	adopt: Array<{pending: string; file: string; log: string; bytes: number}>;
	left: Array<{path: string; why: string}>;
}

export const hasWork = (d: Debris) => d.remove.length > 0 || d.rotation || d.adopt.length > 0;

type Kind = 'temp' | 'grave' | 'backup' | 'retired' | {log: string; file: string};

function kindOf(paths: StorePaths, name: string): Kind | undefined {
	if (name === basename(paths.index)) return 'retired';
	if ([paths.state, paths.index, paths.audit, paths.metrics, paths.simWorld].some(target => isTempOf(target, name))) return 'temp';
	if ([paths.lock, paths.leader, paths.simWorldLock].some(lock => isGraveOf(lock, name))) return 'grave';
	if (name === basename(paths.pendingBackup)) return 'backup';
	for (const log of [paths.audit, ...revLogs(paths)]) {
		const file = quarantineOfPending(log, name);
		if (file) return {log, file};
	}
	return undefined;
}

/** Reads only: what `afterCommit` and `settleRotation` would do, and what they would leave. */
export async function findDebris(paths: StorePaths): Promise<Debris> {
	const found: Debris = {remove: [], rotation: false, adopt: [], left: []};
	// Synchronously: a data directory holds a dozen names, and every write lists them.
	let names: string[];
	try {
		names = readdirSync(paths.dir);
	} catch {
		names = [];
	}
	for (const name of names) {
		const kind = kindOf(paths, name);
		if (!kind) continue;
		const path = join(paths.dir, name);
		const st = await lstat(path).catch(() => undefined);
		if (!st) continue;
		const shape = st.isSymbolicLink() ? 'is a symbolic link' : kind === 'grave' ? !st.isDirectory() && !st.isFile() && 'is neither a regular file nor a directory' : !st.isFile() && 'is not a regular file';
		// Every lock passes through these names: one in passage (young, its holder alive), whoever's, is not debris.
		if (!shape && kind === 'grave' && !ownedByUs(st) && (await graveState(path)) === 'live') continue;
		// The pending backup is a second name of a state file, whoever wrote it (in a shared directory, any member).
		const why = shape || (kind !== 'backup' && !ownedByUs(st) && `belongs to uid ${st.uid}, not to this user`);
		if (why) {
			found.left.push({path, why});
		} else if (kind === 'temp') {
			found.remove.push({path, what: 'the temp file of a writer that died before its rename'});
		} else if (kind === 'retired') {
			found.remove.push({path, what: 'the deployments list an older calyx kept beside the document (the document carries it now)'});
		} else if (kind === 'grave') {
			const state = await graveState(path);
			if (state === 'remove') found.remove.push({path, what: name.includes('.lock.new-') ? 'a lock its taker died making' : 'a lock moved aside by a process that died before removing it', grave: true});
			else if (state !== 'live') found.left.push({path, why: state.left});
		} else if (kind === 'backup') {
			// A second name of the current file is what a crash before the commit leaves: the next write's backup reuses it.
			if (await sameInode(path, paths.state)) continue;
			// Anything else is moved into the backups only if it is an older state (by its first line).
			if ((await revOf(path)) < (await revOf(paths.state))) found.rotation = true;
			else found.left.push({path, why: 'does not hold a state older than state.json'});
		} else if (!(await endsWith(kind.log, path, st.size))) {
			// (One still at its log's end was made by a repair that died before truncating: not debris,
			// the recovery reuses it.) Its own name taken by another file: not ours to replace; by the
			// same file: a crash cut the rename short.
			const taken = (await lstat(kind.file).then(() => true, () => false)) && !(await sameInode(path, kind.file));
			if (taken) found.left.push({path, why: `stands for ${kind.file}, which exists already`});
			else found.adopt.push({pending: path, file: kind.file, log: kind.log, bytes: st.size});
		}
	}
	return found;
}

/** A state file's revision, from its first line only; NaN when it has none. */
async function revOf(path: string): Promise<number> {
	try {
		const fh = await openData(path, 'read');
		try {
			const head = Buffer.alloc(256);
			const {bytesRead} = await fh.read(head, 0, head.length, 0);
			return parseHeader(head.subarray(0, bytesRead))?.rev ?? Number.NaN;
		} finally {
			await fh.close();
		}
	} catch {
		return Number.NaN;
	}
}

/** Whether `log` ends with the bytes of `file`. */
async function endsWith(log: string, file: string, size: number): Promise<boolean> {
	if (size === 0) return false;
	try {
		const fh = await openData(log, 'read');
		try {
			const end = (await fh.stat()).size;
			if (end < size) return false;
			const tail = Buffer.alloc(size);
			await fh.read(tail, 0, size, end - size);
			return tail.equals(await readData(file));
		} finally {
			await fh.close();
		}
	} catch {
		return false;
	}
}

/** For `calyx repair`: what would be done, and what is left as it is. */
export function describeDebris(paths: StorePaths, d: Debris): {actions: string[]; left: string[]} {
	const [bak1, bak2] = paths.backups;
	return {
		actions: [
			...d.remove.map(r => `remove ${r.path}, ${r.what}`),
			...(d.rotation ? [`finish the backup rotation a crash cut short: ${paths.pendingBackup} (the previous state) becomes ${bak1}, ${bak1} becomes ${bak2}`] : []),
			...d.adopt.map(a => `record ${a.file}: ${a.bytes} bytes moved out of ${a.log} by a repair that crashed before recording them (now ${a.pending})`),
		],
		left: d.left.map(l => `${l.path} ${l.why}: not calyx's to remove (see \`ls -la ${l.path}\`)`),
	};
}

const event = (kind: string, subject: string, reason: string, data: Record<string, unknown>): EventDraft => ({at: new Date().toISOString(), actor: 'store', kind, subject, reason, data});

/** The audit events naming every path the sweep moves or removes (and what it leaves, when it sweeps anyway). */
export function debrisEvents(paths: StorePaths, d: Debris): EventDraft[] {
	const events: EventDraft[] = [];
	const [bak1, bak2] = paths.backups;
	if (d.remove.length > 0 || d.rotation) {
		const parts = [
			...(d.remove.length > 0 ? [`removed ${d.remove.map(r => basename(r.path)).join(', ')}`] : []),
			...(d.rotation ? [`finished a backup rotation a crash cut short (${basename(paths.pendingBackup)} → ${basename(bak1)} → ${basename(bak2)})`] : []),
		];
		events.push(
			event('store.swept', 'state', `what crashed writers left: ${parts.join('; ')}`, {
				removed: d.remove.map(r => r.path),
				...(d.rotation ? {moved: [{from: bak1, to: bak2}, {from: paths.pendingBackup, to: bak1}]} : {}),
				...(d.left.length > 0 ? {left: d.left} : {}),
			}),
		);
	}
	for (const a of d.adopt) {
		events.push(
			event('log.recovered', a.log, `${a.bytes} bytes a repair moved out of the log before a crash stopped it recording them are kept in ${a.file}`, {file: a.log, quarantine: a.file, pending: a.pending, bytes: a.bytes}),
		);
	}
	return events;
}

/** Before the commit that records it: the cut-short rotation, finished. */
export async function settleRotation(paths: StorePaths, d: Debris): Promise<void> {
	if (d.rotation) await rotateBackups(paths);
}

/** The files an event says bytes were moved to: its own, and those of the archive's logs (reconcile.ts). */
function quarantinesOf(e: EventDraft): string[] {
	const nested = Array.isArray(e.data.archive) ? (e.data.archive as Array<{quarantine?: unknown}>).map(a => a.quarantine) : [];
	return [e.data.quarantine, ...nested].filter((q): q is string => typeof q === 'string');
}

/** After the commit that records them: the removals, and every quarantine the commit names put in place. */
export async function afterCommit(paths: StorePaths, d: Debris, events: EventDraft[]): Promise<void> {
	for (const r of d.remove) {
		// Gone already (after a crash past an earlier removal), or it failed: then the next write finds it, and records it, again.
		await (r.grave ? removeGrave(r.path) : unlink(r.path)).catch(() => undefined);
	}
	await settleQuarantines(events.flatMap(quarantinesOf));
	if (d.remove.length > 0) await fsyncDir(paths.dir);
}
