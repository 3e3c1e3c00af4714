import fastJsonPatch from 'fast-json-patch';
import {checksum} from './canonical.js';
import type {CanaryPlan, RollbackPack, Split, TargetKind} from './model/index.js';
import {splitChecksum, stepName, type Step} from './target.js';

const {compare, applyPatch, deepClone} = fastJsonPatch;
export type PatchOperation = fastJsonPatch.Operation;

export function planSteps(plan: CanaryPlan, version: string): Step[] {
	return [...plan.tiers.map(percent => ({version, percent, final: false})), {version, percent: 100, final: true}];
}

/**
 * The split a step should leave on the target, from the snapshot: the canary's share as weights
 * p and 100 − p (what the HAProxy driver sets), with versions where the snapshot has them. The
 * simulator promotes at the final step (the new version becomes the stable side); a router keeps
 * all traffic on the canary side.
 */
export function stepSplit(kind: TargetKind, snapshot: Split, step: Step): Split {
	const withVersion = (side: Split['stable'], version: string | undefined) => (version === undefined ? side : {...side, version});
	const versioned = snapshot.stable.version !== undefined;
	if (step.final && kind === 'simulated') return {percent: 0, stable: withVersion({weight: 100}, step.version), canary: {weight: 0}};
	return {
		percent: step.percent,
		stable: withVersion({weight: 100 - step.percent}, snapshot.stable.version),
		canary: withVersion({weight: step.percent}, versioned ? step.version : undefined),
	};
}

/**
 * Made before the first tier: the split before the change (read from the target by the caller of
 * `canary start`), what each step will look like, and for each step the RFC 6902 patch back to the
 * snapshot. `invertible` adds `test` operations, so a patch refuses to apply to a state other than
 * the one it was made for. A rollback asks the target for the snapshot's split and is verified by
 * reading the target back against `snapshotChecksum`.
 */
export function buildRollbackPack(
	ids: {deploymentId: string; leaseId: string; intentId: string; service: string},
	snapshot: Split,
	plan: CanaryPlan,
	toVersion: string,
	kind: TargetKind,
	createdAt: string,
): RollbackPack {
	const packId = ids.deploymentId.replace(/^DEP-/, 'RBP-');
	const reversePatches: Record<string, PatchOperation[]> = {};
	const steps = planSteps(plan, toVersion).map(step => {
		const desired = stepSplit(kind, snapshot, step);
		const patch = compare(desired, snapshot, true);
		reversePatches[stepName(step)] = patch;
		return {step: stepName(step), percent: step.percent, desiredChecksum: splitChecksum(desired), patchChecksum: checksum(patch)};
	});
	return {
		id: packId,
		createdAt,
		snapshot: structuredClone(snapshot),
		manifest: {...ids, packId, snapshotChecksum: splitChecksum(snapshot), steps},
		reversePatches,
	};
}

/**
 * Which of the pack's steps a split is at: `snapshot`, a planned step, or `drift` when it matches
 * none (then the patch back is computed now, and said so).
 */
export function reversePatchFor(pack: RollbackPack, current: Split): {step: string; patch: PatchOperation[]} {
	const sum = splitChecksum(current);
	if (sum === pack.manifest.snapshotChecksum) return {step: 'snapshot', patch: []};
	const step = pack.manifest.steps.find(s => s.desiredChecksum === sum);
	if (step) return {step: step.step, patch: pack.reversePatches[step.step] as PatchOperation[]};
	return {step: 'drift', patch: compare(current, pack.snapshot, true)};
}

export function applyReversePatch<T extends object>(current: T, patch: PatchOperation[]): T {
	// The patch is read from the engine's draft: its values would be proxies that are revoked once
	// the command returns (and would share objects with the state). Copy them.
	return applyPatch(structuredClone(current), deepClone(patch), true, false).newDocument;
}
