import type {Deployment, Intent, Lease} from '../model/index.js';

/** One deployment of a service as `calyx history` shows it: how it ended, how far it got, who signed, why it stopped. */
export interface HistoryRow {
	id: string;
	from: string;
	to: string;
	status: Deployment['status'];
	/** The highest share of traffic it reached. */
	reached: number;
	tiers: number[];
	signers: string[];
	halt?: {trigger: string; reason: string};
	rollback?: {trigger: string; reason: string; verified: boolean};
	retryOf?: string;
	createdAt: string;
	endedAt?: string;
}

export function historyRow(dep: Deployment, lease: Lease | undefined, intent: Intent | undefined): HistoryRow {
	const reached = dep.status === 'completed' ? 100 : Math.max(dep.percent, dep.plan.tiers[Math.min(dep.tierIndex, dep.plan.tiers.length - 1)] ?? 0);
	return {
		id: dep.id,
		from: dep.fromVersion,
		to: dep.toVersion,
		status: dep.status,
		reached,
		tiers: dep.plan.tiers,
		signers: (lease?.cosignatures ?? []).map(c => `${c.role}:${c.keyId}`),
		...(dep.halt ? {halt: {trigger: dep.halt.trigger, reason: dep.halt.reason}} : {}),
		...(dep.rollback ? {rollback: {trigger: dep.rollback.trigger, reason: dep.rollback.reason, verified: dep.rollback.verified}} : {}),
		...(intent?.retryOf ? {retryOf: intent.retryOf} : {}),
		createdAt: dep.createdAt,
		...(dep.endedAt ? {endedAt: dep.endedAt} : {}),
	};
}
