import type {DeploymentStatus} from '../model/index.js';

export interface TierView {
	percent: number;
	state: 'done' | 'current' | 'pending';
}

/** Each tier of a plan as done, current or pending. Imports nothing at run time: the quick list uses it. */
export function tierViews(dep: {tiers: readonly number[]; tierIndex: number; status: DeploymentStatus}): TierView[] {
	const done = dep.status === 'completed';
	return dep.tiers.map((percent, i) => ({
		percent,
		state: done || i < dep.tierIndex ? 'done' : i === dep.tierIndex ? 'current' : 'pending',
	}));
}
