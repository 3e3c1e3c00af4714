import type {CanaryPlan, Criticality, Sample, SignedServiceStatement, SignedStatement, Split} from '../model/index.js';
import type {TargetReading} from '../target.js';
import type {SignedRebind} from '../trust-binding.js';

/**
 * Everything that can change state. `actor` says who asked ("human:alice", "agent:ci-bot",
 * "engine"); `expectedRev`, when given, refuses the command if the state moved on since the
 * caller looked (the console's stale-view guard).
 */
export type Command = (
	| {type: 'key.register'; statement: SignedStatement}
	| {type: 'key.revoke'; statement: SignedStatement}
	| {type: 'key.role'; statement: SignedStatement}
	| {type: 'service.apply'; statement: SignedServiceStatement}
	/** Moves the store to this process's trust, signed by the bound trust's admins (core/trust-binding.ts). */
	| {type: 'trust.rebind'; rebind: SignedRebind; reason: string}
	| {
			type: 'intent.create';
			service: string;
			fromVersion?: string;
			toVersion: string;
			title?: string;
			files?: number;
			lines?: number;
			criticality?: Criticality;
			/** The rolled-back intent this one tries again (`intent retry`). */
			retryOf?: string;
			/** The proposer's key and its signature over the request (core/approval.ts); required under separation of duties. */
			keyId?: string;
			signature?: string;
	  }
	| {type: 'intent.approve'; id: string; reason?: string; keyId: string; signature: string}
	| {type: 'lease.issue'; intentId: string; ttlMs?: number; plan?: Partial<CanaryPlan>; ackRisk?: boolean}
	| {type: 'lease.cosign'; leaseId: string; role: 'human' | 'agent'; keyId: string; signature: string}
	/** `reading`: the target as the caller read it just before, outside any lock (pre-checks, snapshot). */
	| {type: 'canary.start'; leaseId: string; reading?: TargetReading}
	| {type: 'canary.promote'; id: string; force?: boolean; reason?: string}
	/** One key's signature on the promotion into a per-tier-keyed tier (`requestId`: the request the signer saw). */
	| {type: 'tier.cosign'; id: string; requestId: string; role: 'human' | 'agent'; keyId: string; signature: string}
	| {type: 'canary.halt'; id: string; reason: string}
	| {type: 'canary.resume'; id: string; reason: string}
	| {type: 'rollback'; id: string; reason: string}
	/** Halt or roll back several deployments with one reason, each with its own events linked by the group's id. */
	| {type: 'group'; action: 'halt' | 'rollback'; ids: string[]; reason: string}
	/**
	 * A reading: a pushed sample, or a poll of the metrics source (`source`, the metrics it `polled`,
	 * and those that gave no value, `missing`), recorded alike.
	 */
	| {type: 'metrics.record'; id: string; sample?: Partial<Sample>; source?: 'prometheus' | 'push' | 'simulated'; polled?: string[]; missing?: MissingReading[]}
	| {type: 'tick'}
	/** The reconciler's reports: what the target read back after applying `generation`, or why it could not. */
	| {type: 'target.applied'; id: string; generation: number; split: Split; evidence: 'router' | 'claimed'; persisted?: boolean; notes?: string[]; sanity: boolean}
	| {type: 'target.failed'; id: string; generation: number; code: string; message: string; attempts: number; split?: Split}
	| {type: 'target.sanity'; id: string; generation: number; ok: boolean; output: string}
	/** The whole configuration; `reason` is recorded with it (config apply requires one). */
	/** `adopt`: settings edited by hand to record as they stand, or 'drifted' for all (core/config-record.ts). */
	| {type: 'config.set'; config: unknown; reason?: string; adopt?: readonly string[] | 'drifted'}
) & {actor: string; expectedRev?: number};

/**
 * A metric a poll got no value of: no data (empty, NaN, ±Inf), an error of its source, or not asked
 * at all because the polling process lacks what it needs (a credential): that says nothing of the
 * source, so it holds the gate without counting towards the error limit.
 */
export interface MissingReading {
	metric: string;
	kind: 'no_data' | 'error' | 'unasked';
	message: string;
	query?: string;
}

export type CommandType = Command['type'];
export type CommandOf<T extends CommandType> = Extract<Command, {type: T}>;
