import type {DeploymentStatus} from '../model/index.js';

export interface TierView {
	percent: number;
	/** `applying`: the current tier, decided but not yet confirmed by the target; `failed`: the target refused it. */
	state: 'done' | 'current' | 'applying' | 'failed' | 'pending';
}

/** Each tier of a plan as done, current or pending. Imports nothing at run time: the quick list uses it. */
export function tierViews(dep: {tiers: readonly number[]; tierIndex: number; status: DeploymentStatus; target?: 'applying' | 'failed'}): TierView[] {
	const done = dep.status === 'completed';
	const current = dep.target ?? 'current';
	return dep.tiers.map((percent, i) => ({
		percent,
		state: done || i < dep.tierIndex ? 'done' : i === dep.tierIndex ? current : 'pending',
	}));
}
