import {invalid} from '../errors.js';
import {CanaryPlan, type Thresholds} from '../model/index.js';

/** What a replay may change of a plan: any field, and the bands of single metrics. */
export type PlanChanges = Partial<Omit<CanaryPlan, 'thresholds'>> & {thresholds?: Partial<Thresholds>};

/**
 * The plan a replay runs: a base (a lease's, a recorded deployment's, or the configuration's) with
 * the caller's changes, held to the schema `lease issue` holds a plan to. The message names the
 * field and what is allowed, as every invalid input does.
 */
export function replayPlan(base: CanaryPlan, changes: PlanChanges = {}): CanaryPlan {
	const parsed = CanaryPlan.safeParse({...base, ...changes, ...(changes.thresholds ? {thresholds: {...base.thresholds, ...changes.thresholds}} : {})});
	if (parsed.success) return parsed.data;
	const issue = parsed.error.issues[0]!;
	throw invalid('INVALID_PLAN', `plan.${issue.path.join('.')}: ${issue.message}`);
}
