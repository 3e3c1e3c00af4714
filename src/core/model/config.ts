import {z} from 'zod';
import {DEFAULT_THRESHOLDS, Thresholds} from './metrics.js';
import {NotifyConfig} from './notify.js';

export const RiskLevel = z.enum(['low', 'medium', 'high']);
export type RiskLevel = z.infer<typeof RiskLevel>;

export const CanaryPlan = z.object({
	tiers: z
		.array(z.number().int().min(1).max(100))
		.min(1)
		.refine(t => t.every((p, i) => i === 0 || p > t[i - 1]!), {message: 'tiers must increase'})
		.refine(t => t[t.length - 1] === 100, {message: 'the last tier must be 100'}),
	bakeMs: z.number().int().min(0),
	minSamples: z.number().int().min(1),
	autoPromote: z.boolean(),
	autoRollback: z.boolean(),
	thresholds: Thresholds,
	/**
	 * Tiers (by percent) that a deployment enters only after a fresh two-key cosign over the gate's
	 * evidence at the tier before (core/tier-keys.ts). Absent, not empty, in plans without any: the
	 * lease digest of a plan from before per-tier keys stays what was signed.
	 */
	tierKeys: z.array(z.number().int().min(1).max(100)).min(1).optional(),
	/**
	 * How long past its bake a tier may go without promoting (no samples, a router that never
	 * confirms, a hold that never clears) before the deployment halts with that reason.
	 */
	progressDeadlineMs: z.number().int().min(1000).optional(),
}).refine(p => (p.tierKeys ?? []).every(k => p.tiers.includes(k) && k !== p.tiers[0]), {
	message: 'each must be one of the tiers after the first (a canary starts at its first tier under the lease\'s own keys)',
	path: ['tierKeys'],
});
export type CanaryPlan = z.infer<typeof CanaryPlan>;

/** The least plan a risk level demands (core/risk-plan.ts). */
export const PlanDemand = z.object({
	/** The first tier may carry at most this share of traffic. */
	maxFirstTier: z.number().int().min(1).max(100),
	minBakeMs: z.number().int().min(0),
	minSamples: z.number().int().min(1),
	/** Every tier after the first at or above this percentage must be keyed (plan.tierKeys). */
	keysFrom: z.number().int().min(1).max(100).optional(),
});
export type PlanDemand = z.infer<typeof PlanDemand>;

export const DEFAULT_PLAN_DEMANDS = {
	low: {maxFirstTier: 100, minBakeMs: 0, minSamples: 1},
	medium: {maxFirstTier: 25, minBakeMs: 0, minSamples: 1},
	// The default plan alone (5 → 25 → 100, 15 minutes, 3 samples) does not do for a high risk: 100% takes two keys again.
	high: {maxFirstTier: 5, minBakeMs: 15 * 60_000, minSamples: 3, keysFrom: 100},
} satisfies Record<RiskLevel, PlanDemand>;

/** An IANA time zone this runtime knows (`Europe/Berlin`, `UTC`). */
export const isTimeZone = (zone: string) => {
	try {
		new Intl.DateTimeFormat('en', {timeZone: zone});
		return zone.length <= 64;
	} catch {
		return false;
	}
};

export const RiskPolicy = z.object({
	/** At or above this level a lease must carry the signers' explicit acknowledgement. */
	ackRequiredAt: RiskLevel,
	/** Above this score nothing deploys, acknowledged or not. */
	maxScore: z.number().min(0).max(100),
	/** Deploy-window scoring uses the operators' wall clock, not the machine's zone. */
	utcOffsetMinutes: z.number().int().min(-720).max(840),
	nightStartHour: z.number().int().min(0).max(23),
	nightEndHour: z.number().int().min(0).max(23),
	recentRollbackDays: z.number().int().min(0),
	/** What each level demands of a plan at least; documents from before it get the defaults. */
	plans: z.object({low: PlanDemand, medium: PlanDemand, high: PlanDemand}).default(DEFAULT_PLAN_DEMANDS),
});
export type RiskPolicy = z.infer<typeof RiskPolicy>;

export const Config = z.object({
	plan: CanaryPlan,
	leaseTtlMs: z.number().int().min(1000).max(7 * 24 * 3_600_000),
	/** Once one key has signed a lease, the other must sign within this; else the lease expires (documents from before it get the default). */
	approvalDeadlineMs: z.number().int().min(1000).max(7 * 24 * 3_600_000).default(30 * 60_000),
	maxResourceLoad: z.number().min(0).max(100),
	risk: RiskPolicy,
	/**
	 * The operators' IANA time zone: the deploy window is read on its wall clock (daylight saving
	 * included). Absent: the risk policy's fixed UTC offset.
	 */
	timeZone: z.string().refine(isTimeZone, {message: 'must be an IANA time zone this system knows, e.g. Europe/Berlin, America/New_York, UTC'}).optional(),
	/** How many recent samples a deployment keeps in the document; the full history is in the metrics log. */
	sampleWindow: z.number().int().min(3).max(1000),
	/** Webhook sinks the engine leader notifies (src/drivers/notify). Absent: nobody is notified. */
	notify: NotifyConfig.optional(),
});
export type Config = z.infer<typeof Config>;

export const DEFAULT_PLAN: CanaryPlan = {
	tiers: [5, 25, 100],
	bakeMs: 15 * 60_000,
	minSamples: 3,
	autoPromote: true,
	autoRollback: true,
	thresholds: DEFAULT_THRESHOLDS,
};

export const DEFAULT_CONFIG: Config = {
	plan: DEFAULT_PLAN,
	leaseTtlMs: 60 * 60_000,
	approvalDeadlineMs: 30 * 60_000,
	maxResourceLoad: 85,
	risk: {ackRequiredAt: 'high', maxScore: 100, utcOffsetMinutes: 0, nightStartHour: 22, nightEndHour: 6, recentRollbackDays: 7, plans: DEFAULT_PLAN_DEMANDS},
	sampleWindow: 60,
};
