import {gateLevels, type GateVerdict} from '../gate.js';
import {ACTIVE} from '../engine/transitions.js';
import {awaitingTarget} from '../target.js';
import {LEVEL_RANK, type Deployment, type DeploymentStatus, type Level} from '../model/index.js';

/**
 * One deployment as a list shows it: what `canary list` prints and what the store keeps in its list
 * index. It depends on the deployment alone (never on the time), so it can be computed when the
 * deployment is written and trusted while that deployment is unchanged.
 */
export interface DeploymentSummary {
	id: string;
	service: string;
	from: string;
	to: string;
	status: DeploymentStatus;
	percent: number;
	tierIndex: number;
	/** The plan's tiers, in percent. */
	tiers: number[];
	/** The worst level among the current tier's samples, for a one-glance column. */
	worst: Level | 'none';
	/** Set while the target has not confirmed the step decided (`failed`: its last attempt failed). */
	target?: 'applying' | 'failed';
	createdAt: string;
	updatedAt: string;
}

/**
 * The worst level of a deployment's current window. While the canary is live that is the gate's
 * per-metric levels (a `gate` already evaluated may be passed in); the levels do not depend on the
 * time, only the bake does, so any time gives the same answer. Once it has stopped, a critical or
 * sanity halt counts as critical.
 */
export function worstLevel(dep: Deployment, gate?: GateVerdict): Level | 'none' {
	// The gate's levels alone: the words of a full evaluation are not needed here.
	const metrics = gate?.metrics ?? (ACTIVE.includes(dep.status) ? gateLevels(dep) : undefined);
	if (metrics) {
		// No data is a hold the list must show, even before any sample.
		if (metrics.every(m => m.samples === 0 && m.level !== 'no_data')) return 'none';
		const levels = metrics.map(m => (m.level === 'inconclusive' ? 'ok' : m.level === 'no_data' ? 'warning' : m.level));
		return levels.reduce<Level>((w, l) => (LEVEL_RANK[l] > LEVEL_RANK[w] ? l : w), 'ok');
	}
	if (dep.halt?.trigger === 'critical' || dep.halt?.trigger === 'sanity') return 'critical';
	// Halted because its metrics source kept failing: nothing says the canary is bad, nor that it is well.
	if (dep.halt?.trigger === 'metrics') return 'warning';
	return dep.window.length === 0 ? 'none' : 'ok';
}

/** Whether the list should say the router has not caught up: a live or reverting deployment whose decision is unconfirmed. */
function targetState(dep: Deployment): DeploymentSummary['target'] {
	if (!['running', 'holding', 'awaiting_promotion', 'awaiting_cosign', 'halted', 'rolling_back'].includes(dep.status) || !awaitingTarget(dep)) return undefined;
	return dep.targetError?.generation === dep.desired.generation ? 'failed' : 'applying';
}

export function deploymentSummary(dep: Deployment, gate?: GateVerdict): DeploymentSummary {
	return {
		id: dep.id,
		service: dep.service,
		from: dep.fromVersion,
		to: dep.toVersion,
		status: dep.status,
		percent: dep.percent,
		tierIndex: dep.tierIndex,
		tiers: [...dep.plan.tiers],
		worst: worstLevel(dep, gate),
		...(targetState(dep) ? {target: targetState(dep)} : {}),
		createdAt: dep.createdAt,
		updatedAt: dep.updatedAt,
	};
}
