import fastJsonPatch from 'fast-json-patch';
import {checksum} from './canonical.js';
import type {CanaryPlan, RollbackPack, TargetState} from './model/index.js';
import type {Step, Target} from './target.js';

const {compare, applyPatch, deepClone} = fastJsonPatch;
export type PatchOperation = fastJsonPatch.Operation;

export const stepName = (step: Step) => (step.final ? 'final' : `tier-${step.percent}`);

export function planSteps(plan: CanaryPlan, version: string): Step[] {
	return [...plan.tiers.map(percent => ({version, percent, final: false})), {version, percent: 100, final: true}];
}

/**
 * Made before the first tier: the state before the change, what each step will look like, and
 * for each step the RFC 6902 patch back to the snapshot. `invertible` adds `test` operations, so
 * a patch refuses to apply to a state other than the one it was made for.
 */
export function buildRollbackPack(
	ids: {deploymentId: string; leaseId: string; intentId: string; service: string},
	snapshot: TargetState,
	plan: CanaryPlan,
	toVersion: string,
	target: Target,
	createdAt: string,
): RollbackPack {
	const packId = ids.deploymentId.replace(/^DEP-/, 'RBP-');
	const reversePatches: Record<string, PatchOperation[]> = {};
	const steps = planSteps(plan, toVersion).map(step => {
		const desired = target.desiredState(snapshot, step);
		const patch = compare(desired, snapshot, true);
		reversePatches[stepName(step)] = patch;
		return {step: stepName(step), percent: step.percent, desiredChecksum: checksum(desired), patchChecksum: checksum(patch)};
	});
	return {
		id: packId,
		createdAt,
		snapshot: structuredClone(snapshot),
		manifest: {...ids, packId, snapshotChecksum: checksum(snapshot), steps},
		reversePatches,
	};
}

/**
 * The patch that takes `current` back to the snapshot: the pack's own for the step the target is
 * at, or, when the target drifted from every planned step, one computed now (and said so).
 */
export function reversePatchFor(pack: RollbackPack, current: TargetState): {step: string; patch: PatchOperation[]} {
	const sum = checksum(current);
	if (sum === pack.manifest.snapshotChecksum) return {step: 'snapshot', patch: []};
	const step = pack.manifest.steps.find(s => s.desiredChecksum === sum);
	if (step) return {step: step.step, patch: pack.reversePatches[step.step] as PatchOperation[]};
	return {step: 'drift', patch: compare(current, pack.snapshot, true)};
}

export function applyReversePatch(current: TargetState, patch: PatchOperation[]): TargetState {
	// The patch is read from the engine's draft: its values would reach the target as proxies that
	// are revoked once the command returns (and would share objects with the state). Copy them.
	return applyPatch(structuredClone(current), deepClone(patch), true, false).newDocument;
}
