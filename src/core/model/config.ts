import {z} from 'zod';
import {DEFAULT_THRESHOLDS, Thresholds} from './metrics.js';

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
}).refine(p => (p.tierKeys ?? []).every(k => p.tiers.includes(k) && k !== p.tiers[0]), {
	message: 'each must be one of the tiers after the first (a canary starts at its first tier under the lease\'s own keys)',
	path: ['tierKeys'],
});
export type CanaryPlan = z.infer<typeof CanaryPlan>;

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
});
export type RiskPolicy = z.infer<typeof RiskPolicy>;

export const Config = z.object({
	plan: CanaryPlan,
	leaseTtlMs: z.number().int().min(1000).max(7 * 24 * 3_600_000),
	maxResourceLoad: z.number().min(0).max(100),
	risk: RiskPolicy,
	/** How many recent samples a deployment keeps in the document; the full history is in the metrics log. */
	sampleWindow: z.number().int().min(3).max(1000),
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
	maxResourceLoad: 85,
	risk: {ackRequiredAt: 'high', maxScore: 100, utcOffsetMinutes: 0, nightStartHour: 22, nightEndHour: 6, recentRollbackDays: 7},
	sampleWindow: 60,
};
