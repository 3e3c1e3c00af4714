import {constants} from 'node:fs';
import {chown, mkdir, open} from 'node:fs/promises';
import {initialState} from '../core/engine/execute.js';
import type {Config} from '../core/model/index.js';
import type {BatchStore} from './api.js';
import {DocumentFile} from './document.js';
import {io, StoreError} from './errors.js';
import {readTail} from './lines.js';
import {DEFAULT_LOCK_TIMEOUT_MS, withWriteLock} from './lock.js';
import {revLogs, storePaths, type StorePaths} from './paths.js';
import {checkDataDir, setDirMode} from './safe-fs.js';
import {FileStore, type StoreOptions} from './store.js';

export type * from './api.js';
export {StoreError, type StoreErrorDetail} from './errors.js';
export type {StoreOptions} from './store.js';
export type {LeadOptions} from './leader.js';
export type {StoredEvent} from './audit-log.js';
export type {ChainFold, AnchorOptions} from './anchor.js';
export type {Checkpoint} from './checkpoint.js';
export {storePaths, type StorePaths} from './paths.js';
export {findDeployment} from './find.js';

/** Opens an initialised data directory; NOT_INITIALISED if it holds no state. */
export async function openStore(dir: string, opts: StoreOptions = {}): Promise<BatchStore> {
	return new FileStore(storePaths(dir), opts).open();
}

export interface InitOptions extends StoreOptions {
	config?: Config;
	/** The simulated target's seed. */
	seed?: number;
	/** Share the directory with this group (numeric id): setgid, group-writable, nothing for others. */
	group?: number;
}

/**
 * Modes set explicitly, never left to the umask: a new directory is the owner's alone (0700); a
 * shared one belongs to its group (2770: files created in it inherit the group, and calyx gives
 * them 0660), and the files already there follow. Links and special files are left alone.
 */
async function setModes(paths: StorePaths, created: boolean, group: number | undefined): Promise<void> {
	if (group === undefined) {
		if (created) await setDirMode(paths.dir, 0o700);
		return;
	}
	await chown(paths.dir, -1, group);
	await setDirMode(paths.dir, 0o2770);
	for (const file of [paths.state, ...paths.backups, paths.index, paths.audit, ...revLogs(paths), paths.journal, paths.commit]) {
		// Through a descriptor opened without following links: a link swapped in after a look by
		// name would otherwise hand its target to the group.
		const fh = await open(file, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK).catch(() => undefined);
		if (!fh) continue;
		try {
			if (!(await fh.stat()).isFile()) continue;
			await fh.chown(-1, group);
			await fh.chmod(0o660);
		} finally {
			await fh.close();
		}
	}
}

/**
 * Creates the data directory and its first state (rev 0, an empty audit trail), or opens it if it
 * exists: safe to run twice, and from two processes at once. Refuses to start over beside an
 * existing audit trail whose state file is missing: that needs a restore, not a fresh start.
 */
export async function initStore(dir: string, opts: InitOptions = {}): Promise<{created: boolean; store: BatchStore}> {
	const paths = storePaths(dir);
	const made = await io('creating', paths.dir, () => mkdir(paths.dir, {recursive: true, mode: 0o700}));
	await io('setting the modes of', paths.dir, () => setModes(paths, made !== undefined, opts.group));
	await checkDataDir(paths.dir);
	const document = new DocumentFile(paths);
	const exists = () =>
		document.header().then(
			() => true,
			(error: unknown) => !(error instanceof StoreError && error.code === 'NOT_INITIALISED'),
		);
	let created = false;
	if (!(await exists())) {
		await withWriteLock(paths, opts.lockTimeoutMs ?? DEFAULT_LOCK_TIMEOUT_MS, async () => {
			if (await exists()) return;
			const audit = await readTail(paths.audit);
			if (audit.size > 0) {
				throw new StoreError(
					'CORRUPT',
					`${paths.state} is missing but ${paths.audit} holds ${audit.size} bytes of audit trail: restore ${paths.state} (the last good copy is ${paths.backups[0]}, if present) rather than starting over`,
					paths.state,
					{backup: paths.backups[0]},
				);
			}
			await document.write(initialState(opts.config));
			created = true;
		});
	}
	return {created, store: await openStore(dir, opts)};
}
