import {Low} from 'lowdb';
import type {ArchiveRecord} from '../core/archive.js';
import type {Clock} from '../core/clock.js';
import {systemClock} from '../core/clock.js';
import type {Command} from '../core/engine/commands.js';
import {initialState} from '../core/engine/execute.js';
import {EngineError} from '../core/errors.js';
import {ledgerFrom, trustOver} from '../core/ledger.js';
import type {Deployment, State} from '../core/model/index.js';
import type {Trust} from '../core/trust.js';
import {Anchor, type AnchorOptions} from './anchor.js';
import type {BatchResult, BatchStore, ChangeNotice, DeploymentList, Leadership, ListOptions, Mutation, RepairReport, RunResult, VerifyReport} from './api.js';
import {withArchived} from './archive-index.js';
import {ArchiveReader} from './archive-log.js';
import {rebuildIndex} from './archive-reindex.js';
import {readEvents, type AuditFilter, type Head, type StoredEvent} from './audit-log.js';
import {executeBatch, runAlone, trustRefusal, type Batch} from './batch.js';
import type {Checkpoint} from './checkpoint.js';
import {Committer, type CommitPhase} from './commit.js';
import {DocumentFile} from './document.js';
import {engineFollowers, engineLeader, lead, type LeadOptions} from './leader.js';
import {ledgerFold} from './ledger-fold.js';
import {LiveList} from './list-deployments.js';
import {DEFAULT_LOCK_TIMEOUT_MS} from './lock.js';
import {readSamples} from './metrics-log.js';
import {revLogs, type StorePaths} from './paths.js';
import {repairPlan} from './repair-plan.js';
import {checkDataDir} from './safe-fs.js';
import {SampleFollower} from './sample-follower.js';
import {trailAgreement} from './trail-agreement.js';
import {loadTrust} from './trust.js';
import {watchDir} from './watch.js';

export interface StoreOptions {
	/** How long a write waits for another process's lock before LOCK_TIMEOUT (default 15 s). */
	lockTimeoutMs?: number;
	/** The trust to verify keys against; default: the trust file this process's environment names (store/trust.ts). */
	trust?: Trust;
	/** This user's witnesses and checkpoints of the audit trail (see anchor.ts). */
	anchor?: AnchorOptions;
	/** Told where each commit has got to (bench:store times the phases with it). */
	trace?: (phase: CommitPhase) => void;
}

const staleState = (expected: number, rev: number) =>
	new EngineError('conflict', 'STALE_STATE', `state changed (rev ${expected} → ${rev}): review and retry`);

/** How many times a lock-free read of the trust tries to anchor the document it read. */
const CHECKED_TRUST_READS = 3;

export class FileStore implements BatchStore {
	readonly dir: string;
	readonly trust: Trust;
	readonly #doc: DocumentFile;
	readonly #closers = new Set<() => unknown>();
	readonly #anchor: Anchor;
	readonly #archive: ArchiveReader;
	readonly #live: LiveList;
	readonly #samples: SampleFollower;
	readonly #writes: Committer;

	constructor(
		readonly paths: StorePaths,
		opts: StoreOptions = {},
	) {
		this.dir = paths.dir;
		this.#doc = new DocumentFile(paths);
		this.trust = opts.trust ?? loadTrust();
		// The registries the trail made, folded as the chain is verified: what signs and what starts (see #trustOver).
		this.#anchor = new Anchor(paths, {...opts.anchor, fold: ledgerFold});
		this.#archive = new ArchiveReader(paths);
		this.#samples = new SampleFollower(paths.metrics);
		this.#writes = new Committer(paths, {
			doc: this.#doc,
			// lowdb holds the document; our adapter does the reading, validating and durable writing.
			db: new Low<State>(this.#doc, initialState()),
			anchor: this.#anchor,
			archive: this.#archive,
			lockTimeoutMs: opts.lockTimeoutMs ?? DEFAULT_LOCK_TIMEOUT_MS,
			...(opts.trace ? {trace: opts.trace} : {}),
		});
		this.#live = new LiveList(paths, this.#writes.journal, () => this.#current());
	}

	/**
	 * Opening writes nothing: what a crash left (a torn log tail, a crashed mutation's lines, a
	 * dead writer's temp file) is repaired by the next write, under its lock, or by `repair()`.
	 * Until then readers see only what committed (see `audit` and `samples`).
	 */
	async open(): Promise<this> {
		const {state, backups, pendingBackup, index, audit, commit} = this.paths;
		await checkDataDir(this.paths.dir, [state, pendingBackup, ...backups, index, audit, ...revLogs(this.paths), this.paths.journal, commit]);
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
		return this.#writes.locked(async lock => {
			this.#writes.forget();
			const {index, ...plan} = await planned();
			const state = await this.#current();
			await this.#anchor.verify(state);
			const recovered = await this.#writes.recover(state, lock, {setAside: true});
			// The index is derived from the archive's records (vouched for by the trail): rebuilt, then said.
			if (index.rebuild) await this.#writes.save(lock, recovered, recovered, [await rebuildIndex(this.paths, recovered.rev, index.rebuild)], []);
			return {...plan, applied: plan.actions.length > 0};
		});
	}

	async read(): Promise<State> {
		return this.#current();
	}

	#current(): Promise<State> {
		return this.#writes.current();
	}

	/** A batch of one; the refusal, already committed if it carries an audit event, is rethrown. */
	run<R = unknown>(cmd: Command, opts: {clock?: Clock} = {}): Promise<RunResult<R>> {
		// expectedRev is checked by the engine against the state read inside the lock.
		return runAlone<R>(this, cmd, opts);
	}

	async runMany<R = unknown>(cmds: Command[], opts: {clock?: Clock; expectedRev?: number} = {}): Promise<BatchResult<R>> {
		const clock = opts.clock ?? systemClock;
		const {result: batch, rev, events} = await this.#writes.commit<Batch<R>>(state => {
			if (opts.expectedRev !== undefined && opts.expectedRev !== state.rev) throw staleState(opts.expectedRev, state.rev);
			const out = executeBatch<R>(state, cmds, clock, this.#trustOver(state));
			// Nothing to write: a batch refused at its first command without an audit event, or commands that
			// changed nothing (an engine's tick with nothing live): no revision for a state that did not change.
			if ((out.results.length === 0 || (out.state === state && out.samples.length === 0)) && out.events.length === 0) return {unchanged: true, result: out};
			return {state: out.state, events: out.events, samples: out.samples, result: out};
		}, cmds);
		return {results: batch.results, rev, events, ...(batch.failed ? {failed: batch.failed} : {})};
	}

	mutate<R = unknown>(fn: (state: State) => Mutation<R>): Promise<RunResult<R>> {
		return this.#writes.commit(state => {
			const refusal = trustRefusal(state, this.#trustOver(state));
			if (refusal) throw refusal;
			return fn(state);
		});
	}

	async listDeployments(opts: ListOptions = {}): Promise<DeploymentList> {
		const list = await this.#live.read(opts);
		if (opts.archived === false) return list;
		return {rev: list.rev, source: list.source, deployments: withArchived(list.deployments, await this.#archive.index.entries(list.rev))};
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
		return (await this.#writes.committed()) ?? (await this.#current());
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

	/**
	 * The trust to decide with over `state`, which the write lock holds verified to its head: keys
	 * and services whose records differ from what the trail registered are disowned (core/ledger.ts).
	 */
	#trustOver(state: State): Trust {
		return trustOver(this.trust, state, ledgerFrom(this.#anchor.derivedAt(state.auditHead)));
	}

	async checkedTrust(): Promise<Trust> {
		// A read takes no lock: a writer may commit, and witness a newer head, between reading the
		// document and anchoring it. Read again then; only a head that never anchors disowns all.
		for (let attempt = 1; ; attempt++) {
			const state = await this.#current();
			const anchored = await this.#anchor.anchored(state).catch(() => undefined);
			if (anchored || attempt === CHECKED_TRUST_READS) return trustOver(this.trust, state, ledgerFrom(anchored?.derived));
		}
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
