import {iso, ms} from '../clock.js';
import {formatDuration} from '../duration.js';
import {evaluateGate} from '../gate.js';
import type {Deployment, Lease} from '../model/index.js';
import {awaitingTarget} from '../target.js';
import {haltDeployment} from './canary.js';
import {gateInput, type Ctx} from './context.js';

/**
 * Deadlines: a deployment that stopped moving, and a lease left waiting for its second key, end
 * with an event that says so, instead of waiting for someone to notice.
 */

/** Waiting for people is not being stuck: promotion by an operator, or two keys (their own deadline). */
const WAITS_FOR_PEOPLE: readonly Deployment['status'][] = ['awaiting_promotion', 'awaiting_cosign'];

/** Halts a deployment whose tier has gone its bake plus the plan's deadline without promoting. True if it did. */
export function progressDeadline(ctx: Ctx, dep: Deployment): boolean {
	const deadline = dep.plan.progressDeadlineMs;
	if (deadline === undefined || WAITS_FOR_PEOPLE.includes(dep.status)) return false;
	const stuck = ctx.now - ms(dep.tierStartedAt);
	if (stuck <= dep.plan.bakeMs + deadline) return false;
	const why = awaitingTarget(dep) ? `the ${dep.target} target never confirmed ${dep.desired.percent}%` : evaluateGate(gateInput(dep), ctx.now).summary;
	haltDeployment(ctx, dep, 'deadline', `no progress at ${dep.percent}% for ${formatDuration(stuck)} (bake ${formatDuration(dep.plan.bakeMs)} + deadline ${formatDuration(deadline)}): ${why}`);
	return true;
}

/** When the second key must come by, once the first has signed: the approval deadline, never past the lease's own expiry. */
export const secondKeyBy = (lease: Lease, signedAt: number, deadlineMs: number) => iso(Math.min(ms(lease.expiresAt), signedAt + deadlineMs));

/** Why an unstarted lease is over now, if it is: its TTL, or a second key that did not come in time. */
export function lapse(lease: Lease, now: number): string | undefined {
	if (lease.deploymentId || lease.voidedAt) return undefined;
	if (now >= ms(lease.expiresAt)) return `lease expired at ${lease.expiresAt} without starting: issue a new lease for ${lease.intentId}`;
	if (!lease.activatedAt && lease.secondKeyBy && now >= ms(lease.secondKeyBy)) {
		const first = lease.cosignatures[0];
		return `the second key did not sign by ${lease.secondKeyBy}${first ? ` (${first.role}:${first.keyId} signed at ${first.signedAt})` : ''}: issue a new lease for ${lease.intentId}`;
	}
	return undefined;
}

/** Records, once, each lease that lapsed: an operator sees it in the trail, not only as a status. */
export function lapseLeases(ctx: Ctx): void {
	ctx.base.leases.forEach((base, i) => {
		if (base.lapsedAt) return;
		const why = lapse(base, ctx.now);
		if (!why) return;
		ctx.draft.leases[i]!.lapsedAt = ctx.at;
		ctx.emit('lease.expired', base.id, why, {intentId: base.intentId, signers: base.cosignatures.map(c => `${c.role}:${c.keyId}`)});
	});
}
