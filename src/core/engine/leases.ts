import {ms, iso} from '../clock.js';
import {rollbacksSince, takenIds} from '../archive.js';
import {nextLeaseId} from '../ids.js';
import {checkCosignature, contentChanged, currentLeaseDigest, definitionFor, verifyLease, voidedMessage} from '../lease.js';
import {definitionDigest, serviceInForce} from '../service.js';
import {CanaryPlan, Role, type Intent, type Lease, type State} from '../model/index.js';
import {EngineError, invalid, refused, type Reason} from '../errors.js';
import {riskWithinPolicy, scoreRisk} from '../risk.js';
import {planWithinRisk} from '../risk-plan.js';
import {lapse, secondKeyBy} from './deadlines.js';
import type {CommandOf} from './commands.js';
import type {Ctx} from './context.js';
import {statusWord} from '../view/words.js';
import {driftReason} from '../config-record.js';

const MAX_TTL_MS = 7 * 24 * 3_600_000;

/** Rollbacks of the service within the policy's look-back, for the risk score. */
export function recentRollbacks(state: State, service: string, now: number): number {
	return rollbacksSince(state, service, now - state.config.risk.recentRollbackDays * 86_400_000);
}

export const riskOf = (state: State, intent: Intent, now: number) =>
	scoreRisk(intent, {now, recentRollbacks: recentRollbacks(state, intent.service, now), policy: state.config.risk, ...(state.config.timeZone ? {timeZone: state.config.timeZone} : {})});

function planFrom(ctx: Ctx, overrides: Partial<CanaryPlan> | undefined): CanaryPlan {
	const merged = {...ctx.base.config.plan, ...overrides};
	const parsed = CanaryPlan.safeParse(merged);
	if (!parsed.success) {
		const issue = parsed.error.issues[0]!;
		throw invalid('INVALID_PLAN', `plan.${issue.path.join('.')}: ${issue.message}`);
	}
	return parsed.data;
}

/**
 * One live lease per intent: a new one voids the others not yet started (signed or not), so no
 * forgotten lease with a key already on it can be finished later beside the one in use.
 */
function voidOlderLeases(ctx: Ctx, intentId: string, by: string): void {
	for (const old of ctx.draft.leases) {
		if (old.intentId !== intentId || old.deploymentId || old.voidedAt || ctx.now >= ms(old.expiresAt)) continue;
		old.voidedAt = ctx.at;
		old.voidedBy = by;
		ctx.emit('lease.voided', old.id, `replaced by ${by}: one live lease per intent`, {intentId, by, signers: old.cosignatures.map(c => `${c.role}:${c.keyId}`)});
		const intent = ctx.intent(intentId);
		if (intent.leaseId === old.id && !intent.deploymentId) {
			intent.status = 'approved_pending_human';
			delete intent.leaseId;
		}
	}
}

export function issueLease(ctx: Ctx, cmd: CommandOf<'lease.issue'>, nonce: string) {
	const intent = ctx.intent(cmd.intentId);
	const open = intent.status === 'approved_pending_human' || (intent.status === 'leased' && !intent.deploymentId);
	if (!open) {
		throw refused('INTENT_NOT_APPROVED', `${intent.id} is ${statusWord(intent.status)}: a lease needs an approved intent`);
	}
	// The lease takes its plan, its lifetime and its risk verdict from the configuration: only from one the trail recorded.
	if (ctx.trust.configDrift) throw refused('CONFIG_DRIFT', driftReason(ctx.trust.configDrift, `no lease for ${intent.id}`), ctx.trust.configDrift.differences.map(d => ({code: 'CONFIG_DRIFT', message: `${d.setting}: ${d.problem}`})));
	const ttlMs = cmd.ttlMs ?? ctx.base.config.leaseTtlMs;
	if (!Number.isSafeInteger(ttlMs) || ttlMs < 1000 || ttlMs > MAX_TTL_MS) {
		throw invalid('INVALID_TTL', 'ttl: must be between 1s and 7d');
	}
	const plan = planFrom(ctx, cmd.plan);
	// Nothing to sign under a definition its admins did not sign: say so now, not at the start.
	const service = serviceInForce(ctx.base, ctx.trust, intent.service);
	if ('problem' in service) throw refused('UNTRUSTED_SERVICE', service.problem.message, [service.problem]);
	const definition = definitionFor(ctx.base, intent.service);
	const acknowledged = cmd.ackRisk === true;
	const risk = riskOf(ctx.base, intent, ctx.now);
	const policy = riskWithinPolicy(risk, acknowledged, ctx.base.config.risk);
	if (!policy.ok) throw refused('RISK_OVER_POLICY', policy.reason, [{code: 'RISK_OVER_POLICY', message: policy.reason}]);
	const fit = planWithinRisk(plan, risk, ctx.base.config.risk);
	if (!fit.ok) throw refused('PLAN_TOO_WEAK', fit.reason, fit.shortfalls.map(message => ({code: 'PLAN_TOO_WEAK', message})));
	const lease: Lease = {
		id: nextLeaseId(ctx.now, takenIds(ctx.base, 'lease')),
		intentId: intent.id,
		digest: currentLeaseDigest(ctx.base, intent, plan),
		plan,
		risk: {...risk, acknowledged},
		issuedAt: ctx.at,
		expiresAt: iso(ctx.now + ttlMs),
		nonce,
		issuedBy: ctx.actor,
		cosignatures: [],
		...(definition ? {serviceDigest: definitionDigest(definition)} : {}),
	};
	voidOlderLeases(ctx, intent.id, lease.id);
	ctx.draft.leases.push(lease);
	ctx.emit('lease.issued', lease.id, `lease for ${intent.id}, expires ${lease.expiresAt}`, {
		intentId: intent.id,
		digest: lease.digest,
		...(lease.serviceDigest ? {service: lease.serviceDigest} : {}),
		risk: risk.score,
		acknowledged,
	});
	return lease;
}

function cosignRefusal(ctx: Ctx, lease: Lease, keyId: string, reason: Reason): EngineError {
	const audit = {at: ctx.at, actor: ctx.actor, kind: 'lease.cosign_refused', subject: lease.id, reason: reason.message, data: {code: reason.code, keyId}};
	return refused(reason.code, reason.message, [reason], audit);
}

/** A role and a signature in the form signing gives them: checked before any look-up. */
export function requireSignatureFormat(cmd: {role: unknown; signature: unknown}): void {
	if (!Role.safeParse(cmd.role).success) throw invalid('INVALID_ROLE', `role: "${String(cmd.role)}" is not one of human, agent`);
	if (typeof cmd.signature !== 'string' || !/^[A-Za-z0-9+/]+={0,2}$/.test(cmd.signature)) {
		throw invalid('INVALID_SIGNATURE', 'signature: must be base64');
	}
}

export function cosignLease(ctx: Ctx, cmd: CommandOf<'lease.cosign'>) {
	requireSignatureFormat(cmd);
	const lease = ctx.lease(cmd.leaseId);
	const intent = ctx.base.intents.find(i => i.id === lease.intentId);
	const fail = (code: string, message: string) => cosignRefusal(ctx, lease, cmd.keyId, {code, message});
	if (lease.deploymentId) throw fail('CONSUMED', `lease already started ${lease.deploymentId}`);
	if (lease.voidedAt) throw fail('VOIDED', voidedMessage(lease));
	if (ctx.now >= ms(lease.expiresAt)) throw fail('EXPIRED', `lease expired at ${lease.expiresAt}: issue a new lease for ${lease.intentId}`);
	if (lease.cosignatures.some(c => c.keyId === cmd.keyId)) {
		throw fail('DUPLICATE_KEY', `key ${cmd.keyId} already signed this lease: the second key must be a different one`);
	}
	const sameRole = lease.cosignatures.find(c => c.role === cmd.role);
	if (sameRole) throw fail('ROLE_ALREADY_SIGNED', `the ${cmd.role} signature is already there (by ${sameRole.keyId})`);
	const service = intent ? serviceInForce(ctx.base, ctx.trust, intent.service) : undefined;
	if (service && 'problem' in service) throw fail('UNTRUSTED_SERVICE', service.problem.message);
	const digest = intent ? currentLeaseDigest(ctx.base, intent, lease.plan) : '';
	if (digest !== lease.digest) throw fail('CONTENT_CHANGED', intent ? contentChanged(ctx.base, ctx.base.leases.find(l => l.id === lease.id)!, intent) : 'the intent or plan changed after the lease was issued');
	const sig = {role: cmd.role, keyId: cmd.keyId, signature: cmd.signature, signedAt: ctx.at};
	const problem = checkCosignature(ctx.base, ctx.trust, ctx.base.leases.find(l => l.id === lease.id)!, digest, sig);
	if (problem) throw cosignRefusal(ctx, lease, cmd.keyId, problem);
	if (lease.secondKeyBy && ctx.now >= ms(lease.secondKeyBy)) throw fail('APPROVAL_DEADLINE', lapse(ctx.base.leases.find(l => l.id === lease.id)!, ctx.now)!);
	lease.cosignatures.push(sig);
	if (lease.cosignatures.length === 1) lease.secondKeyBy = secondKeyBy(lease, ctx.now, ctx.base.config.approvalDeadlineMs);
	ctx.emit('lease.cosigned', lease.id, `${cmd.role} signature by ${cmd.keyId}`, {role: cmd.role, keyId: cmd.keyId});
	const check = verifyLease(ctx.draft, ctx.trust, lease, ctx.now);
	if (check.ok && !lease.activatedAt) {
		lease.activatedAt = ctx.at;
		ctx.emit('lease.activated', lease.id, 'both keys signed: the lease verifies', {
			signers: check.valid.map(v => `${v.role}:${v.keyId}`),
		});
		// Only an approved intent becomes leased: a leftover lease must not reopen a deployed or rolled-back change.
		const draftIntent = ctx.intent(lease.intentId);
		if (draftIntent.status === 'approved_pending_human' || (draftIntent.status === 'leased' && !draftIntent.deploymentId)) {
			draftIntent.status = 'leased';
			draftIntent.leaseId = lease.id;
			ctx.emit('intent.leased', draftIntent.id, `leased under ${lease.id}`, {leaseId: lease.id});
		}
	}
	const missing = (['human', 'agent'] as const).filter(r => !check.valid.some(v => v.role === r));
	return {leaseId: lease.id, role: cmd.role, keyId: cmd.keyId, activated: check.ok, missing};
}
