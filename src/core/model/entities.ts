import {z} from 'zod';
import {CanaryPlan, Config, RiskLevel} from './config.js';
import {StoredSample} from './metrics.js';
import {findControl, TEXT_LIMITS, textProblem} from '../text.js';
import {AdminSignature} from './signature.js';
import {ServiceDefinition, ServiceRecord} from './service.js';
import {History} from './history.js';
import {NAME_PATTERN, NAME_RULE} from '../names.js';

export {AdminSignature};

const Iso = z.iso.datetime({offset: true});
const Name = z.string().regex(NAME_PATTERN, NAME_RULE);

export const Role = z.enum(['human', 'agent']);
export type Role = z.infer<typeof Role>;

const Hex64 = z.string().regex(/^[0-9a-f]{64}$/);
const Base64 = z.string().regex(/^[A-Za-z0-9+/]+={0,2}$/);

export const KeyAction = z.enum(['register', 'revoke', 'role']);

/** What an admin signs about a key: one step of its life, chained to the step before by `prev`. */
export const KeyStatement = z
	.object({
		v: z.literal(1),
		kind: z.literal('calyx.key'),
		action: KeyAction,
		keyId: Name,
		/** The role the key has after this statement. */
		role: Role,
		/** Who holds the key: a person for a human key, a named agent for an agent key. */
		owner: Name,
		fingerprint: Hex64,
		/** SPKI PEM, in the registration only. */
		publicKey: z.string().max(4096).optional(),
		/** Shown to admins before they sign and in the audit trail: held to the rules of all free text, at entry. */
		reason: z
			.string()
			.superRefine((r, ctx) => {
				const problem = textProblem(r, TEXT_LIMITS.text);
				if (problem) ctx.addIssue({code: 'custom', message: problem});
			})
			.optional(),
		at: Iso,
		/** sha256 of this key's previous statement; empty for its registration. A statement applies once, in order. */
		prev: z.union([Hex64, z.literal('')]),
	})
	.strict();
export type KeyStatement = z.infer<typeof KeyStatement>;

export const SignedStatement = z.object({statement: KeyStatement, signatures: z.array(AdminSignature).max(64)}).strict();
export type SignedStatement = z.infer<typeof SignedStatement>;

export const KeyRecord = z.object({
	id: Name,
	role: Role,
	/** SPKI PEM of the Ed25519 public half; private halves never enter the document. */
	publicKey: z.string().min(1),
	fingerprint: z.string().regex(/^[0-9a-f]{64}$/),
	addedAt: Iso,
	addedBy: z.string(),
	revokedAt: Iso.optional(),
	revokedBy: z.string().optional(),
	revokeReason: z.string().optional(),
	/** Who holds it; absent only on keys registered before owners (such a key no longer verifies). */
	owner: Name.optional(),
	/** The admin statements that make it a key, in order (see core/registry.ts). */
	statements: z.array(SignedStatement).optional(),
});
export type KeyRecord = z.infer<typeof KeyRecord>;

export const Criticality = z.enum(['low', 'medium', 'high']);
export type Criticality = z.infer<typeof Criticality>;

export const IntentStatus = z.enum(['draft', 'approved_pending_human', 'leased', 'deploying', 'deployed', 'rolled_back']);
export type IntentStatus = z.infer<typeof IntentStatus>;

export const Intent = z.object({
	id: z.string().regex(/^INT-\d{8}-\d{3,}$/),
	service: Name,
	fromVersion: z.string().min(1),
	toVersion: z.string().min(1),
	title: z.string(),
	files: z.number().int().min(0),
	lines: z.number().int().min(0),
	criticality: Criticality,
	status: IntentStatus,
	createdAt: Iso,
	createdBy: z.string(),
	approvedAt: Iso.optional(),
	approvedBy: z.string().optional(),
	/** The key that proposed it, when signed (separation of duties compares its owner with the approver's). */
	proposal: z.object({keyId: z.string(), owner: z.string()}).optional(),
	/** The human key's signature over the intent's content and the reason (see core/approval.ts). */
	approval: z.object({keyId: z.string(), owner: z.string(), signature: Base64, reason: z.string()}).optional(),
	leaseId: z.string().optional(),
	deploymentId: z.string().optional(),
	/** The rolled-back intent this one tries again (`intent retry`): the risk score counts that rollback. */
	retryOf: z.string().optional(),
});
export type Intent = z.infer<typeof Intent>;

export const RiskFactor = z.object({name: z.string(), points: z.number(), detail: z.string()});
export type RiskFactor = z.infer<typeof RiskFactor>;

export const RiskScore = z.object({score: z.number().min(0).max(100), level: RiskLevel, factors: z.array(RiskFactor)});
export type RiskScore = z.infer<typeof RiskScore>;

export const Cosignature = z.object({
	role: Role,
	keyId: z.string(),
	/** base64 Ed25519 signature over the canonical lease payload. */
	signature: z.string(),
	signedAt: Iso,
});
export type Cosignature = z.infer<typeof Cosignature>;

export const Lease = z.object({
	id: z.string().regex(/^LEASE-\d{8}-\d{6}(-\d+)?$/),
	intentId: z.string(),
	/** sha256 over the canonical (RFC 8785) intent and plan. */
	digest: z.string().regex(/^[0-9a-f]{64}$/),
	plan: CanaryPlan,
	risk: RiskScore.extend({acknowledged: z.boolean()}),
	issuedAt: Iso,
	expiresAt: Iso,
	nonce: z.string().min(16),
	issuedBy: z.string(),
	cosignatures: z.array(Cosignature),
	activatedAt: Iso.optional(),
	consumedAt: Iso.optional(),
	deploymentId: z.string().optional(),
	/** The digest of the service definition in force when issued (core/service.ts), for messages; the lease digest covers it. */
	serviceDigest: Hex64.optional(),
	/** A newer lease for the same intent replaced this one: it can no longer be signed or started. */
	voidedAt: Iso.optional(),
	voidedBy: z.string().optional(),
	/** Set by the first key: the second must sign before this (config approvalDeadlineMs), or the lease lapses. Not signed: it follows the signing. */
	secondKeyBy: Iso.optional(),
	/** When the engine recorded that it expired unstarted (lease.expired): the TTL passed, or the second key did not come in time. */
	lapsedAt: Iso.optional(),
});
export type Lease = z.infer<typeof Lease>;

export const DeploymentStatus = z.enum([
	'running',
	'holding',
	'awaiting_promotion',
	'awaiting_cosign',
	'halted',
	'rolling_back',
	'rolled_back',
	'rollback_failed',
	'completed',
]);
export type DeploymentStatus = z.infer<typeof DeploymentStatus>;

/** The kinds of target a deployment can steer; `simulated` when the service has no definition. */
export const TargetKind = z.enum(['simulated', 'haproxy', 'exec']);
export type TargetKind = z.infer<typeof TargetKind>;

/** One side of a traffic split in the router's terms: a weight when it has one, a version when it says. */
export const SplitSide = z.object({weight: z.number().min(0).optional(), version: z.string().max(128).optional()}).strict();
/** A traffic split as a target reports it: the canary's share of requests and both sides. */
export const Split = z.object({percent: z.number().min(0).max(100), stable: SplitSide, canary: SplitSide}).strict();
export type Split = z.infer<typeof Split>;

const Json: z.ZodType<unknown> = z.unknown();

export const PatchOp = z.object({op: z.string(), path: z.string(), value: Json.optional(), from: z.string().optional()});

export const RollbackPack = z.object({
	id: z.string(),
	createdAt: Iso,
	snapshot: Split,
	manifest: z.object({
		packId: z.string(),
		deploymentId: z.string(),
		leaseId: z.string(),
		intentId: z.string(),
		service: z.string(),
		snapshotChecksum: z.string(),
		steps: z.array(z.object({step: z.string(), percent: z.number(), desiredChecksum: z.string(), patchChecksum: z.string()})),
	}),
	/** RFC 6902 patches from each step's desired state back to the snapshot, keyed by step. */
	reversePatches: z.record(z.string(), z.array(PatchOp)),
});
export type RollbackPack = z.infer<typeof RollbackPack>;

export const Halt = z.object({trigger: z.enum(['critical', 'sanity', 'manual', 'target', 'metrics', 'deadline']), reason: z.string(), actor: z.string(), at: Iso});
export type Halt = z.infer<typeof Halt>;

export const RollbackRecord = z.object({
	trigger: z.enum(['manual', 'automatic']),
	reason: z.string(),
	actor: z.string(),
	startedAt: Iso,
	endedAt: Iso.optional(),
	step: z.string().optional(),
	verified: z.boolean(),
	expectedChecksum: z.string(),
	actualChecksum: z.string().optional(),
	error: z.string().optional(),
});
export type RollbackRecord = z.infer<typeof RollbackRecord>;

export const SanityResult = z.object({percent: z.number(), ok: z.boolean(), output: z.string(), at: Iso});

/** What the engine wants the target to carry: a step of the plan, or the snapshot when rolling back. */
export const Desired = z.object({
	/** Counts every decision about this deployment's traffic: a report names the one it confirms. */
	generation: z.number().int().min(1),
	/** `tier-<percent>`, `final`, or `snapshot`. */
	step: z.string(),
	percent: z.number().min(0).max(100),
	at: Iso,
});
export type Desired = z.infer<typeof Desired>;

/** What the target confirmed, read back from it: the only clock a tier's bake time runs on. */
export const Observed = z.object({
	generation: z.number().int().min(1),
	step: z.string(),
	split: Split,
	/** `router`: read back from the router; `claimed`: a hook said so without reading it back. */
	evidence: z.enum(['router', 'claimed']),
	persisted: z.boolean().optional(),
	notes: z.array(z.string()).max(8),
	at: Iso,
	/** The tier's sanity check: `pending` until the reconciler has run it, `none` when the target has none. */
	sanity: z.enum(['pending', 'passed', 'failed', 'none']),
});
export type Observed = z.infer<typeof Observed>;

/** The target's last failure for this deployment, shown until a later confirmation clears it. */
export const TargetFailure = z.object({generation: z.number().int().min(1), step: z.string(), code: z.string(), message: z.string(), attempts: z.number().int().min(1), at: Iso});
export type TargetFailure = z.infer<typeof TargetFailure>;

/**
 * One gate metric's feed: where its readings come from, the last one, the last poll, and the
 * streak of polls without a value (no data, or a query error), which the gate shows and budgets.
 */
export const MetricFeed = z.object({
	source: z.enum(['prometheus', 'push', 'simulated']),
	at: Iso.optional(),
	polledAt: Iso.optional(),
	missing: z.object({kind: z.enum(['no_data', 'error', 'unasked']), since: Iso, message: z.string(), query: z.string().optional(), count: z.number().int().min(1)}).optional(),
	/** Polls of this tier without data that count as critical readings (`noData: fail`). */
	failures: z.number().int().min(0).optional(),
});
export type MetricFeed = z.infer<typeof MetricFeed>;

/** Bake time accrued while an engine watched (ticks no further apart than the watch gap). */
export const Bake = z.object({accruedMs: z.number().min(0), watchedAt: Iso});
export type Bake = z.infer<typeof Bake>;

/**
 * A promotion into a per-tier-keyed tier, waiting for its two keys: what they sign is the step and
 * the gate's evidence when it was asked for (core/tier-keys.ts), fixed until it is used, expires or
 * is voided (the gate stopped passing, a halt).
 */
export const TierCosign = z.object({
	id: z.string().regex(/^TK-[0-9a-f]{16}$/),
	from: z.number(),
	to: z.number(),
	/** The index of the tier it promotes into. */
	tier: z.number().int().min(1),
	requestedAt: Iso,
	expiresAt: Iso,
	evidence: z.object({
		summary: z.string(),
		samples: z.number().int().min(0),
		/** sha256 of the canonical samples the gate judged (the tier's window). */
		samplesDigest: z.string().regex(/^[0-9a-f]{64}$/),
		bakedMs: z.number().min(0),
	}),
	cosignatures: z.array(Cosignature),
});
export type TierCosign = z.infer<typeof TierCosign>;

export const Deployment = z.object({
	id: z.string().regex(/^DEP-\d{8}-\d{3,}$/),
	leaseId: z.string(),
	intentId: z.string(),
	service: z.string(),
	fromVersion: z.string(),
	toVersion: z.string(),
	plan: CanaryPlan,
	status: DeploymentStatus,
	tierIndex: z.number().int().min(0),
	percent: z.number(),
	tierStartedAt: Iso,
	createdAt: Iso,
	updatedAt: Iso,
	endedAt: Iso.optional(),
	/** Recent samples of the current tier (bounded); the metrics log keeps them all. */
	window: z.array(StoredSample),
	sampleCount: z.number().int().min(0),
	hold: z.object({reason: z.string(), since: Iso}).optional(),
	halt: Halt.optional(),
	rollback: RollbackRecord.optional(),
	sanity: z.array(SanityResult),
	pack: RollbackPack,
	target: TargetKind,
	desired: Desired,
	observed: Observed.optional(),
	targetError: TargetFailure.optional(),
	bake: Bake.optional(),
	/** The service definition its lease signed (absent: the simulated target); the reconciler runs only this one. */
	definition: ServiceDefinition.optional(),
	/** Per gate metric, by key: its feed (absent until a first reading or poll). */
	feeds: z.record(z.string(), MetricFeed).optional(),
	/** While `awaiting_cosign`: the promotion its two keys are asked to sign. */
	tierCosign: TierCosign.optional(),
});
export type Deployment = z.infer<typeof Deployment>;

export const AuditHead = z.object({seq: z.number().int().min(0), hash: z.string()});

/** The state's schema version, as a file store's document carries it (version 4: the file store's journal, store/journal.ts). */
export const SCHEMA_VERSION = 4;

/**
 * Set by the migration that copied this store elsewhere (calyx store migrate), in the commit that
 * seals it: from then on nothing is written here, and no engine drives a target from it.
 */
export const Moved = z.object({
	/** Where the store went: a data directory or an etcd store, as `--store` names it (never credentials). */
	to: z.string().min(1).max(1024).refine(text => findControl(text) === undefined, 'no control characters'),
	at: Iso,
	/** The seq of the sealing event: the copy holds every event before it. */
	seq: z.number().int().min(1),
});
export type Moved = z.infer<typeof Moved>;

export const State = z.object({
	schemaVersion: z.literal(SCHEMA_VERSION),
	rev: z.number().int().min(0),
	auditHead: AuditHead,
	config: Config,
	keys: z.array(KeyRecord),
	intents: z.array(Intent),
	leases: z.array(Lease),
	deployments: z.array(Deployment),
	/** Service definitions, each made by statements the trust's admins signed (core/service.ts); absent in older states. */
	services: z.array(ServiceRecord).optional(),
	/** What the document remembers of the deployments that ended and moved to the archive (absent before version 3). */
	history: History.optional(),
	moved: Moved.optional(),
});
export type State = z.infer<typeof State>;
