import type {Trust} from '../../core/trust.js';
import {mismatchReason} from '../../core/trust-binding.js';
import type {BatchStore, VerifyReport} from '../api.js';
import type {Head} from '../audit-log.js';
import {StoreError} from '../errors.js';
import {readFileParts} from '../file-export.js';
import {dirOccupied, leftovers, writeFileStore} from '../file-import.js';
import {openStore} from '../index.js';
import {summarise, type PartsSummary, type StoreParts} from '../parts.js';
import {storePaths} from '../paths.js';
import {connectEtcdStore, openEtcdStore} from './index.js';
import {cleanEtcd, etcdOccupied, partsOps, readEtcdParts} from './parts.js';
import type {EtcdStore} from './store.js';
import {targetLabel, type EtcdTarget} from './url.js';
import {sealed} from '../moved.js';
import {trustRefusal} from '../batch.js';

/** A store a migration reads or writes: a data directory or a store on an etcd cluster. */
export type StoreRef = {dir: string} | {target: EtcdTarget};

export interface MigrateOptions {
	trust: Trust;
	stateHome: string;
	/** Removes the keys a crashed migration left under the target's name (never a store: only while it has no meta). */
	forceClean?: boolean;
}

export interface MigrationReport extends PartsSummary {
	from: string;
	to: string;
	/** The head each side's own verification reached: the same on both. */
	verified: {source: Head; target: Head};
	keysWritten?: number;
	/** The source's sealing event (state.moved): nothing is written there after it. */
	sealed: {seq: number; at: string};
	cleaned?: boolean;
	/** Directories earlier runs that crashed left beside the target directory (safe to remove). */
	leftovers?: string[];
	ms: {read: number; write: number; total: number};
}

const label = (ref: StoreRef) => ('dir' in ref ? ref.dir : targetLabel(ref.target));
const refused = (message: string, where: string) => new StoreError('INVALID', `${message}; nothing was written`, where);

function chainProblem(side: string, where: string, report: VerifyReport): string | undefined {
	if (report.ok) return undefined;
	const bad = report.firstBad
		? `at event ${report.firstBad.line}${report.firstBad.seq ? ` (seq ${report.firstBad.seq})` : ''}: ${report.firstBad.reason}`
		: report.headUnchecked ?? [...(report.registry?.differences ?? []).map(d => `key ${d.keyId}: ${d.problem}`), ...(report.archive?.differences ?? []).map(d => `${d.id ?? 'archive'}: ${d.problem}`)][0] ?? 'see calyx audit verify';
	return `the ${side} ${where} does not verify ${bad}`;
}

const sameHead = (a: Head | undefined, b: Head) => a !== undefined && a.seq === b.seq && (a.seq === 0 || a.hash === b.hash);

/**
 * Copies a store whole, the audit chain byte for byte (so no event is added: the trail on both
 * sides is the same chain, with the same head). The target must hold nothing; the source must
 * verify; what is read is read at one point (etcd: one revision; a data directory: its committed
 * state, checked unchanged after). The target is visible only once complete: a data directory is
 * renamed into place after it verifies, an etcd store's meta is written last. Then the source is
 * sealed (moved.ts): one event after the copied head says where it went, and nothing is written
 * there after it, so that an engine left on it cannot drive the targets the copy's engine drives.
 */
export async function migrateStore(from: StoreRef, to: StoreRef, opts: MigrateOptions): Promise<MigrationReport> {
	const started = performance.now();
	const [source, target] = [label(from), label(to)];
	const etcdTarget = 'target' in to ? await connectEtcdStore(to.target, {trust: opts.trust, stateHome: opts.stateHome}) : undefined;
	try {
		const cleaned = etcdTarget ? await emptyEtcd(etcdTarget, target, opts.forceClean === true) : await emptyDir((to as {dir: string}).dir);
		const {parts, head} = await readSource(from, source, opts);
		const rev = parts.state.rev;
		const read = performance.now();
		let keysWritten: number | undefined;
		let verified: Head;
		if (etcdTarget) {
			const extra = partsOps(etcdTarget, parts);
			if (!(await etcdTarget.create(parts.state, extra))) throw refused(`${target} was made a store by someone else meanwhile`, target);
			keysWritten = extra.length;
			verified = await verifiedHead(etcdTarget, 'migrated', target, head).catch((error: Error) => {
				throw new StoreError('TAMPERED', `${error.message} (the store was written there: look, then remove it with etcdctl del --prefix ${etcdTarget.keys.prefix} before migrating again)`, target);
			});
		} else {
			let reached: Head | undefined;
			await writeFileStore((to as {dir: string}).dir, parts, async paths => {
				const written = await openStore(paths.dir, {trust: opts.trust, anchor: {stateHome: opts.stateHome}});
				reached = await verifiedHead(written, 'migrated', target, head).finally(() => written.close());
			});
			verified = reached!;
		}
		const sealedAt = await seal(from, source, target, {head, rev}, opts);
		const done = performance.now();
		const left = 'dir' in to ? await leftovers(to.dir) : [];
		return {
			...summarise(parts),
			from: source,
			to: target,
			verified: {source: head, target: verified},
			...(keysWritten === undefined ? {} : {keysWritten}),
			sealed: sealedAt,
			...(cleaned ? {cleaned} : {}),
			...(left.length > 0 ? {leftovers: left} : {}),
			ms: {read: Math.round(read - started), write: Math.round(done - read), total: Math.round(done - started)},
		};
	} finally {
		await etcdTarget?.close();
	}
}

const openRef = (ref: StoreRef, opts: MigrateOptions): Promise<BatchStore> =>
	'dir' in ref ? openStore(ref.dir, {trust: opts.trust, anchor: {stateHome: opts.stateHome}}) : openEtcdAt(ref.target, opts);

/** Seals the source at the head that was copied; refused (the copy left as it is) if it moved on meanwhile. */
async function seal(from: StoreRef, source: string, target: string, copied: {head: Head; rev: number}, opts: MigrateOptions): Promise<{seq: number; at: string}> {
	const {head} = copied;
	const store = await openRef(from, opts);
	try {
		const at = new Date().toISOString();
		const {result} = await store.mutate(state => {
			// The rev too: a commit without an event (a sample) moves it and not the head.
			if (!sameHead(state.auditHead, head) || state.rev !== copied.rev) {
				throw new StoreError(
					'INVALID',
					`${source} changed after it was copied (at seq ${head.seq}, rev ${copied.rev}; now seq ${state.auditHead.seq}, rev ${state.rev}): it is not sealed, and ${target} holds it as of seq ${head.seq}; stop its engines and writers, remove that copy, and migrate again`,
					source,
				);
			}
			return {...sealed(state, target, at, head), result: head.seq + 1};
		});
		return {seq: result, at};
	} finally {
		await store.close();
	}
}

async function emptyDir(dir: string): Promise<false> {
	const occupied = await dirOccupied(dir);
	if (occupied) throw refused(`${occupied}: a migration writes only into a new or empty directory`, dir);
	return false;
}

/** True when keys a crashed migration left were removed (with --force-clean). */
async function emptyEtcd(store: EtcdStore, where: string, forceClean: boolean): Promise<boolean> {
	const {meta, keys} = await etcdOccupied(store);
	if (meta) throw refused(`${where} already holds a calyx store (${keys} keys): a migration writes only where there is none`, where);
	if (keys === 0) return false;
	if (!forceClean) {
		throw refused(`${where} holds ${keys} keys but no store (${store.keys.meta} is missing): what a migration that did not finish left; rerun with --force-clean to remove them first`, where);
	}
	if (!(await cleanEtcd(store))) throw refused(`${where} was made a store by someone else meanwhile`, where);
	return true;
}

/** The source's parts, once its chain verifies, and the head it verified to (the parts' own). */
async function readSource(from: StoreRef, where: string, opts: MigrateOptions): Promise<{parts: StoreParts; head: Head}> {
	const store = await openRef(from, opts);
	try {
		const moved = (await store.read()).moved;
		if (moved) throw refused(`${where} was already migrated to ${moved.to} at ${moved.at} (sealed at seq ${moved.seq}): migrate from there`, where);
		// Moving a store seals it: a process under a trust it is not bound to writes nothing, the seal included.
		const trust = await store.checkedTrust();
		if (trust.foreign !== undefined) throw new StoreError('TRUST_MISMATCH', `${mismatchReason(opts.trust, trust.foreign).message}; it is not migrated, nothing was written`, where);
		const refusal = trustRefusal(await store.read(), trust);
		if (refusal) throw new StoreError(refusal.code === 'TRUST_MISMATCH' ? 'TRUST_MISMATCH' : 'TRUST_MISFIT', `${refusal.message}; it is not migrated, nothing was written`, where);
		// What a crash left is repaired by the next write, the seal's: a copy made before it would lack it (samples the journal holds, for one).
		const pending = 'dir' in from ? (await store.repair({dryRun: true})).actions : [];
		if (pending.length > 0) throw refused(`${where} holds what a crash left (${pending.join('; ')}): run calyx repair on it first, then migrate again`, where);
		const report = await store.verifyAudit();
		const problem = chainProblem('source', where, report);
		if (problem) throw new StoreError('TAMPERED', `${problem}: it is not migrated; nothing was written`, where);
		const parts = 'dir' in from ? await readFileParts(store, storePaths(from.dir)) : await readEtcdParts(store as EtcdStore);
		const after = (await store.read()).auditHead;
		if (!sameHead(report.head, parts.state.auditHead) || !sameHead(after, parts.state.auditHead)) {
			throw refused(`${where} changed while it was read (at seq ${parts.state.auditHead.seq}, now ${after.seq}): stop its engines and writers, then migrate again`, where);
		}
		return {parts, head: parts.state.auditHead};
	} finally {
		await store.close();
	}
}

const openEtcdAt = (target: EtcdTarget, opts: MigrateOptions): Promise<EtcdStore> => openEtcdStore(target, {trust: opts.trust, stateHome: opts.stateHome});

async function verifiedHead(store: BatchStore, side: string, where: string, head: Head): Promise<Head> {
	const report = await store.verifyAudit();
	const problem = chainProblem(side, where, report);
	if (problem) throw new StoreError('TAMPERED', problem, where);
	if (!sameHead(report.head, head)) throw new StoreError('TAMPERED', `the ${side} ${where} ends at seq ${report.head?.seq}, not at the source's seq ${head.seq}`, where);
	return report.head!;
}
