import {ms} from '../clock.js';
import {refused} from '../errors.js';
import {evaluateGate, type GateVerdict} from '../gate.js';
import type {Deployment, TierCosign} from '../model/index.js';
import {tierRequest, tierSignatureProblem} from '../tier-keys.js';
import {statusWord} from '../view/words.js';
import {advance} from './canary.js';
import type {CommandOf} from './commands.js';
import {gateInput, plain, type Ctx} from './context.js';
import {requireSignatureFormat} from './leases.js';
import {transition} from './transitions.js';

/**
 * The gate passed before a keyed tier: the deployment waits in `awaiting_cosign` for two keys over
 * the evidence of now. A request that expired unsigned is renewed with the evidence of then.
 */
export function awaitTierKeys(ctx: Ctx, dep: Deployment, gate: GateVerdict): void {
	const current = dep.tierCosign;
	if (dep.status === 'awaiting_cosign' && current && ctx.now < ms(current.expiresAt)) return;
	const req = tierRequest(plain(dep), gate, ctx.now, ctx.base.config.leaseTtlMs, plain(dep.window));
	if (dep.status === 'awaiting_cosign' && current) {
		ctx.emit('tier.cosign_expired', dep.id, `the request to promote to ${current.to}% (${current.id}) expired unsigned: asked again with the evidence of now`, {request: current.id, renewed: req.id});
	} else {
		transition(ctx, dep, 'awaiting_cosign', `gate passed at ${dep.percent}%: promotion to ${req.to}% needs two keys`);
	}
	dep.tierCosign = req;
	ctx.emit('tier.cosign_requested', dep.id, `two keys asked to approve ${req.from}% → ${req.to}% on: ${req.evidence.summary}`, {request: req.id, from: req.from, to: req.to, evidence: req.evidence, expiresAt: req.expiresAt});
}

function refusal(ctx: Ctx, dep: Deployment, cmd: CommandOf<'tier.cosign'>, code: string, message: string) {
	const audit = {at: ctx.at, actor: ctx.actor, kind: 'tier.cosign_refused', subject: dep.id, reason: message, data: {code, keyId: cmd.keyId, request: cmd.requestId}};
	return refused(code, message, [{code, message}], audit);
}

/**
 * One key's signature on the promotion asked for. The second (distinct key, role and owner)
 * promotes, if the gate still passes; if it no longer does, the request is void and the deployment
 * holds, and the keys will be asked again on the evidence of then.
 */
export function cosignTierCommand(ctx: Ctx, cmd: CommandOf<'tier.cosign'>) {
	requireSignatureFormat(cmd);
	const dep = ctx.deployment(cmd.id);
	const req = dep.tierCosign;
	if (dep.status !== 'awaiting_cosign' || !req) throw refusal(ctx, dep, cmd, 'NOT_AWAITING_COSIGN', `${dep.id} is ${statusWord(dep.status)}: no promotion waits for keys`);
	if (cmd.requestId !== req.id) {
		throw refusal(ctx, dep, cmd, 'STALE_REQUEST', `${dep.id}: the promotion signed (${cmd.requestId}) is no longer the one asked for (${req.id}: ${req.from}% → ${req.to}% on the evidence of ${req.requestedAt}): review it and sign again`);
	}
	const sig = {role: cmd.role, keyId: cmd.keyId, signature: cmd.signature};
	const problem = tierSignatureProblem(ctx.base, ctx.trust, plain(dep), plain(req) as TierCosign, sig, ctx.now);
	if (problem) throw refusal(ctx, dep, cmd, problem.code, problem.message);
	req.cosignatures.push({...sig, signedAt: ctx.at});
	ctx.emit('tier.cosigned', dep.id, `${cmd.role} signature by ${cmd.keyId} for ${req.from}% → ${req.to}%`, {request: req.id, role: cmd.role, keyId: cmd.keyId});
	const signers = req.cosignatures.map(c => `${c.role}:${c.keyId}`);
	if (signers.length < 2) return {id: dep.id, request: req.id, promoted: false, status: dep.status, missing: [cmd.role === 'human' ? 'agent' : 'human']};
	const gate = evaluateGate(gateInput(dep), ctx.now);
	if (gate.verdict !== 'pass') {
		transition(ctx, dep, 'holding', `two keys signed ${req.id}, but the gate no longer passes: ${gate.summary}`);
		return {id: dep.id, request: req.id, promoted: false, status: dep.status, missing: []};
	}
	const from = dep.percent;
	advance(ctx, dep, `two keys approved ${req.from}% → ${req.to}%`, {keys: signers, request: req.id});
	return {id: dep.id, request: req.id, promoted: true, from, to: dep.percent, status: dep.status, missing: []};
}
