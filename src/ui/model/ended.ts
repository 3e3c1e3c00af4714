import type {ArchiveRecord, State} from '../../core/index.js';

/** How many of the deployments that ended the console lists below the live ones (the rest: `calyx canary list`). */
export const ENDED_SHOWN = 20;

/**
 * The state as the console shows it: the live deployments (the document) and the last ones that
 * ended (the archive), each with the intent and leases it was archived with, so that its detail
 * names its signers as it did while live. Built again only when either changed, so that an
 * unchanged read draws nothing new.
 */
export function createShownState() {
	let last: {state: State; ended: readonly ArchiveRecord[]; shown: State} | undefined;
	return (state: State, ended: readonly ArchiveRecord[]): State => {
		if (last && last.state === state && last.ended.length === ended.length && last.ended.every((r, i) => r === ended[i])) return last.shown;
		const shown = withEnded(state, ended);
		last = {state, ended, shown};
		return shown;
	};
}

function withEnded(state: State, ended: readonly ArchiveRecord[]): State {
	const live = new Set(state.deployments.map(d => d.id));
	const past = ended.filter(r => !live.has(r.deployment.id)).reverse();
	if (past.length === 0) return state;
	const intents = new Set(state.intents.map(i => i.id));
	const leases = new Set(state.leases.map(l => l.id));
	return {
		...state,
		deployments: [...past.map(r => r.deployment), ...state.deployments],
		intents: [...past.flatMap(r => (r.intent && !intents.has(r.intent.id) ? [r.intent] : [])), ...state.intents],
		leases: [...past.flatMap(r => r.leases.filter(l => !leases.has(l.id))), ...state.leases],
	};
}
