import {formatDuration} from './duration.js';
import type {CanaryPlan, PlanDemand, RiskPolicy, RiskScore} from './model/index.js';

/**
 * Risk shapes the plan: each level demands a plan at least this careful (config `risk.plans`).
 * Acknowledging a risk says the signers saw it; it does not make a weak plan fit a high risk.
 */

/** The tiers the demand keys that the plan does not: every tier after the first at or above `keysFrom`. */
const unkeyed = (plan: CanaryPlan, demand: PlanDemand) =>
	demand.keysFrom === undefined ? [] : plan.tiers.slice(1).filter(t => t >= demand.keysFrom! && !(plan.tierKeys ?? []).includes(t));

/** Each way the plan falls short of what its risk demands, in words naming the flag that fixes it. */
export function planShortfalls(plan: CanaryPlan, demand: PlanDemand): string[] {
	const out: string[] = [];
	const first = plan.tiers[0]!;
	if (first > demand.maxFirstTier) out.push(`first tier ${first}% is more than ${demand.maxFirstTier}% (--tiers)`);
	if (plan.bakeMs < demand.minBakeMs) out.push(`bake ${formatDuration(plan.bakeMs)} is less than ${formatDuration(demand.minBakeMs)} (--bake)`);
	if (plan.minSamples < demand.minSamples) out.push(`${plan.minSamples} samples per tier are fewer than ${demand.minSamples} (--min-samples)`);
	const keys = unkeyed(plan, demand);
	if (keys.length > 0) out.push(`${keys.join('%, ')}% must take two keys again (--tier-keys ${[...(plan.tierKeys ?? []), ...keys].sort((a, b) => a - b).join(',')})`);
	return out;
}

/** What the level demands, in words (a cosign dialog and `lease show` say it beside the risk). */
export function demandWords(demand: PlanDemand): string {
	const parts = [
		...(demand.maxFirstTier < 100 ? [`first tier ≤ ${demand.maxFirstTier}%`] : []),
		...(demand.minBakeMs > 0 ? [`bake ≥ ${formatDuration(demand.minBakeMs)}`] : []),
		...(demand.minSamples > 1 ? [`≥ ${demand.minSamples} samples per tier`] : []),
		...(demand.keysFrom !== undefined ? [`two keys again from ${demand.keysFrom}%`] : []),
	];
	return parts.length > 0 ? parts.join(', ') : 'nothing beyond the two keys';
}

/** Whether the plan is as careful as the risk demands; the reason names each shortfall. */
export function planWithinRisk(plan: CanaryPlan, risk: Pick<RiskScore, 'level' | 'score'>, policy: RiskPolicy): {ok: boolean; reason: string; shortfalls: string[]} {
	const demand = policy.plans[risk.level];
	const shortfalls = planShortfalls(plan, demand);
	return shortfalls.length === 0
		? {ok: true, reason: `the plan meets what ${risk.level} risk demands (${demandWords(demand)})`, shortfalls}
		: {ok: false, reason: `risk ${risk.level} (${risk.score}) demands a stronger plan: ${shortfalls.join('; ')}`, shortfalls};
}
