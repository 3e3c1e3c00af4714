import type {DeploymentStatus} from '../model/index.js';

export interface TierView {
	percent: number;
	/**
	 * `applying`: the current tier, decided but not yet confirmed by the target; `failed`: the target
	 * refused it; `reverted`: the tier a rollback took the traffic back from.
	 */
	state: 'done' | 'current' | 'applying' | 'failed' | 'reverted' | 'pending';
}

const REVERTED: ReadonlySet<DeploymentStatus> = new Set(['rolling_back', 'rolled_back', 'rollback_failed']);

/** Each tier of a plan as done, current or pending. Imports nothing at run time: the quick list uses it. */
export function tierViews(dep: {tiers: readonly number[]; tierIndex: number; status: DeploymentStatus; target?: 'applying' | 'failed'}): TierView[] {
	const done = dep.status === 'completed';
	// A rollback's tier is where it stopped, not where it stands: never drawn as the current one.
	const current = REVERTED.has(dep.status) ? 'reverted' : (dep.target ?? 'current');
	return dep.tiers.map((percent, i) => ({
		percent,
		state: done || i < dep.tierIndex ? 'done' : i === dep.tierIndex ? current : 'pending',
	}));
}
