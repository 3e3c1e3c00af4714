import {configAgainst} from '../../core/config-record.js';
import type {Etcd3} from 'etcd3';
import type {ArchiveRecord} from '../../core/archive.js';
import {systemClock, type Clock} from '../../core/clock.js';
import type {Command} from '../../core/engine/commands.js';
import {EngineError} from '../../core/errors.js';
import {StoreError} from '../errors.js';
import {ledgerDrift, trustOver} from '../../core/ledger.js';
import type {Deployment, Sample, State} from '../../core/model/index.js';
import type {Trust} from '../../core/trust.js';
import type {DeploymentSummary} from '../../core/view/summary.js';
import type {BatchResult, BatchStore, ChangeNotice, DeploymentList, Leadership, ListOptions, Mutation, RepairReport, RunResult, VerifyReport} from '../api.js';
import type {AuditFilter, Head, StoredEvent} from '../audit-log.js';
import {executeBatch, runAlone, trustRefusal, type Batch} from '../batch.js';
import {checkpointKey, checkpointLog, signCheckpoint, type Checkpoint} from '../checkpoint.js';
import {parseSample} from '../metrics-log.js';
import {privateDir} from '../private-log.js';
import {EtcdArchive} from './archive.js';
import {chunks} from './parts.js';
import {documentList} from '../deployment-read.js';
import {EtcdCommitter, type Snapshot} from './commit.js';
import {KeyLayout} from './keys.js';
import {DEFAULT_TTL_S, EtcdLeadership, followersOf, leaderOf} from './leader.js';
import {EtcdMaintenance, type MaintenanceAction} from './maintenance.js';
import {allKeys, prefixEnd} from './pages.js';
import {WriteQueue} from './queue.js';
import {ClusterProbe} from './reachability.js';
import {retain, type RetentionReport} from './retention.js';
import {SnapshotCodec} from './snapshot.js';
import {StateReader} from './state-reader.js';
import {EtcdTrail} from './trail.js';
import {targetLabel, type EtcdTarget} from './url.js';
import {watchPrefix} from './watch.js';
import {EtcdWitness} from './witness.js';

export interface EtcdStoreParts {
	client: Etcd3;
	target: EtcdTarget;
	trust: Trust;
	/** This box's own files for this store (the simulated target's world, hooks' state). */
	dir: string;
	/** This user's state directory: checkpoints of this store's trail are kept there. */
	stateHome: string;
	lockTimeoutMs: number;
	/** A client of one member's endpoint: status and defragmentation are asked of each member. */
	member: (endpoint: string) => Etcd3;
}

const staleState = (expected: number, rev: number) => new EngineError('conflict', 'STALE_STATE', `state changed (rev ${expected} → ${rev}): review and retry`);
const lines = (buf: Buffer) => buf.toString('utf8').split('\n').filter(Boolean);

/**
 * The store's contract on an etcd cluster: the same state, audit chain, samples and archive as the
 * file store, in keys (keys.ts), each commit one transaction (commit.ts); leadership by etcd's
 * election (leader.ts), changes by a watch (watch.ts). Reads never write.
 */
export class EtcdStore implements BatchStore {
	readonly dir: string;
	readonly trust: Trust;
	readonly paths: BatchStore['paths'];
	readonly where: string;
	readonly #client: Etcd3;
	readonly #keys: KeyLayout;
	readonly #codec: SnapshotCodec;
	readonly #trail: EtcdTrail;
	readonly #archive: EtcdArchive;
	readonly #writes: EtcdCommitter;
	readonly #closers = new Set<() => unknown>();
	readonly #queue: WriteQueue;
	readonly #reader: StateReader;
	readonly #home: string;
	#leadership: EtcdLeadership | undefined;
	#probe: ClusterProbe | undefined;
	/** Compaction and defragmentation of the cluster's history (maintenance.ts). */
	readonly maintenance: EtcdMaintenance;

	constructor(readonly parts: EtcdStoreParts) {
		const {client, target} = parts;
		this.#client = client;
		this.dir = parts.dir;
		this.trust = parts.trust;
		this.#home = parts.stateHome;
		this.where = targetLabel(target);
		// No files hold this store: the names say where its parts are, for messages.
		this.paths = {state: `${this.where} s/`, audit: `${this.where} a/`, metrics: `${this.where} m/`, lock: `${this.where} election/engine`};
		this.#keys = new KeyLayout(target.prefix);
		this.#codec = new SnapshotCodec(this.#keys, this.where);
		this.#trail = new EtcdTrail(client, this.#keys, this.where, new EtcdWitness(parts.stateHome, this.where, target.prefix));
		this.#archive = new EtcdArchive(client, this.#keys, this.where);
		this.maintenance = new EtcdMaintenance(client, this.#keys, this.where, parts.member);
		this.#queue = new WriteQueue(client, this.#keys, this.where);
		this.#reader = new StateReader(client, this.#keys, this.#codec, target.endpoints);
		this.#writes = new EtcdCommitter({
			client,
			keys: this.#keys,
			codec: this.#codec,
			trail: this.#trail,
			archive: this.#archive,
			where: this.where,
			queue: this.#queue,
			timeoutMs: parts.lockTimeoutMs,
			snapshot: after => this.#writeSnapshot(after),
			reader: this.#reader,
			fence: () => this.#leadership?.key(),
			fenced: () => this.#leadership?.fenced(),
		});
	}

	get keys(): KeyLayout {
		return this.#keys;
	}

	/** What a write starts from: the state and the trail after this process's verified point, at one revision. */
	async #writeSnapshot(after: number): Promise<Snapshot> {
		const {builder, base} = this.#reader.range();
		const res = await this.#client.if(this.#keys.meta, 'Create', '>', 0).then(builder, this.#trail.rangeAfter(after)).commit();
		if (!res.succeeded) return this.#reader.read();
		const [state, lines] = res.responses.map(r => r.response_range);
		return {...this.#reader.absorb(base, state?.kvs ?? [], res.header.revision), fetched: {after, kvs: lines?.kvs ?? [], more: Boolean(lines?.more)}};
	}

	async read(): Promise<State> {
		return (await this.#reader.read()).state;
	}

	run<R = unknown>(cmd: Command, opts: {clock?: Clock} = {}): Promise<RunResult<R>> {
		return runAlone<R>(this, cmd, opts);
	}

	async runMany<R = unknown>(cmds: Command[], opts: {clock?: Clock; expectedRev?: number} = {}): Promise<BatchResult<R>> {
		const clock = opts.clock ?? systemClock;
		const {result: batch, rev, events} = await this.#writes.commit<Batch<R>>((state, ledger) => {
			if (opts.expectedRev !== undefined && opts.expectedRev !== state.rev) throw staleState(opts.expectedRev, state.rev);
			const out = executeBatch<R>(state, cmds, clock, trustOver(this.trust, state, ledger));
			// Nothing to write: a batch refused at its first command without an audit event, or commands that
			// changed nothing (an engine's tick with nothing live): no revision for a state that did not change.
			if ((out.results.length === 0 || (out.state === state && out.samples.length === 0)) && out.events.length === 0) return {unchanged: true, result: out};
			return {state: out.state, events: out.events, samples: out.samples, result: out};
		}, cmds);
		return {results: batch.results, rev, events, ...(batch.failed ? {failed: batch.failed} : {})};
	}

	mutate<R = unknown>(fn: (state: State) => Mutation<R>): Promise<RunResult<R>> {
		return this.#writes.commit((state, ledger) => {
			const refusal = trustRefusal(state, trustOver(this.trust, state, ledger));
			if (refusal) throw refusal;
			return fn(state);
		});
	}

	async listDeployments(opts: ListOptions = {}): Promise<DeploymentList> {
		const list = documentList(await this.read(), opts.deployment);
		if (opts.archived === false) return list;
		const live = list.deployments;
		const liveIds = new Set(live.map(d => d.id));
		const ended = (await this.#archive.summaries()).filter(d => !liveIds.has(d.id));
		return {rev: list.rev, source: list.source, deployments: [...ended, ...live]};
	}

	async deployment(id: string): Promise<{deployment: Deployment; rev: number; archived: boolean; record?: ArchiveRecord} | undefined> {
		const state = await this.read();
		const live = state.deployments.find(d => d.id === id);
		if (live) return {deployment: live, rev: state.rev, archived: false};
		const record = await this.#archive.record(id);
		return record?.deployment.id === id ? {deployment: record.deployment, rev: state.rev, archived: true, record} : undefined;
	}

	archived(id: string): Promise<ArchiveRecord | undefined> {
		return this.#archive.record(id);
	}

	async endedTail(limit: number | 'all', match: (row: DeploymentSummary) => boolean = () => true): Promise<{rows: DeploymentSummary[]; older: boolean}> {
		return limit === 'all' ? {rows: (await this.#archive.summaries()).filter(match), older: false} : this.#archive.tail(limit, match);
	}

	recentlyEnded(limit: number): Promise<ArchiveRecord[]> {
		return this.#archive.recent(limit);
	}

	/** Through the committed head only: a commit lands whole, but a read of the trail may race one. */
	async audit(filter: AuditFilter = {}): Promise<StoredEvent[]> {
		const {auditHead} = await this.read();
		return this.#trail.events(filter, auditHead);
	}

	async samples(deploymentId: string, limit?: number): Promise<Sample[]> {
		if (limit !== undefined && limit <= 0) return [];
		const {rev} = await this.read();
		const prefix = this.#keys.samples(deploymentId);
		// Each key holds one commit's samples (at least one): `limit` keys from the end hold enough.
		const kvs =
			limit === undefined
				? await allKeys(this.#client, {start: prefix, end: prefixEnd(prefix)})
				: [...(await this.#client.getAll().prefix(prefix).sort('Key', 'Descend').limit(limit).exec()).kvs].reverse();
		const out: Sample[] = [];
		for (const kv of kvs) {
			for (const line of lines(kv.value)) {
				const parsed = parseSample(`${this.where} ${kv.key.toString()}`, Buffer.from(line), 0);
				if (parsed.deploymentId === deploymentId && parsed.rev <= rev) out.push(parsed.sample);
			}
		}
		return limit === undefined ? out : out.slice(-limit);
	}

	/** The whole chain from its first event, the head the state names, and the registries against the trail's. */
	async verifyAudit(): Promise<VerifyReport> {
		const [walked, state] = await Promise.all([this.#trail.verifyAll(), this.read().catch((error: unknown) => error as Error)]);
		const base = {count: walked.count, quarantined: [], ...(walked.firstBad ? {firstBad: walked.firstBad} : {})};
		if (state instanceof Error) return {...base, ok: false, headUnchecked: state.message};
		const head = state.auditHead;
		const reachesHead = !walked.firstBad && walked.head.seq === head.seq && (head.seq === 0 || walked.head.hash === head.hash);
		const firstBad = walked.firstBad ?? (reachesHead ? undefined : {line: walked.count + 1, reason: `the trail ends at seq ${walked.head.seq}, but the state's head is seq ${head.seq} (truncated or rewritten)`});
		const drift = ledgerDrift(walked.ledger, state);
		const registry = {keys: state.keys.length, differences: [...drift.keys].map(([keyId, problem]) => ({keyId, problem}))};
		const services = {count: state.services?.length ?? 0, differences: [...drift.services].map(([service, problem]) => ({service, problem}))};
		const config = configAgainst(walked.config, state.config);
		const witnessed = walked.witnesses ? {witnesses: walked.witnesses} : {};
		const ok = reachesHead && [registry, services, config].every(r => r.differences.length === 0) && (walked.witnesses?.contradicted.length ?? 0) === 0;
		return {...base, ok, head, registry, services, config, ...witnessed, ...(firstBad ? {firstBad} : {})};
	}

	/** The committed head, verified, signed with this user's checkpoint key and kept beside the file store's. */
	async checkpoint(opts: {clock?: Clock} = {}): Promise<Checkpoint> {
		const {head} = await this.anchored();
		const trail = {dir: this.where, dirId: this.parts.target.prefix};
		const checkpoint = signCheckpoint(trail, head, new Date((opts.clock ?? systemClock).now()).toISOString(), await checkpointKey(this.#home));
		await privateDir(this.#home, 'calyx', 'checkpoints');
		await checkpointLog(this.#home, trail).append(checkpoint);
		return checkpoint;
	}

	async anchored(): Promise<{head: Head; derived: unknown}> {
		const {auditHead} = await this.read();
		return {head: auditHead, derived: await this.#trail.verifyTo(auditHead)};
	}

	async checkedTrust(): Promise<Trust> {
		const state = await this.read();
		const ledger = await this.#trail.verifyTo(state.auditHead).catch(() => undefined);
		return trustOver(this.trust, state, ledger);
	}

	/**
	 * Writes a first state where there is none: its entities first (invisible until the meta lists
	 * them, and in as many transactions as etcd's limits need), then the meta in one transaction that
	 * succeeds only if no meta exists. False when one does (another box made it first). `extra`: keys
	 * a migration brings (the trail, samples, archive), written before the meta too.
	 */
	async create(state: State, extra: ReadonlyArray<{key: string; value: string | Buffer}> = []): Promise<boolean> {
		const k = this.#keys;
		if ((await this.#client.get(k.meta).exec()).kvs.length > 0) return false;
		const trail = await this.#client.getAll().prefix(k.audit).count();
		if (trail > 0 && extra.length === 0) {
			throw new StoreError('CORRUPT', `${this.where} holds ${trail} audit keys but no state (${k.meta}): restore the state rather than starting over; nothing was written`, this.where);
		}
		const empty: State = {...state, keys: [], intents: [], leases: [], deployments: [], ...(state.services ? {services: []} : {})};
		const writes = this.#codec.writes(empty, state);
		const puts = [...writes.puts.map(([key, value]) => ({key, value})), ...extra];
		for (const chunk of chunks(puts)) {
			await this.#client.if(k.meta, 'Create', '==', 0).then(...chunk.map(p => this.#client.put(p.key).value(p.value))).commit();
		}
		const res = await this.#client.if(k.meta, 'Create', '==', 0).then(this.#client.put(k.meta).value(writes.meta)).commit();
		return res.succeeded;
	}

	/** What the history's policy says is due now (the engine leader calls it after its cycles). */
	maintain(now: number): Promise<MaintenanceAction[]> {
		return this.maintenance.run(now);
	}

	/** A transaction leaves nothing half-done: there is never anything to repair. */
	async repair(): Promise<RepairReport> {
		return {actions: [], left: [], applied: false};
	}

	watch(listener: (what: ChangeNotice) => void): () => void {
		const stop = watchPrefix(this.#client, this.#keys, listener);
		this.#closers.add(stop);
		return () => {
			this.#closers.delete(stop);
			stop();
		};
	}

	async lead(opts: {heartbeatMs?: number; staleMs?: number} = {}): Promise<Leadership> {
		const ttl = opts.staleMs === undefined ? DEFAULT_TTL_S : Math.max(2, Math.ceil(opts.staleMs / 1000));
		const leadership = new EtcdLeadership(this.#client, this.#keys.prefix, ttl);
		this.#leadership = leadership;
		this.#closers.add(() => leadership.release());
		await leadership.stand();
		return leadership;
	}

	engineLeader(): Promise<{pid: number; host: string} | undefined> {
		return leaderOf(this.#client, this.#keys.prefix);
	}

	engineFollowers(): Promise<number> {
		return followersOf(this.#client, this.#keys.prefix);
	}

	/** Audit retention: the oldest events to a new file, then off the cluster (retention.ts). */
	retain(keep: number, file: string, actor: string): Promise<RetentionReport> {
		return retain({client: this.#client, keys: this.#keys, trail: this.#trail, where: this.where, read: () => this.read(), mutate: fn => this.mutate(fn)}, keep, file, actor);
	}

	/** A probe of the cluster while a console listens (reachability.ts). */
	reachability(): ClusterProbe {
		if (!this.#probe) {
			const probe = new ClusterProbe(this.#client, this.#keys.meta, this.parts.target.endpoints);
			this.#probe = probe;
			this.#closers.add(() => probe.close());
		}
		return this.#probe;
	}

	async close(): Promise<void> {
		const closers = [...this.#closers];
		this.#closers.clear();
		for (const close of closers) await close();
		await this.#queue.close();
		this.#client.close();
	}
}
