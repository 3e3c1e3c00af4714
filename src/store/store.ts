import {Low} from 'lowdb';
import type {Clock} from '../core/clock.js';
import {systemClock} from '../core/clock.js';
import {initialState} from '../core/engine/execute.js';
import type {Command} from '../core/engine/commands.js';
import {EngineError} from '../core/errors.js';
import type {EventDraft} from '../core/events.js';
import {SCHEMA_VERSION, type State} from '../core/model/index.js';
import {deploymentSummary} from '../core/view/summary.js';
import type {BatchResult, BatchStore, ChangeNotice, DeploymentList, Leadership, Mutation, RepairReport, RunResult, VerifyReport} from './api.js';
import {Anchor, type AnchorOptions} from './anchor.js';
import {withArchived} from './archive-index.js';
import {ArchiveReader, stageArchive} from './archive-log.js';
import {archiveEvents, restoreNamed, settleArchive} from './archive-step.js';
import {rebuildIndex} from './archive-reindex.js';
import {repairPlan} from './repair-plan.js';
import {SampleFollower} from './sample-follower.js';
import {trailAgreement} from './trail-agreement.js';
import type {ArchiveRecord} from '../core/archive.js';
import type {Deployment} from '../core/model/index.js';
import {chain, readEvents, type AuditFilter, type Head, type StoredEvent} from './audit-log.js';
import type {Checkpoint} from './checkpoint.js';
import {markCommit} from './commit-marker.js';
import {executeBatch, type Batch} from './batch.js';
import {DocumentFile} from './document.js';
import {afterCommit, debrisEvents, findDebris, hasWork, settleRotation, type Debris} from './debris.js';
import type {FileId} from './file-id.js';
import {LastCommit, logSizes, type LogSize} from './last-commit.js';
import {appendDurable} from './durable.js';
import {StoreError} from './errors.js';
import {engineFollowers, engineLeader, lead, type LeadOptions} from './leader.js';
import {ListIndex} from './list-index.js';
import {readListIndex} from './list-read.js';
import {DEFAULT_LOCK_TIMEOUT_MS, withWriteLock, type HeldLock} from './lock.js';
import {readSamples, sampleLines} from './metrics-log.js';
import type {StorePaths} from './paths.js';
import {logsAgree, reconcile, recoveryPlan} from './reconcile.js';
import {checkDataDir} from './safe-fs.js';
import {revLogs} from './paths.js';
import {loadTrust} from './trust.js';
import {registryAgainstTrail} from './registry-read.js';
import type {Trust} from '../core/trust.js';
import {watchDir} from './watch.js';

export interface StoreOptions {
	/** How long a write waits for another process's lock before LOCK_TIMEOUT (default 15 s). */
	lockTimeoutMs?: number;
	/** The trust to verify keys against; default: the trust file this process's environment names (store/trust.ts). */
	trust?: Trust;
	/** This user's witnesses and checkpoints of the audit trail (see anchor.ts). */
	anchor?: AnchorOptions;
}

const storeEvent = (kind: string, reason: string, data: Record<string, unknown>): EventDraft => ({
	at: new Date().toISOString(),
	actor: 'store',
	kind,
	subject: 'state',
	reason,
	data,
});

/** A step that found nothing to write (a batch whose first command was refused without an audit event). */
type Step<R> = Mutation<R> | {unchanged: true; result: R};

const staleState = (expected: number, rev: number) =>
	new EngineError('conflict', 'STALE_STATE', `state changed (rev ${expected} → ${rev}): review and retry`);


export class FileStore implements BatchStore {
	readonly dir: string;
	readonly trust: Trust;
	readonly #doc: DocumentFile;
	readonly #index: ListIndex;
	readonly #db: Low<State>;
	readonly #lockTimeoutMs: number;
	readonly #closers = new Set<() => unknown>();
	readonly #anchor: Anchor;
	readonly #archive: ArchiveReader;
	readonly #samples: SampleFollower;
	readonly #last = new LastCommit();
	readonly #logs: readonly string[];

	constructor(
		readonly paths: StorePaths,
		opts: StoreOptions = {},
	) {
		this.dir = paths.dir;
		this.#doc = new DocumentFile(paths);
		this.#index = new ListIndex(paths);
		// lowdb holds the document; our adapter does the reading, validating and durable writing.
		this.#db = new Low<State>(this.#doc, initialState());
		this.#lockTimeoutMs = opts.lockTimeoutMs ?? DEFAULT_LOCK_TIMEOUT_MS;
		this.trust = opts.trust ?? loadTrust();
		this.#anchor = new Anchor(paths, opts.anchor);
		this.#archive = new ArchiveReader(paths);
		this.#samples = new SampleFollower(paths.metrics);
		this.#logs = [paths.audit, ...revLogs(paths)];
	}

	/**
	 * Opening writes nothing: what a crash left (a torn log tail, a crashed mutation's lines, a
	 * dead writer's temp file) is repaired by the next write, under its lock, or by `repair()`.
	 * Until then readers see only what committed (see `audit` and `samples`).
	 */
	async open(): Promise<this> {
		const {state, backups, pendingBackup, index, audit, commit} = this.paths;
		await checkDataDir(this.paths.dir, [state, pendingBackup, ...backups, index, audit, ...revLogs(this.paths), commit]);
		await this.#doc.header();
		return this;
	}

	/** What a crash left, repaired now under the lock with an audit event; with `dryRun`, only said. */
	async repair(opts: {dryRun?: boolean} = {}): Promise<RepairReport> {
		const planned = async () => repairPlan(this.paths, await this.#current());
		if (opts.dryRun) {
			const {index: _index, ...plan} = await planned();
			return {...plan, applied: false};
		}
		return this.#locked(async lock => {
			this.#last.forget();
			const {index, ...plan} = await planned();
			const state = await this.#current();
			await this.#anchor.verify(state);
			const recovered = await this.#recover(state, lock, {setAside: true});
			// The index is derived from the archive's records (vouched for by the trail): rebuilt, then said.
			if (index.rebuild) await this.#save(lock, recovered, recovered, [await rebuildIndex(this.paths, recovered.rev, index.rebuild)], []);
			return {...plan, applied: plan.actions.length > 0};
		});
	}

	async read(): Promise<State> {
		return this.#current();
	}

	async #current(): Promise<State> {
		await this.#db.read();
		return this.#db.data;
	}

	/** A batch of one; the refusal, already committed if it carries an audit event, is rethrown. */
	async run<R = unknown>(cmd: Command, opts: {clock?: Clock} = {}): Promise<RunResult<R>> {
		// expectedRev is checked by the engine against the state read inside the lock.
		const out = await this.runMany<R>([cmd], opts);
		if (out.failed) throw out.failed.error;
		return {result: out.results[0]!, rev: out.rev, events: out.events};
	}

	async runMany<R = unknown>(cmds: Command[], opts: {clock?: Clock; expectedRev?: number} = {}): Promise<BatchResult<R>> {
		const clock = opts.clock ?? systemClock;
		const {result: batch, rev, events} = await this.#commit<Batch<R>>(state => {
			if (opts.expectedRev !== undefined && opts.expectedRev !== state.rev) throw staleState(opts.expectedRev, state.rev);
			const out = executeBatch<R>(state, cmds, clock, this.trust);
			if (out.results.length === 0 && out.events.length === 0) return {unchanged: true, result: out};
			return {state: out.state, events: out.events, samples: out.samples, result: out};
		}, cmds);
		return {results: batch.results, rev, events, ...(batch.failed ? {failed: batch.failed} : {})};
	}

	mutate<R = unknown>(fn: (state: State) => Mutation<R>): Promise<RunResult<R>> {
		return this.#commit(fn);
	}

	/** Under the write lock; what it committed is witnessed once the lock is released. */
	#locked<T>(fn: (lock: HeldLock) => Promise<T>): Promise<T> {
		return withWriteLock(this.paths, this.#lockTimeoutMs, fn).finally(() => this.#anchor.settle());
	}

	/** `cmds`: the commands the step runs, so that an archived deployment one names is brought back first (archive-step.ts). */
	#commit<R>(step: (state: State) => Step<R>, cmds: readonly Command[] = []): Promise<RunResult<R>> {
		return this.#locked(async lock => {
			const found = await this.#check();
			const {current} = found;
			const state = await this.#recover(current, lock, {found});
			const from = this.#doc.migratedFrom;
			const migrated = from === undefined ? [] : [storeEvent('store.migrated', `schema version ${from} → ${SCHEMA_VERSION}`, {from, to: SCHEMA_VERSION})];
			const named = cmds.length > 0 ? await restoreNamed(this.#archive, state, cmds) : {state, restored: new Set<Deployment>()};
			let m: Step<R>;
			try {
				m = step(named.state);
			} catch (error) {
				// A refusal worth recording (a mutate() caller's) is audited, then rethrown; a batch returns its own.
				if (error instanceof EngineError && error.audit) await this.#save(lock, state, state, [...migrated, error.audit], []);
				throw error;
			}
			if ('unchanged' in m) return {result: m.result, rev: state.rev, events: []};
			const settled = settleArchive(m.state, named.restored);
			// Logs as checked, when nothing was repaired since: the commit's appends are then all that changes them.
			const sizes = state === current ? found.logs : undefined;
			const {written, ...saved} = await this.#save(lock, state, settled.state, [...migrated, ...m.events], m.samples ?? [], settled.records, sizes);
			if (sizes && settled.records.length === 0) this.#last.left(written.doc, sizes, written.appended);
			return {result: m.result, ...saved};
		});
	}

	/**
	 * What a write reads before it changes anything, at once: the document, verified from this
	 * user's last point (nothing extends a chain that does not verify), what crashed writers left,
	 * and whether the logs agree with the document (see last-commit.ts for when one lstat a log shows it).
	 */
	async #check() {
		const probing = Promise.all([findDebris(this.paths), logSizes(this.#logs)]);
		const reading = this.#current().then(async current => {
			await this.#anchor.verify(current);
			return current;
		});
		const [current, [debris, logs]] = await Promise.all([reading, probing]);
		const agree = this.#last.unchanged(this.#doc.loadedId, logs) || (await logsAgree(this.paths, current));
		return {current, debris, agree, logs};
	}

	/**
	 * Repairs what a crash left (the logs: reconcile.ts; files: debris.ts) as a commit of its own,
	 * before anything else; every file it moves or removes is named by that commit's audit events.
	 */
	async #recover(state: State, lock: HeldLock, opts: {setAside?: boolean; found?: {debris: Debris; agree: boolean}} = {}): Promise<State> {
		const debris = opts.found?.debris ?? (await findDebris(this.paths));
		const agree = opts.found?.agree ?? (await logsAgree(this.paths, state));
		if (agree && !hasWork(debris)) return state;
		await settleRotation(this.paths, debris);
		const recovery = agree ? {events: [], auditHead: state.auditHead} : await reconcile(this.paths, state, opts);
		const events = [...recovery.events, ...debrisEvents(this.paths, debris)];
		if (events.length === 0) return state;
		const base: State = {...state, rev: Math.max(state.rev, recovery.orphanRev ?? 0), auditHead: recovery.auditHead};
		await this.#save(lock, base, base, events, []);
		await afterCommit(this.paths, debris, events);
		return this.#db.data;
	}

	/**
	 * The commit: validate and serialise the next state (nothing is written if it is invalid); then,
	 * at once, append the audit events (fsync), append the samples (fsync) and write the new document
	 * to a temp file (fsync); only when all three are durable, rename it over state.json (the commit
	 * point) and fsync the directory. So the document whose audit head is the last event appended
	 * never becomes current before that event is on disk.
	 */
	async #save(lock: HeldLock, prev: State, next: State, given: EventDraft[], samples: NonNullable<Mutation<unknown>['samples']>, records: readonly ArchiveRecord[] = [], sizes?: ReadonlyMap<string, LogSize>) {
		const rev = prev.rev + 1;
		// Placed before the events are chained: each archiving event names its record's digest.
		const archived = records.length > 0 ? await stageArchive(this.paths, records, rev) : undefined;
		const at = given.at(-1)?.at ?? new Date().toISOString();
		// A document from before the archive has its ended deployments moved in the write that saves it in this version.
		const migrating = this.#doc.migratedFrom !== undefined;
		const drafts = archived ? [...given, ...archiveEvents(records, archived, at, migrating)] : given;
		const chained = drafts.length > 0 ? chain(drafts, rev, prev.auditHead) : undefined;
		const sampleBytes = samples.length > 0 ? sampleLines(samples, rev) : undefined;
		const doc: State = {...next, schemaVersion: SCHEMA_VERSION, rev, auditHead: chained?.head ?? prev.auditHead};
		this.#doc.prepare(doc);
		await lock.assertHeld('appending to the audit trail');
		const staged = this.#doc.stage(doc);
		// Said before it is done, so that recovery can tell this commit's lines from lines slipped in:
		// the log is opened meanwhile, and written once the marker is durable.
		const marked = chained && markCommit(this.paths.commit, {rev, from: prev.auditHead, to: chained.head, hashes: chained.events.map(e => e.hash)});
		const writes = await Promise.allSettled([
			staged,
			// The list index names the document file it describes: it finishes once that file exists.
			this.#index.stage(doc, staged),
			marked,
			chained && appendDurable(this.paths.audit, chained.bytes, marked),
			sampleBytes && appendDurable(this.paths.metrics, sampleBytes),
			archived?.write(),
		]);
		const abandon = () => Promise.all([this.#doc.abandon(), this.#index.abandon()]);
		const failed = writes.find(w => w.status === 'rejected');
		if (failed) {
			await abandon();
			throw failed.reason;
		}
		try {
			await lock.assertHeld('writing the state');
		} catch (error) {
			await abandon();
			throw error;
		}
		this.#db.data = doc;
		await Promise.all([this.#index.commit(), this.#db.write()]);
		const appended = new Map([[this.paths.audit, chained?.bytes.length ?? 0], [this.paths.metrics, sampleBytes?.length ?? 0]]);
		if (chained) {
			// The log ended at the previous head when checked (sizes are given only then): the new head's line ends where the append did.
			const before = sizes?.get(this.paths.audit)?.size;
			await this.#anchor.committed(prev.auditHead, chained.events, chained.head, before === undefined ? undefined : Number(before) + chained.bytes.length);
		}
		const docId = (writes[0] as PromiseFulfilledResult<FileId>).value;
		return {rev, events: chained?.events ?? ([] as StoredEvent[]), written: {doc: docId, appended}};
	}

	async listDeployments(opts: {archived?: boolean} = {}): Promise<DeploymentList> {
		const indexed = await readListIndex(this.paths);
		const list = indexed ? {...indexed, source: 'index' as const} : await this.#current().then(s => ({rev: s.rev, deployments: s.deployments.map(d => deploymentSummary(d)), source: 'document' as const}));
		if (opts.archived === false) return list;
		return {...list, deployments: withArchived(list.deployments, await this.#archive.index.entries(list.rev))};
	}

	/** A deployment by id, live or archived; with the revision it was read at. */
	async deployment(id: string): Promise<{deployment: Deployment; rev: number; archived: boolean; record?: ArchiveRecord} | undefined> {
		const state = await this.#current();
		const live = state.deployments.find(d => d.id === id);
		if (live) return {deployment: live, rev: state.rev, archived: false};
		const record = await this.#archive.record(id, state.rev);
		if (record?.deployment.id === id) return {deployment: record.deployment, rev: state.rev, archived: true, record};
		await this.#archive.assertIndexed();
		return undefined;
	}

	/** What the archive holds of a deployment, or of the deployment an intent or lease was archived with. */
	async archived(id: string): Promise<ArchiveRecord | undefined> {
		return this.#archive.record(id, await this.#committedRev());
	}

	/** The deployments archived last (with their intents and leases), newest first, as the console lists them below the live ones. */
	async recentlyEnded(limit: number): Promise<ArchiveRecord[]> {
		return this.#archive.recent(limit, await this.#committedRev());
	}

	/** Committed revision and audit head: what readers may see of the logs, whatever a crashed writer appended past it. */
	async #committed(): Promise<{rev: number; auditHead: Head}> {
		return (await this.#doc.header()) ?? (await this.#current());
	}

	async #committedRev(): Promise<number> {
		return (await this.#committed()).rev;
	}

	/** Reading the trail witnesses the head it saw (this user's, outside the data directory). */
	async audit(filter?: AuditFilter): Promise<StoredEvent[]> {
		const {rev, auditHead} = await this.#committed();
		const events = await readEvents(this.paths.audit, {...filter, throughRev: rev});
		await this.#anchor.saw(auditHead);
		return events;
	}

	/** With a limit, followed: asked again, only the lines appended since are read (sample-follower.ts). */
	async samples(deploymentId: string, limit?: number) {
		const rev = await this.#committedRev();
		return limit === undefined ? readSamples(this.paths.metrics, deploymentId, limit, rev) : this.#samples.recent(deploymentId, limit, rev);
	}

	/**
	 * The whole chain, then the head recorded in the document (which catches a truncated tail), then
	 * every witness and checkpoint of this user's, and those in `witnesses` (files), against it.
	 */
	async verifyAudit(opts: {witnesses?: readonly string[]} = {}): Promise<VerifyReport> {
		let why = '';
		const unreadable = (error: unknown) => {
			why ||= error instanceof Error ? error.message : String(error);
			return undefined;
		};
		let head = await this.#doc.header().catch(unreadable);
		if (!head) head = await this.#current().catch(unreadable);
		const report = await this.#anchor.verifyAll(head?.auditHead, opts.witnesses);
		if (head) {
			const derived = await this.#current()
				.then(state => trailAgreement(this.paths, this.trust, state, head))
				.catch(unreadable);
			if (!derived) return {...report, head: head.auditHead};
			const {agrees, ...agreement} = derived;
			return {...report, ok: report.ok && agrees, head: head.auditHead, ...agreement};
		}
		// A chain alone cannot show a truncated or rewritten tail: without the head, not "intact".
		return {...report, ok: false, headUnchecked: why || `${this.paths.state} holds no audit head`};
	}

	/** The committed head, verified from this user's last verified point, signed and kept (see checkpoint.ts). */
	async checkpoint(opts: {clock?: Clock} = {}): Promise<Checkpoint> {
		return this.#anchor.checkpoint(await this.#committed(), new Date((opts.clock ?? systemClock).now()).toISOString());
	}

	/** The committed head verified (incrementally), and what the store's fold made of the chain up to it. */
	async anchored(): Promise<{head: Head; derived: unknown}> {
		return this.#anchor.anchored(await this.#committed());
	}

	watch(listener: (what: ChangeNotice) => void): () => void {
		const stop = watchDir(this.paths, listener);
		this.#closers.add(stop);
		return () => {
			this.#closers.delete(stop);
			stop();
		};
	}

	engineLeader(): Promise<{pid: number; host: string} | undefined> {
		return engineLeader(this.paths);
	}

	engineFollowers(): Promise<number> {
		return engineFollowers(this.paths);
	}

	async lead(opts?: LeadOptions): Promise<Leadership> {
		const leadership = await lead(this.paths, opts);
		this.#closers.add(() => leadership.release());
		return leadership;
	}

	async close(): Promise<void> {
		const closers = [...this.#closers];
		this.#closers.clear();
		for (const close of closers) await close();
	}
}
