import {buildRollbackPack, stepSplit} from '../core/rollback-pack.js';
import {splitOfFleet} from '../core/sim/sim-fleet.js';
import {FleetState} from '../core/sim/world.js';
import type {CanaryPlan} from '../core/model/index.js';

type Doc = Record<string, unknown>;

const LIVE = new Set(['running', 'holding', 'awaiting_promotion', 'halted']);

/**
 * A version-1 deployment in version-2 terms. Version 1 applied every step inside the command, on
 * the simulator, so what it decided was applied (but for a rollback that failed its verification);
 * its pack's snapshot is a simulated fleet, rebuilt here as a split. A live deployment gets no
 * `observed`: the reconciler reads the target and applies the recorded step again (level-triggered),
 * and the tier's bake starts over once it confirms. An unexpected shape is left as it is, for
 * validation to name.
 */
export function deploymentToV2(dep: Doc): Doc {
	const pack = dep.pack as Doc | undefined;
	const fleet = FleetState.safeParse(pack?.snapshot);
	const manifest = pack?.manifest as Doc | undefined;
	if (!pack || !fleet.success || !manifest || typeof dep.percent !== 'number' || typeof dep.updatedAt !== 'string') return dep;
	const rebuilt = buildRollbackPack(
		{deploymentId: String(manifest.deploymentId), leaseId: String(manifest.leaseId), intentId: String(manifest.intentId), service: String(manifest.service)},
		splitOfFleet(fleet.data),
		dep.plan as CanaryPlan,
		String(dep.toVersion),
		'simulated',
		String(pack.createdAt),
	);
	const status = String(dep.status);
	const step = status === 'completed' ? 'final' : status === 'rolled_back' || status === 'rollback_failed' ? 'snapshot' : `tier-${dep.percent}`;
	const desired = {generation: 1, step, percent: step === 'snapshot' ? 0 : dep.percent, at: dep.updatedAt};
	// What the target was left carrying: a completed deployment's fleet runs the new version (the
	// pack's snapshot is from before the first tier); a verified rollback's is the snapshot again. A
	// failed rollback left it unknown: no confirmation is made up for it.
	const snapshot = splitOfFleet(fleet.data);
	const split = status === 'completed' ? stepSplit('simulated', snapshot, {version: String(dep.toVersion), percent: 100, final: true}) : snapshot;
	const confirmed = !LIVE.has(status) && status !== 'rollback_failed';
	const observed = confirmed ? {observed: {generation: 1, step, split, evidence: 'router', notes: [], at: dep.updatedAt, sanity: 'none'}} : {};
	return {...dep, pack: rebuilt, target: 'simulated', desired, ...observed};
}
