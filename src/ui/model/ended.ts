import type {Deployment, State} from '../../core/index.js';

/** How many of the deployments that ended the console lists below the live ones (the rest: `calyx canary list`). */
export const ENDED_SHOWN = 20;

/**
 * The state as the console shows it: the live deployments (the document) and the last ones that
 * ended (the archive). Built again only when either changed, so that an unchanged read draws
 * nothing new.
 */
export function createShownState() {
	let last: {state: State; ended: readonly Deployment[]; shown: State} | undefined;
	return (state: State, ended: readonly Deployment[]): State => {
		if (last && last.state === state && last.ended.length === ended.length && last.ended.every((d, i) => d === ended[i])) return last.shown;
		const live = new Set(state.deployments.map(d => d.id));
		const past = ended.filter(d => !live.has(d.id)).reverse();
		const shown = past.length === 0 ? state : {...state, deployments: [...past, ...state.deployments]};
		last = {state, ended, shown};
		return shown;
	};
}
