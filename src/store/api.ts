/**
 * The store's contract: what the CLI and the console may ask of `src/store`, the only code that
 * touches disk. Implemented in this folder; everything above it programs against these types.
 */
import type {AuditEvent, Clock, Command, EventDraft, Sample, State} from '../core/index.js';

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
	| 'IO'; // a write failed: nothing was applied

export interface VerifyReport {
	ok: boolean;
	/** Lines (events) checked. */
	count: number;
	/** The first bad line, 1-based, and why (edited, deleted, swapped, truncated, unparseable). */
	firstBad?: {line: number; seq?: number; reason: string};
	/** Torn tails quarantined so far (files beside the log). */
	quarantined: string[];
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
	/** The current, validated state (including the simulated target's `world`). */
	read(): Promise<State>;
	/**
	 * One command through the engine as one atomic unit: lock, read, validate, execute (with a
	 * SimTarget over `state.world`), validate, write (temp + fsync + rename + dir fsync), append
	 * audit events and samples, unlock. An EngineError is rethrown after its `audit` event (if any)
	 * is recorded; `cmd.expectedRev` guards against stale views.
	 */
	run<R = unknown>(cmd: Command, opts?: {clock?: Clock}): Promise<RunResult<R>>;
	/** The same unit of work for a caller that builds the next state itself (seeding the demo). */
	mutate<R = unknown>(fn: (state: State) => Mutation<R>): Promise<RunResult<R>>;
	audit(filter?: {subject?: string; deploymentId?: string; limit?: number}): Promise<AuditEvent[]>;
	verifyAudit(): Promise<VerifyReport>;
	samples(deploymentId: string, limit?: number): Promise<Sample[]>;
	/** Tells a long-running reader that something changed, from any process, within 250 ms. */
	watch(listener: (what: ChangeNotice) => void): () => void;
	/** Exactly one engine drives a data directory: a leader lock with heartbeat and takeover. */
	lead(opts?: {heartbeatMs?: number; staleMs?: number}): Promise<Leadership>;
	close(): Promise<void>;
}
