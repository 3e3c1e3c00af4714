import {ms} from '../clock.js';
import {intentContent, leaseStatus, verifyLease, type LeaseStatus} from '../lease.js';
import type {Reason} from '../errors.js';
import type {Trust} from '../trust.js';
import type {Intent, Lease, Role, State} from '../model/index.js';
import {serviceSummary, type ServiceSummary} from './service.js';

/**
 * A lease as a cosigner needs to see it before signing: what, how risky, which plan, which digest.
 * The intent carries every field the digest covers (see `intentContent`), and its status; the
 * service, what its definition says (the digest covers it too).
 */
export interface LeaseView {
	id: string;
	status: LeaseStatus;
	intent?: Pick<Intent, 'id' | 'service' | 'fromVersion' | 'toVersion' | 'title' | 'files' | 'lines' | 'criticality' | 'status'>;
	/** The intent's service definition as the lease signs it now (or that it has none: the simulated target). */
	service?: ServiceSummary;
	digest: string;
	plan: Lease['plan'];
	risk: Lease['risk'];
	issuedAt: string;
	expiresAt: string;
	expiresInMs: number;
	signers: Lease['cosignatures'];
	missing: Role[];
	/** With one key on it: when the second must sign by, and how long is left (negative: past). */
	secondKey?: {by: string; leftMs: number};
	/** The two-key rule's verdict right now, with every reason when it does not hold. */
	verified: boolean;
	reasons: Reason[];
	deploymentId?: string;
}

export function leaseView(state: State, lease: Lease, now: number, trust: Trust): LeaseView {
	const intent = state.intents.find(i => i.id === lease.intentId);
	const check = verifyLease(state, trust, lease, now);
	const missing = (['human', 'agent'] as const).filter(r => !lease.cosignatures.some(c => c.role === r));
	return {
		id: lease.id,
		status: leaseStatus(lease, now),
		...(intent ? {intent: {...intentContent(intent), status: intent.status}, service: serviceSummary(state, trust, intent.service)} : {}),
		digest: lease.digest,
		plan: lease.plan,
		risk: lease.risk,
		issuedAt: lease.issuedAt,
		expiresAt: lease.expiresAt,
		expiresInMs: ms(lease.expiresAt) - now,
		signers: lease.cosignatures,
		missing,
		...(lease.secondKeyBy && !lease.activatedAt ? {secondKey: {by: lease.secondKeyBy, leftMs: ms(lease.secondKeyBy) - now}} : {}),
		verified: check.ok,
		reasons: check.reasons,
		...(lease.deploymentId ? {deploymentId: lease.deploymentId} : {}),
	};
}

/** Leases an operator can still take further: waiting for a key, or signed by both and not started. */
export const leasesNotStarted = (state: State, now: number) =>
	state.leases.filter(l => ['pending', 'active'].includes(leaseStatus(l, now)));
