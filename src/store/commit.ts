import type {Low} from 'lowdb';
import type {ArchiveRecord} from '../core/archive.js';
import type {Command} from '../core/engine/commands.js';
import {EngineError} from '../core/errors.js';
import type {EventDraft} from '../core/events.js';
import {SCHEMA_VERSION, type Deployment, type State} from '../core/model/index.js';
import type {Anchor} from './anchor.js';
import type {Mutation, RunResult} from './api.js';
import {stageArchive, type ArchiveReader} from './archive-log.js';
import {archiveEvents, restoreNamed, settleArchive} from './archive-step.js';
import {chain, type Head, type StoredEvent} from './audit-log.js';
import {markCommit} from './commit-marker.js';
import {afterCommit, debrisEvents, findDebris, hasWork, settleRotation, type Debris} from './debris.js';
import type {DocumentFile} from './document.js';
import {appendDurable, syncFile} from './durable.js';
import type {FileId} from './file-id.js';
import {LastCommit, logSizes, type LogSize} from './last-commit.js';
import {withWriteLock, type HeldLock} from './lock.js';
import {Journal, type JournalView} from './journal.js';
import {journalCommit} from './journal-commit.js';
import {cutSamples, journalEvents} from './journal-gap.js';
import {journalChanges} from './journal-step.js';
import {sampleLines} from './metrics-log.js';
import {revLogs, type StorePaths} from './paths.js';
import {refuseIfMoved} from './moved.js';
import {storeEvent} from './store-event.js';
import {logsAgree, reconcile} from './reconcile.js';

/** Where a commit has got to, for a caller timing it (bench:store prints each phase's share). */
export type CommitPhase = 'locked' | 'checked' | 'stepped' | 'prepared' | 'written' | 'committed' | 'sampled' | 'journaled';

/** A step that found nothing to write (a batch whose first command was refused without an audit event). */
export type Step<R> = Mutation<R> | {unchanged: true; result: R};

/**
 * A store's write path: the write lock, what a write checks before it changes anything, the repair
 * of what a crash left, and the commit itself: a journal record when the step only moved live
 * deployments along (journal-commit.ts), else the document rewritten (`save`), which takes in the
 * journal's records. The store's reads go around it.
 */
export class Committer {
	readonly #last = new LastCommit();
	readonly #logs: readonly string[];
	readonly #doc: DocumentFile;
	readonly #db: Low<State>;
	readonly #anchor: Anchor;
	readonly #archive: ArchiveReader;
	readonly #lockTimeoutMs: number;
	readonly #trace?: (phase: CommitPhase) => void;
	readonly #journal: Journal;

	constructor(
		readonly paths: StorePaths,
		parts: {doc: DocumentFile; db: Low<State>; anchor: Anchor; archive: ArchiveReader; lockTimeoutMs: number; trace?: (phase: CommitPhase) => void},
	) {
		this.#logs = [paths.audit, ...revLogs(paths)];
		this.#doc = parts.doc;
		this.#db = parts.db;
		this.#anchor = parts.anchor;
		this.#archive = parts.archive;
		this.#lockTimeoutMs = parts.lockTimeoutMs;
		this.#trace = parts.trace;
		this.#journal = new Journal(paths.journal);
	}

	async current(): Promise<State> {
		return (await this.#read()).state;
	}

	/** The committed state: the document, then the journal's records past it (read first: see journal.ts). */
	async #read(): Promise<{state: State; doc: State; view: JournalView}> {
		const journal = this.#journal.load();
		// From the adapter, not lowdb's `data`, which another read in this process may set meanwhile.
		const doc = await this.#doc.read();
		const view = this.#journal.view(journal, doc.rev);
		const state = this.#journal.overlay(doc, view);
		this.#db.data = state;
		return {state, doc, view};
	}

	/** The committed revision over the document's first line and the journal (no parse of the document). */
	async committed(): Promise<{rev: number; auditHead: Head} | undefined> {
		const journal = this.#journal.load();
		const header = await this.#doc.header();
		return header && {rev: this.#journal.view(journal, header.rev).rev, auditHead: header.auditHead};
	}

	/** The journal, for a list read: loaded before the document it reads, then viewed over it (see journal.ts). */
	get journal(): Pick<Journal, 'load' | 'view' | 'advance'> {
		return this.#journal;
	}

	/** The event a write that saves a document read in an older version records. */
	#migrated(): EventDraft[] {
		const from = this.#doc.migratedFrom;
		return from === undefined ? [] : [storeEvent('store.migrated', `schema version ${from} → ${SCHEMA_VERSION}`, {from, to: SCHEMA_VERSION})];
	}

	/** A repair changes the logs as no commit does: the next write checks them in full. */
	forget(): void {
		this.#last.forget();
	}

	/** Under the write lock; what it committed is witnessed once the lock is released. */
	locked<T>(fn: (lock: HeldLock) => Promise<T>): Promise<T> {
		const held = async (lock: HeldLock) => {
			try {
				return await fn(lock);
			} finally {
				// The chain's re-check a commit started never outlives the lock.
				await this.#anchor.rechecked();
			}
		};
		return withWriteLock(this.paths, this.#lockTimeoutMs, held).finally(() => this.#anchor.settle());
	}

	/** `cmds`: the commands the step runs, so that an archived deployment one names is brought back first (archive-step.ts). */
	commit<R>(step: (state: State) => Step<R>, cmds: readonly Command[] = []): Promise<RunResult<R>> {
		return this.locked(async lock => {
			this.#trace?.('locked');
			const found = await this.#check().catch(async (error: unknown) => {
				// A trail that does not verify because another writer is appending to it: this one stalled past
				// the stale window and lost the lock, which is what to say (not "move the trail away").
				await lock.assertHeld('checking the audit trail');
				throw error;
			});
			this.#trace?.('checked');
			const {current, view, doc} = found;
			const state = await this.recover(current, lock, {found});
			refuseIfMoved(state);
			// Said by the recovery's write, if there was one (it saved the document in this version).
			const migrated = this.#migrated();
			const named = cmds.length > 0 ? await restoreNamed(this.#archive, state, cmds) : {state, restored: new Set<Deployment>()};
			let m: Step<R>;
			try {
				m = step(named.state);
			} catch (error) {
				// A refusal worth recording (a mutate() caller's) is audited, then rethrown; a batch returns its own.
				if (error instanceof EngineError && error.audit) await this.save(lock, state, state, [...migrated, error.audit], []);
				throw error;
			}
			this.#trace?.('stepped');
			if ('unchanged' in m) return {result: m.result, rev: state.rev, events: []};
			const settled = settleArchive(m.state, named.restored);
			// Logs as checked, when nothing was repaired since: the commit's appends are then all that changes them.
			const sizes = state === current ? found.logs : undefined;
			// An event, a migration, an archive move or a restore rewrites the document; so does a repair before it.
			const eventless = migrated.length === 0 && m.events.length === 0 && settled.records.length === 0 && named.restored.size === 0;
			const quiet = sizes && eventless ? journalChanges(state, settled.state, view, m.samples ?? []) : undefined;
			if (quiet) {
				const journaled = await journalCommit(this.paths, this.#journal, lock, {doc, prev: state, next: settled.state, changed: quiet, samples: m.samples ?? []}, this.#trace);
				if (journaled) {
					this.#db.data = journaled.state;
					this.#last.left(this.#doc.loadedId!, sizes!, journaled.appended);
					return {result: m.result, rev: journaled.state.rev, events: []};
				}
			}
			const {written, ...saved} = await this.save(lock, state, settled.state, [...migrated, ...m.events], m.samples ?? [], settled.records, sizes);
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
		const logs = logSizes(this.#logs);
		const probing = findDebris(this.paths);
		const {state: current, doc, view} = await this.#read();
		const asLeft = this.#last.unchanged(this.#doc.loadedId, logs);
		const [debris] = await Promise.all([probing, this.#anchor.verify(current, {defer: true, asLeft})]);
		const agree = asLeft || (await logsAgree(this.paths, current));
		// This process's own last commit left the logs as they are: no crash cut the journal's samples since.
		return {current, doc, view, debris, agree, logs, checkCut: !asLeft};
	}

	/**
	 * Repairs what a crash left (the logs: reconcile.ts; files: debris.ts) as a commit of its own,
	 * before anything else; every file it moves or removes is named by that commit's audit events.
	 */
	async recover(state: State, lock: HeldLock, opts: {setAside?: boolean; found?: {debris: Debris; agree: boolean; checkCut: boolean; view: JournalView}} = {}): Promise<State> {
		const debris = opts.found?.debris ?? (await findDebris(this.paths));
		const agree = opts.found?.agree ?? (await logsAgree(this.paths, state));
		const journal = this.#journal.load();
		const checkCut = opts.found?.checkCut ?? true;
		const records = checkCut ? (opts.found?.view ?? (await this.#read()).view).records : [];
		const cutNow = agree ? await cutSamples(this.paths.metrics, records) : undefined;
		if (agree && !hasWork(debris) && journal.torn === 0 && !cutNow) return state;
		await settleRotation(this.paths, debris);
		const recovery = agree ? {events: [], auditHead: state.auditHead} : await reconcile(this.paths, state, opts);
		// Counted once the lines of crashed commits are set aside.
		const cut = agree ? cutNow : await cutSamples(this.paths.metrics, records);
		if (cut) await appendDurable(this.paths.metrics, cut.bytes);
		const events = [...recovery.events, ...debrisEvents(this.paths, debris), ...journalEvents(this.paths, journal.torn, cut)];
		if (events.length === 0) return state;
		const base: State = {...state, rev: Math.max(state.rev, recovery.orphanRev ?? 0), auditHead: recovery.auditHead};
		await this.save(lock, base, base, [...this.#migrated(), ...events], [], [], undefined, 'adopted' in recovery ? recovery.adopted : undefined);
		await afterCommit(this.paths, debris, events);
		return this.#db.data;
	}

	/**
	 * The commit: serialise the next state and write it to a temp file (fsync), validating it as the
	 * bytes are copied (nothing is appended, and nothing made current, if it is invalid); then, at
	 * once, append the audit events (fsync; said first in the commit marker, synced before the
	 * append writes a byte) and the samples (fsync); only when all are durable, rename the temp file
	 * over state.json (the commit point) and fsync the directory. So the document whose audit head is the last event appended never becomes current
	 * before that event is on disk.
	 */
	async save(
		lock: HeldLock,
		prev: State,
		next: State,
		given: EventDraft[],
		samples: NonNullable<Mutation<unknown>['samples']>,
		records: readonly ArchiveRecord[] = [],
		sizes?: ReadonlyMap<string, LogSize>,
		adopted?: {from: Head; hashes: string[]},
	) {
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
		this.#doc.encode(doc);
		this.#trace?.('prepared');
		await lock.assertHeld('appending to the audit trail');
		// Validated while the document's bytes are copied to its temp file (not visible before the
		// rename); nothing is appended before it passes, and the appends' fsyncs then start with the
		// document's. Once they run, the chain's owed re-check of older lines starts (Anchor.recheck),
		// to go on through the rename and the directory fsync.
		let validity!: {pass: () => void; fail: (error: unknown) => void};
		const valid = new Promise<void>((pass, fail) => (validity = {pass, fail}));
		const writing = () => {
			try {
				this.#doc.validate(doc);
				validity.pass();
			} catch (error) {
				validity.fail(error);
			}
		};
		const during = async () => this.#anchor.recheck();
		const staged = this.#doc.stage(doc, {writing, during});
		// A temp file that failed before its fsync: nothing was validated, and nothing is appended.
		staged.catch(validity.fail);
		// Said before it is done, so that recovery can tell this commit's lines from lines slipped in:
		// the log is opened meanwhile, and written once the marker is durable.
		// A recovery's marker starts at the document's head and names the lines it adopted first.
		const marked = chained && valid.then(() => markCommit(this.paths.commit, {rev, from: adopted?.from ?? prev.auditHead, to: chained.head, hashes: [...(adopted?.hashes ?? []), ...chained.events.map(e => e.hash)]}));
		const writes = await Promise.allSettled([
			staged,
			valid,
			marked,
			// The lock checked again right before the trail takes a byte: the marker's sync is time enough to lose it in.
			chained && appendDurable(this.paths.audit, chained.bytes, marked!.then(() => lock.assertHeld('appending to the audit trail'))),
			sampleBytes && appendDurable(this.paths.metrics, sampleBytes, valid),
			// The journal's samples are in the log unsynced (journal-commit.ts): synced before the document takes in the records that stood for them.
			!sampleBytes && this.#journal.holdsSamples() && syncFile(this.paths.metrics),
			archived && valid.then(() => archived.write()),
		]);
		this.#trace?.('written');
		const abandon = () => this.#doc.abandon();
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
		await this.#db.write();
		// The document now holds every journal record (its rev is past them all).
		this.#journal.empty();
		this.#trace?.('committed');
		const appended = new Map([[this.paths.audit, chained?.bytes.length ?? 0], [this.paths.metrics, sampleBytes?.length ?? 0]]);
		if (chained) {
			// The log ended at the previous head when checked (sizes are given only then): the new head's line ends where the append did.
			const before = sizes?.get(this.paths.audit)?.size;
			await this.#anchor.committed(prev.auditHead, chained.events, chained.head, before === undefined ? undefined : Number(before) + chained.bytes.length);
		}
		const docId = (writes[0] as PromiseFulfilledResult<FileId>).value;
		return {rev, events: chained?.events ?? ([] as StoredEvent[]), written: {doc: docId, appended}};
	}
}
