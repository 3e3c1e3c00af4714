/**
 * The store's contract: what the CLI and the console may ask of `src/store`, the only code that
 * touches disk. Implemented in this folder; everything above it programs against these types.
 */
import type {AuditEvent, Clock, Command, EventDraft, Sample, State} from '../core/index.js';

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
	| 'IO'; // a write failed: nothing was applied

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
}

export interface ChangeNotice {
	state: boolean;
	audit: boolean;
	metrics: boolean;
}

export interface Leadership {
	readonly role: 'leader' | 'follower';
	/** Called when this process gains or loses leadership (a follower takes over a dead leader). */
	onChange(listener: (role: 'leader' | 'follower') => void): () => void;
	release(): Promise<void>;
}

export interface Store {
	readonly dir: string;
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
	/** Events oldest first; with a limit, the newest `limit` matching ones. */
	audit(filter?: {subject?: string; deploymentId?: string; limit?: number}): Promise<AuditEvent[]>;
	verifyAudit(): Promise<VerifyReport>;
	samples(deploymentId: string, limit?: number): Promise<Sample[]>;
	/** Tells a long-running reader that something changed, from any process, within 250 ms. */
	watch(listener: (what: ChangeNotice) => void): () => void;
	/**
	 * Exactly one engine drives a data directory: a leader lock with heartbeat and takeover. A dead
	 * leader on this host is replaced at the follower's next retry (every heartbeatMs); a hung one
	 * after staleMs (at least 5000). A follower's retry timer keeps its process alive until release().
	 */
	lead(opts?: {heartbeatMs?: number; staleMs?: number}): Promise<Leadership>;
	close(): Promise<void>;
}
