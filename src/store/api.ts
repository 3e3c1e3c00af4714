import type {Trust} from '../core/trust.js';
import type {Binding} from '../core/trust-binding.js';
/**
 * The store's contract: what the CLI and the console may ask of `src/store`, the only code that
 * touches disk. Implemented in this folder; everything above it programs against these types.
 */
import type {AuditEvent, Clock, Command, Deployment, DeploymentSummary, EngineError, EventDraft, Sample, State} from '../core/index.js';
import type {Checkpoint} from './checkpoint.js';
import type {OneDeployment} from './deployment-read.js';
import type {ArchiveRecord} from '../core/archive.js';

/**
 * An event as the audit trail keeps it: chained (seq, prevHash, hash) and tied to the revision that
 * committed it. Every event the store returns carries `rev`; the signatures below say AuditEvent so
 * that existing fakes of this interface stay valid.
 */
export type AuditRecord = AuditEvent & {rev: number};

export interface RunResult<R> {
	result: R;
	/** The document's revision after the write. */
	rev: number;
	/** The events as chained into the audit trail (with seq and hashes). */
	events: AuditEvent[];
}

/**
 * What a batch of commands did. The commands before `failed.index` took effect (with the failed
 * command's audit event, if the engine wanted its refusal recorded); nothing from it onwards ran.
 */
export interface BatchResult<R> {
	/** The results of the commands that took effect, in order: `results[i]` is `cmds[i]`'s. */
	results: R[];
	/** The document's revision after the write (unchanged when nothing was written). */
	rev: number;
	/** The events of the whole batch as chained into the audit trail, contiguous. */
	events: AuditEvent[];
	/** The command the engine refused, by its index in the batch, and why. */
	failed?: {index: number; error: EngineError};
}

export interface ListOptions {
	/** false: the document's deployments only (those that ended are in the archive's index). */
	archived?: boolean;
	/** A deployment to read with the list, from the same read (`one`). */
	deployment?: string;
	/**
	 * false, with `archived: false`: the document's list rows as written, not checked against the
	 * deployments (for a reader that reads the whole state every few seconds anyway; see
	 * list-read.ts's readListRows), read from the document's first bytes; with `deployment`, that
	 * deployment's line alone is taken from the rest and parsed (and validated).
	 */
	checked?: boolean;
}

/** Every deployment as a list shows it, and the revision it describes. */
export interface DeploymentList {
	rev: number;
	deployments: DeploymentSummary[];
	/**
	 * Where the rows came from: the list rows the document carries, each checked against its
	 * deployment's line (`index`) or as written (`rows`: see ListOptions.checked), or its deployments
	 * read in full (`document`).
	 */
	source: 'index' | 'rows' | 'document';
	/** With `archived: false`: the deployment a caller asked for by id, from the same read, when the document holds it (see deployment-read.ts). */
	one?: OneDeployment;
	/** With `archived: false`: the state the rows were made from, when the store read it whole to list them (`document`). */
	state?: State;
}

/** What a lower-level mutation returns: the engine's Outcome has this shape. */
export interface Mutation<R> {
	state: State;
	events: EventDraft[];
	samples?: Array<{deploymentId: string; sample: Sample}>;
	result: R;
}

export type StoreErrorCode =
	| 'NOT_INITIALISED' // no state file in the data directory
	| 'CORRUPT' // the state file cannot be read or fails its schema: path + position/zod path + last good backup
	| 'AUDIT_MISMATCH' // the document's audit head and the audit log disagree (truncation, rewritten tail)
	| 'LOCK_TIMEOUT' // another process held the lock for too long
	| 'LOCK_LOST' // this process stalled past the stale window and another took the lock: the write was abandoned
	| 'INVALID' // the next state (from the engine or a mutate() caller) fails its schema: nothing was written
	| 'VERSION' // the state file was written by a newer calyx, or no migration leads from its version
	| 'IO' // a write failed: nothing was applied
	| 'TAMPERED' // the chain does not verify from this user's last verified point, or lines past the head no commit began: nothing written
	| 'UNSAFE' // a file of the data directory is a link, a special file or has a second name: refused, nothing touched
	| 'MOVED' // a migration copied this store elsewhere and sealed it (state.moved): nothing is written here
	| 'TRUST_MISMATCH' // the store is bound to another trust than this process's (core/trust-binding.ts): nothing is written
	| 'TRUST_MISFIT'; // bound to no trust yet, and holding what this process's trust did not sign (core/trust-fit.ts): nothing is written

export interface VerifyReport {
	ok: boolean;
	/** Lines (events) checked. */
	count: number;
	/** The first bad line, 1-based, and why (edited, deleted, swapped, truncated, unparseable). */
	firstBad?: {line: number; seq?: number; reason: string};
	/** Torn tails quarantined so far (files beside the log). */
	quarantined: string[];
	/** The audit head state.json records (absent when the document cannot be read): what truncation is judged against. */
	head?: {seq: number; hash: string};
	/** Why the head could not be checked (the document does not load): the report is then not ok. */
	headUnchecked?: string;
	/** The document's keys against the registry the trail's signed statements derive: each difference by key. */
	registry?: {keys: number; differences: Array<{keyId: string; problem: string}>; earlier?: string[]};
	/** The document's service definitions against those the trail's signed statements applied: each difference by service. */
	services?: {count: number; differences: Array<{service: string; problem: string}>; earlier?: string[]};
	/** The trust the trail binds the store to, and whether it is this process's (core/trust-binding.ts). */
	binding?: Binding & {thisTrust: boolean};
	/** Binding and rebind events the trail's fold did not take (appended by hand): each a difference. */
	ignored?: Array<{seq: number; why: string}>;
	/** The document's configuration against the last the trail recorded (`recorded`: that event's seq; none yet: nothing compared). */
	config?: {recorded?: number; differences: Array<{setting: string; problem: string}>};
	/** The archive's records against the trail's archiving events (each names its record's digest): each difference. */
	archive?: {records: number; differences: Array<{id?: string; problem: string}>};
	/** The heads witnessed and checkpointed outside the data directory, judged against the chain. */
	witnesses?: AnchorReport;
}

/** What vouched for the trail's head (this user's witnesses and checkpoints, files named) and what the chain contradicts. */
export interface AnchorReport {
	/** Witnessed heads and checkpoints compared with the chain. */
	checked: number;
	files: string[];
	/** Heads the chain contradicts, lowest seq first: the first is the first witnessed head it contradicts. Not ok. */
	contradicted: Array<{seq: number; hash: string; current: string | null; at: string; source: 'witness' | 'checkpoint'; file: string; by?: string; signer?: string}>;
	/** Checkpoints whose signature does not hold. Not ok. */
	forged: Array<{file: string; reason: string}>;
	/** Files named that could not be read. */
	unreadable: Array<{file: string; reason: string}>;
	/** Claims about other data directories, left aside. */
	skipped: number;
}

/** What `repair` found to do (a torn tail, an uncommitted mutation's lines, a dead writer's temp files) and whether it did it. */
export interface RepairReport {
	actions: string[];
	/** Files named like crash debris that are not calyx's to touch (a link, another user's): never changed. */
	left: string[];
	applied: boolean;
}

export interface ChangeNotice {
	state: boolean;
	audit: boolean;
	metrics: boolean;
}

/** Whether the store's backend answers: always for a data directory; an etcd cluster may not. */
export type Reachability = {reachable: true} | {reachable: false; since: number; error: string; endpoints: string};

export interface ReachabilitySource {
	get(): Reachability;
	subscribe(listener: () => void): () => void;
}

export interface Leadership {
	readonly role: 'leader' | 'follower';
	/** Called when this process gains or loses leadership (a follower takes over a dead leader). */
	onChange(listener: (role: 'leader' | 'follower') => void): () => void;
	release(): Promise<void>;
}

export interface Store {
	readonly dir: string;
	/** The authority over keys this process verifies against (the trust file, read once at open). */
	readonly trust: Trust;
	readonly paths: {state: string; audit: string; metrics: string; lock: string};
	/**
	 * The current, validated state (including the simulated target's `world`). Lock-free. The state
	 * is deeply frozen: copy before editing (immer, spread). Unchanged entities keep their identity
	 * from one read to the next, also after another process wrote.
	 */
	read(): Promise<State>;
	/**
	 * One command through the engine as one atomic unit: lock, read, validate, execute (with a
	 * SimTarget over `state.world`), validate, then the audit events and samples appended (fsync)
	 * while the new document is written to a temp file (fsync); only then the rename (the commit
	 * point) and the directory fsync; unlock. An EngineError is rethrown after its `audit` event
	 * (if any) is recorded; `cmd.expectedRev` guards against stale views (EngineError conflict
	 * STALE_STATE, nothing written).
	 */
	run<R = unknown>(cmd: Command, opts?: {clock?: Clock}): Promise<RunResult<R>>;
	/** The same unit of work for a caller that builds the next state itself (seeding the demo). */
	mutate<R = unknown>(fn: (state: State) => Mutation<R>): Promise<RunResult<R>>;
	/** Events oldest first; with a limit, the newest `limit` matching ones (up to `throughSeq`, a head the caller read, when given). */
	audit(filter?: {subject?: string; deploymentId?: string; limit?: number; throughSeq?: number}): Promise<AuditEvent[]>;
	/** The whole chain, its head, and every witness and checkpoint readable (this user's, and the files named) against it. */
	verifyAudit(opts?: {witnesses?: readonly string[]}): Promise<VerifyReport>;
	/**
	 * The committed audit head, verified from this user's last verified point, signed with this
	 * user's checkpoint key and kept beside the witnesses. Optional so that fakes stay valid.
	 */
	checkpoint?(opts?: {clock?: Clock}): Promise<Checkpoint>;
	samples(deploymentId: string, limit?: number): Promise<Sample[]>;
	/**
	 * A deployment by id, live (in the document) or ended (in the archive, found through its index:
	 * one seek, not a scan; `record` then holds the intent and leases archived with it). Optional so that fakes stay valid; they hold every deployment in `read()`.
	 */
	deployment?(id: string): Promise<{deployment: Deployment; rev: number; archived: boolean; record?: ArchiveRecord} | undefined>;
	/** The deployments archived last, with their intents and leases, newest first (the console lists them below the live ones). Optional, as above. */
	recentlyEnded?(limit: number): Promise<ArchiveRecord[]>;
	/** Tells a long-running reader that something changed, from any process, within 250 ms. */
	watch(listener: (what: ChangeNotice) => void): () => void;
	/**
	 * Exactly one engine drives a data directory: a leader lock with heartbeat and takeover. A dead
	 * leader on this host is replaced at the follower's next retry (every heartbeatMs); a hung one
	 * after staleMs (at least 5000). A follower's retry timer keeps its process alive until release().
	 */
	lead(opts?: {heartbeatMs?: number; staleMs?: number}): Promise<Leadership>;
	/** The process leading the engine now (this one or another), or undefined: nobody drives the canaries. */
	engineLeader(): Promise<{pid: number; host: string} | undefined>;
	/** How many engines wait to take over from the leader now (followers whose heartbeat is fresh). */
	engineFollowers(): Promise<number>;
	/**
	 * What the engine leader does for the store itself after its cycles (an etcd store compacts and
	 * defragments the cluster's history, rate-limited there): the actions taken. Optional: a data
	 * directory has nothing of the kind.
	 */
	maintain?(now: number): Promise<Array<{at: string; kind: string; detail: string}>>;
	/** Whether the backend answers now, told as it changes (a console says so); absent: it always does (files). */
	reachability?(): ReachabilitySource;
	close(): Promise<void>;
}

/**
 * The file store's whole contract: `Store` plus batched writes and the cheap list read. Kept apart
 * so that in-memory fakes of `Store` stay valid until they implement these two.
 */
export interface BatchStore extends Store {
	/**
	 * Several commands as ONE unit of work: one lock, each command executed in order on the result
	 * of the one before (the simulated target's world too), one commit of all their events and
	 * samples under one revision. A command the engine refuses (EngineError) ends the batch: the
	 * commands before it are committed, with its `audit` event if it carries one, and `failed` says
	 * which and why; nothing after it runs. A refusal of the first command without an audit event
	 * writes nothing. `expectedRev` guards the batch as a whole (EngineError conflict STALE_STATE,
	 * nothing written); since the batch is one revision, every command in it sees the revision the
	 * batch started from. Any other error (StoreError) is thrown and nothing is written.
	 */
	runMany<R = unknown>(cmds: Command[], opts?: {clock?: Clock; expectedRev?: number}): Promise<BatchResult<R>>;
	/**
	 * Every deployment's summary, lock-free and without parsing a deployment: from the list rows the
	 * commit writes in the document, used only when each carries the digest of its deployment's line
	 * (list-rows.ts); otherwise, or when they are missing or damaged, from a full read. Fails only for the reasons `read()` fails. Those that ended come first, from the
	 * archive's index; `archived: false` leaves them out (the document's deployments only).
	 */
	listDeployments(opts?: ListOptions): Promise<DeploymentList>;
	deployment(id: string): Promise<{deployment: Deployment; rev: number; archived: boolean; record?: ArchiveRecord} | undefined>;
	recentlyEnded(limit: number): Promise<ArchiveRecord[]>;
	/** The archive's record of a deployment, or of the deployment an intent or lease id left the document with. */
	archived(id: string): Promise<ArchiveRecord | undefined>;
	/**
	 * The list rows of the deployments that ended, each once (where it ended last), in the order they
	 * ended: the last `limit` that pass `match` (all with 'all'), and whether older ones passed too.
	 * For a store whose archive is not files: the file store leaves it out, and its archive index is
	 * read from its end instead (archive-tail.ts).
	 */
	endedTail?(limit: number | 'all', match?: (row: DeploymentSummary) => boolean): Promise<{rows: DeploymentSummary[]; older: boolean}>;
	/**
	 * Reads never write: what a crash left is repaired by the next write, or here, on purpose,
	 * under the lock and audited. With `dryRun`, says what it would do and writes nothing.
	 */
	repair(opts?: {dryRun?: boolean}): Promise<RepairReport>;
	checkpoint(opts?: {clock?: Clock}): Promise<Checkpoint>;
	/**
	 * The committed audit head, verified incrementally from this user's last verified point, and
	 * the registries the trail's statements made up to it (core/ledger.ts).
	 */
	anchored(): Promise<{head: {seq: number; hash: string}; derived: unknown}>;
	/**
	 * The trust as a write would decide with it now: keys and services whose records are not as the
	 * audit trail registered them disowned, so that a read shows what a write would refuse.
	 */
	checkedTrust(): Promise<Trust>;
}
