import type {Deployment, DeploymentStatus} from '../model/index.js';
import {EngineError} from '../errors.js';
import type {Ctx} from './context.js';
import {statusWord} from '../view/words.js';

/** The deployment state machine: every edge that exists. Anything else is refused. */
export const TRANSITIONS: Record<DeploymentStatus, readonly DeploymentStatus[]> = {
	running: ['holding', 'awaiting_promotion', 'awaiting_cosign', 'halted', 'rolling_back', 'completed'],
	holding: ['running', 'awaiting_promotion', 'awaiting_cosign', 'halted', 'rolling_back', 'completed'],
	awaiting_promotion: ['running', 'holding', 'awaiting_cosign', 'halted', 'rolling_back', 'completed'],
	awaiting_cosign: ['running', 'holding', 'halted', 'rolling_back'],
	halted: ['running', 'rolling_back'],
	rolling_back: ['rolled_back', 'rollback_failed'],
	rollback_failed: ['rolling_back'],
	completed: ['rolling_back'],
	rolled_back: [],
};

export const ACTIVE: readonly DeploymentStatus[] = ['running', 'holding', 'awaiting_promotion', 'awaiting_cosign'];
export const ENDED: readonly DeploymentStatus[] = ['completed', 'rolled_back'];

export function assertTransition(dep: Deployment, to: DeploymentStatus): void {
	if (!TRANSITIONS[dep.status].includes(to)) {
		throw new EngineError(
			'refused',
			'ILLEGAL_TRANSITION',
			`${dep.id} is ${statusWord(dep.status)}: it cannot become ${statusWord(to)} (allowed: ${TRANSITIONS[dep.status].map(statusWord).join(', ') || 'none'})`,
		);
	}
}

/** Moves a deployment and records the transition as an event with actor, reason and time. */
export function transition(ctx: Ctx, dep: Deployment, to: DeploymentStatus, reason: string, data: Record<string, unknown> = {}) {
	if (dep.status === to) {
		if (to === 'holding' && dep.hold) dep.hold.reason = reason;
		return;
	}
	assertTransition(dep, to);
	const from = dep.status;
	dep.status = to;
	dep.updatedAt = ctx.at;
	if (to === 'holding') dep.hold = {reason, since: ctx.at};
	else delete dep.hold;
	// The keys were asked to sign this tier's evidence while the gate passed: leaving, for any
	// reason, voids the request (a later one carries the evidence of then).
	const voided = from === 'awaiting_cosign' ? dep.tierCosign?.id : undefined;
	delete dep.tierCosign;
	if (ENDED.includes(to) || to === 'rollback_failed') dep.endedAt = ctx.at;
	ctx.emit(`deployment.${to}`, dep.id, reason, {from, to, tier: dep.tierIndex, percent: dep.percent, ...(voided ? {voided} : {}), ...data});
}
