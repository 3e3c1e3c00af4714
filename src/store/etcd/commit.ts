import {randomUUID} from 'node:crypto';
import type {Etcd3} from 'etcd3';
import type {ArchiveRecord} from '../../core/archive.js';
import type {Command} from '../../core/engine/commands.js';
import {EngineError} from '../../core/errors.js';
import type {EventDraft} from '../../core/events.js';
import type {Ledger} from '../../core/ledger.js';
import {SCHEMA_VERSION, type Deployment, type State} from '../../core/model/index.js';
import type {Mutation, RunResult} from '../api.js';
import {archiveEvents, restoreNamed, settleArchive} from '../archive-step.js';
import {chain} from '../audit-log.js';
import type {Step} from '../commit.js';
import {StoreError} from '../errors.js';
import {sampleLines} from '../metrics-log.js';
import type {EtcdArchive, Op} from './archive.js';
import type {KeyLayout} from './keys.js';
import type {WriteQueue} from './queue.js';
import {refuseIfMoved} from '../moved.js';
import type {SnapshotCodec} from './snapshot.js';
import type {StateReader} from './state-reader.js';
import type {EtcdTrail, Fetched} from './trail.js';

/** etcd's limits per transaction (see distributed.md): a commit past them is refused whole. */
const MAX_OPS = 128;
const MAX_BYTES = 1_400_000;

/** The live state as one range read saw it, the revision of `s/meta` a commit compares, and the trail read with it. */
export interface Snapshot {
	state: State;
	metaMod: string;
	fetched?: Fetched;
}

export interface CommitDeps {
	client: Etcd3;
	keys: KeyLayout;
	codec: SnapshotCodec;
	trail: EtcdTrail;
	archive: EtcdArchive;
	where: string;
	/** Where a writer that lost a conflict waits its turn. */
	queue: WriteQueue;
	/** How long a write keeps retrying conflicts with other writers before LOCK_TIMEOUT. */
	timeoutMs: number;
	/** The state and the trail after `after` (this process's verified point), read at one revision. */
	snapshot(after: number): Promise<Snapshot>;
	/** Reads of `s/` that fetch only what changed since this process last read it. */
	reader: StateReader;
	/** The election key this process leads by, while it leads: its writes are refused once it is gone. */
	fence(): string | undefined;
	/** Told when a write found this process's election key gone (another engine leads now). */
	fenced(): void;
}

type Prepared = {ops: Op[]; rev: number; events: RunResult<unknown>['events']; bytes?: Buffer; from: State['auditHead']; to: State['auditHead']};

/**
 * The etcd store's write path. A commit is one transaction that compares the revision of `s/meta`
 * with the one this write read (and, while this process leads, that its election key still exists)
 * and puts the changed entities, the meta, the commit's audit lines, samples and archive records, and
 * its commit id. A conflict re-reads and runs the step again, as a writer waiting for the file
 * store's lock would; a reply lost after the commit took effect is told from a conflict by the id.
 */
export class EtcdCommitter {
	constructor(readonly d: CommitDeps) {}

	async commit<R>(step: (state: State, ledger: Ledger) => Step<R>, cmds: readonly Command[] = []): Promise<RunResult<R>> {
		const deadline = Date.now() + this.d.timeoutMs;
		// Taken once: a write begun while this process led stays fenced by that lead, even if it is lost meanwhile.
		const fence = this.d.fence();
		let leave: (() => Promise<void>) | undefined;
		try {
			return await this.#attempts(step, cmds, {deadline, fence}, async () => {
				// Lost a conflict: from now on this write takes its turn behind those queued before it.
				if (leave) return false;
				leave = await this.d.queue.join(deadline);
				return true;
			});
		} finally {
			await leave?.();
		}
	}

	async #attempts<R>(step: (state: State, ledger: Ledger) => Step<R>, cmds: readonly Command[], {deadline, fence}: {deadline: number; fence: string | undefined}, lost: () => Promise<boolean>): Promise<RunResult<R>> {
		let snap = await this.d.snapshot(this.d.trail.verifiedSeq);
		for (let attempt = 1; ; attempt++) {
			const ledger = await this.d.trail.verifyTo(snap.state.auditHead, snap.fetched);
			const {state} = snap;
			refuseIfMoved(state);
			const named = cmds.length > 0 ? await restoreNamed(this.d.archive, state, cmds) : {state, restored: new Set<Deployment>()};
			let m: Step<R>;
			let refusal: EngineError | undefined;
			try {
				m = step(named.state, ledger);
			} catch (error) {
				if (!(error instanceof EngineError && error.audit)) throw error;
				refusal = error;
				m = {state, events: [error.audit], result: undefined as R};
			}
			if ('unchanged' in m) return {result: m.result, rev: state.rev, events: []};
			const settled = refusal ? {state, records: []} : settleArchive(m.state, named.restored);
			const prepared = await this.#prepare(state, settled.state, m.events, m.samples ?? [], settled.records);
			const applied = await this.#apply(snap, prepared, fence);
			if (applied === true) {
				if (prepared.bytes) this.d.trail.advance(prepared.from, prepared.bytes, prepared.to);
				if (refusal) throw refusal;
				return {result: m.result, rev: prepared.rev, events: prepared.events};
			}
			if (Date.now() > deadline) {
				throw new StoreError('LOCK_TIMEOUT', `${this.d.where}: other writers kept changing the state for ${this.d.timeoutMs} ms (${attempt} attempts); nothing was written`, this.d.where);
			}
			// After waiting its turn, what the conflict's reply showed is old: read again.
			snap = (await lost()) ? await this.d.snapshot(this.d.trail.verifiedSeq) : applied;
		}
	}

	async #prepare(prev: State, next: State, given: EventDraft[], samples: NonNullable<Mutation<unknown>['samples']>, records: readonly ArchiveRecord[]): Promise<Prepared> {
		const rev = prev.rev + 1;
		const archived = records.length > 0 ? await this.d.archive.stage(records, rev) : undefined;
		const at = given.at(-1)?.at ?? new Date().toISOString();
		const drafts = archived ? [...given, ...archiveEvents(records, archived.staged, at, false)] : given;
		const chained = drafts.length > 0 ? chain(drafts, rev, prev.auditHead) : undefined;
		const doc: State = {...next, schemaVersion: SCHEMA_VERSION, rev, auditHead: chained?.head ?? prev.auditHead};
		const writes = this.d.codec.writes(prev, doc);
		const ops: Op[] = [{key: this.d.keys.meta, value: writes.meta}, ...writes.puts.map(([key, value]) => ({key, value})), ...writes.deletes.map(key => ({key}))];
		if (chained) ops.push({key: this.d.keys.auditAt(prev.auditHead.seq + 1), value: chained.bytes});
		const byDeployment = new Map<string, typeof samples>();
		for (const s of samples) byDeployment.set(s.deploymentId, [...(byDeployment.get(s.deploymentId) ?? []), s]);
		for (const [id, list] of byDeployment) ops.push({key: this.d.keys.samplesAt(id, rev), value: sampleLines(list, rev)});
		if (archived) ops.push(...archived.ops);
		const bytes = ops.reduce((n, op) => n + op.key.length + (op.value?.length ?? 0), 0);
		if (ops.length + 1 > MAX_OPS || bytes > MAX_BYTES) {
			throw new StoreError('INVALID', `${this.d.where}: this commit needs ${ops.length + 1} operations and ${bytes} bytes, beyond etcd's ${MAX_OPS} and ${MAX_BYTES} per transaction; nothing was written (split it: fewer commands per batch)`);
		}
		return {ops, rev, events: chained?.events ?? [], ...(chained ? {bytes: chained.bytes} : {}), from: prev.auditHead, to: doc.auditHead};
	}

	/**
	 * True once the transaction took effect (also when its reply was lost); on a conflict, the state
	 * and trail as they are now, read by the same transaction's other branch.
	 */
	async #apply(snap: Snapshot, p: Prepared, fence: string | undefined): Promise<true | Snapshot> {
		const {client, keys, trail} = this.d;
		const id = randomUUID();
		let txn = client.if(keys.meta, 'Mod', '==', snap.metaMod);
		if (fence) txn = txn.and(fence, 'Create', '>', 0);
		const puts = p.ops.map(op => (op.value === undefined ? client.delete().key(op.key) : client.put(op.key).value(op.value)));
		const after = trail.verifiedSeq;
		const read = this.d.reader.range();
		const res = await txn
			.then(...puts, client.put(keys.commit(p.rev)).value(id))
			.else(read.builder, trail.rangeAfter(after), client.get(keys.commit(p.rev)), ...(fence ? [client.get(fence)] : []))
			.commit()
			.catch((error: unknown) => {
				throw new StoreError('IO', `${this.d.where}: the commit of revision ${p.rev} failed (${error instanceof Error ? error.message : String(error)}); it may or may not have taken effect: read the state again`, this.d.where);
			});
		if (res.succeeded) return true;
		const [state, lines, commit, fenceKv] = res.responses.map(r => r.response_range);
		// The client retries a call whose reply was lost: the retry then fails the compare. Ours or not?
		if (commit?.kvs[0]?.value.toString() === id) return true;
		if (fence && fenceKv?.kvs.length === 0) {
			this.d.fenced();
			throw new StoreError('LOCK_LOST', `${this.d.where}: this engine no longer leads (its election lease expired; another engine may drive the canaries now): the write was refused`, this.d.where);
		}
		return {...this.d.reader.absorb(read.base, state?.kvs ?? [], res.header.revision), fetched: {after, kvs: lines?.kvs ?? [], more: Boolean(lines?.more)}};
	}
}
