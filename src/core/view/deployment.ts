import {isArchivable} from '../archive.js';
import {ms} from '../clock.js';
import {evaluateGate, type GateVerdict} from '../gate.js';
import type {Deployment, Level, Sample, State} from '../model/index.js';
import {ACTIVE} from '../engine/transitions.js';
import {deploymentSummary} from './summary.js';
import {tierViews, type TierView} from './tiers.js';
import {targetView, targetWords, type TargetView} from './target.js';

/** Everything a screen or a `status` command shows of one deployment, built from state and a time. */
export interface DeploymentView {
	id: string;
	service: string;
	from: string;
	to: string;
	status: Deployment['status'];
	active: boolean;
	percent: number;
	tiers: TierView[];
	tierElapsedMs: number;
	/** The gate's verdict while the canary is live; absent once it has ended or halted. */
	gate?: GateVerdict;
	/** The worst level among the current tier's samples, for a one-glance column. */
	worst: Level | 'none';
	lastSamples: Sample[];
	sampleCount: number;
	hold?: Deployment['hold'];
	halt?: Deployment['halt'];
	/** While awaiting_cosign: the promotion the two keys are asked to sign, and who has. */
	tierCosign?: NonNullable<Deployment['tierCosign']>;
	rollback?: Deployment['rollback'];
	sanity: Deployment['sanity'];
	lease: {id: string; signers: Array<{role: string; keyId: string; signedAt: string}>; expiresAt?: string};
	risk?: {score: number; level: string; acknowledged: boolean; factors: Array<{name: string; points: number; detail: string}>};
	pack: {id: string; snapshotChecksum: string; steps: number; reverseOps: number};
	/** What the deployment wants of its target and what the target confirmed (see target.ts). */
	target: TargetView;
	/** The same in words: `25% · confirmed 3s ago`. */
	targetLine: string;
	createdAt: string;
	updatedAt: string;
	endedAt?: string;
}

export function deploymentView(state: State, dep: Deployment, now: number): DeploymentView {
	const active = ACTIVE.includes(dep.status);
	const gate = active ? evaluateGate(dep, now) : undefined;
	const lease = state.leases.find(l => l.id === dep.leaseId);
	const target = targetView(dep);
	const reverseOps = Object.values(dep.pack.reversePatches).reduce((n, p) => n + p.length, 0);
	// The list's summary, widened: one place decides id, versions, status and the worst level.
	const {tiers, ...summary} = deploymentSummary(dep, gate);
	return {
		...summary,
		active,
		tiers: tierViews({tiers, tierIndex: dep.tierIndex, status: dep.status, ...(summary.target ? {target: summary.target} : {})}),
		tierElapsedMs: Math.max(0, now - ms(dep.tierStartedAt)),
		...(gate ? {gate} : {}),
		lastSamples: dep.window.slice(-5),
		sampleCount: dep.sampleCount,
		...(dep.hold ? {hold: dep.hold} : {}),
		...(dep.halt ? {halt: dep.halt} : {}),
		...(dep.tierCosign ? {tierCosign: dep.tierCosign} : {}),
		...(dep.rollback ? {rollback: dep.rollback} : {}),
		sanity: dep.sanity,
		lease: {
			id: dep.leaseId,
			signers: (lease?.cosignatures ?? []).map(c => ({role: c.role, keyId: c.keyId, signedAt: c.signedAt})),
			...(lease ? {expiresAt: lease.expiresAt} : {}),
		},
		...(lease ? {risk: {score: lease.risk.score, level: lease.risk.level, acknowledged: lease.risk.acknowledged, factors: lease.risk.factors}} : {}),
		pack: {id: dep.pack.id, snapshotChecksum: dep.pack.manifest.snapshotChecksum, steps: dep.pack.manifest.steps.length, reverseOps},
		target,
		targetLine: targetWords(target, now),
		...(dep.endedAt ? {endedAt: dep.endedAt} : {}),
	};
}

/**
 * Counts by status, for headers and `canary list`. Those that ended are counted from the history
 * (the archive's tally), not from the deployments listed: a screen lists only the last of them.
 */
export function statusCounts(state: State): Partial<Record<Deployment['status'], number>> {
	const counts: Partial<Record<Deployment['status'], number>> = {};
	const history = state.history;
	for (const [status, n] of Object.entries(history?.statuses ?? {})) if (n > 0) counts[status as Deployment['status']] = n;
	for (const d of state.deployments) if (!history || !isArchivable(d)) counts[d.status] = (counts[d.status] ?? 0) + 1;
	return counts;
}
