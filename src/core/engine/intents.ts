import {deployedVersion, takenIds} from '../archive.js';
import {nextIntentId} from '../ids.js';
import {Criticality} from '../model/index.js';
import {invalid, refused} from '../errors.js';
import {approvalPayload, DEFAULT_APPROVAL_REASON, proposalPayload, requestFields, type IntentRequest} from '../approval.js';
import type {Intent} from '../model/index.js';
import {trustedKey, type TrustedKey} from '../registry.js';
import {signatureHolds} from '../trust.js';
import type {CommandOf} from './commands.js';
import type {Ctx} from './context.js';
import {requireCount, requireName, requireReason} from './validate.js';
import {statusWord} from '../view/words.js';
import {sameOwner} from '../names.js';

export function createIntent(ctx: Ctx, cmd: CommandOf<'intent.create'>) {
	requireName('service', cmd.service);
	if (!cmd.toVersion?.trim()) throw invalid('INVALID_VERSION', 'to: a target version is required');
	const criticality = cmd.criticality ?? 'medium';
	if (!Criticality.safeParse(criticality).success) {
		throw invalid('INVALID_CRITICALITY', `criticality: "${criticality}" is not one of low, medium, high`);
	}
	// The engine reads no target: the caller says what runs, or the last completed deployment does.
	const from = cmd.fromVersion?.trim() || lastDeployed(ctx, cmd.service);
	if (!from) throw invalid('FROM_REQUIRED', `from: the version ${cmd.service} runs now is required (no completed deployment of it says)`);
	if (from === cmd.toVersion.trim()) throw invalid('SAME_VERSION', `to: ${cmd.toVersion} is already the from-version`);
	if (cmd.retryOf !== undefined) requireRetryable(ctx, cmd.retryOf, cmd.service);
	const id = nextIntentId(ctx.now, takenIds(ctx.base, 'intent'));
	const intent: Intent = {
		id,
		service: cmd.service,
		fromVersion: from,
		toVersion: cmd.toVersion.trim(),
		title: cmd.title?.trim() || `${cmd.service} ${from} → ${cmd.toVersion.trim()}`,
		files: requireCount('files', cmd.files, 1),
		lines: requireCount('lines', cmd.lines, 10),
		criticality,
		status: 'draft' as const,
		createdAt: ctx.at,
		createdBy: ctx.actor,
		...(cmd.retryOf !== undefined ? {retryOf: cmd.retryOf} : {}),
	};
	// Checked once every field is: a malformed request is told what is wrong with it first.
	const proposer = proposerOf(ctx, cmd);
	if (proposer) intent.proposal = {keyId: proposer.id, owner: proposer.owner};
	ctx.draft.intents.push(intent);
	const signedBy = proposer ? {proposedBy: {keyId: proposer.id, owner: proposer.owner, signature: cmd.signature}} : {};
	ctx.emit('intent.created', id, intent.title, {service: intent.service, from, to: intent.toVersion, criticality, ...(intent.retryOf ? {retryOf: intent.retryOf} : {}), ...signedBy});
	return intent;
}

/** A retry follows a rollback: of an intent of the same service, live or remembered by the history. */
function requireRetryable(ctx: Ctx, retryOf: string, service: string): void {
	const live = ctx.base.intents.find(i => i.id === retryOf);
	const remembered = ctx.base.history?.services[service]?.rollbacks.some(r => r.intentId === retryOf);
	if (live ? live.service === service && live.status === 'rolled_back' : remembered) return;
	throw refused('NOT_RETRYABLE', `retry of: ${retryOf} is not a rolled-back change of ${service} (a retry follows a rollback)`);
}

function lastDeployed(ctx: Ctx, service: string): string | undefined {
	return deployedVersion(ctx.base, service);
}

/** A trusted, unrevoked key, or the refusal that names why not. */
function signer(ctx: Ctx, keyId: string): TrustedKey {
	const verdict = trustedKey(ctx.trust, ctx.base.keys, keyId);
	if (!verdict.ok) throw refused(verdict.reason.code, verdict.reason.message);
	if (verdict.key.revokedAt) throw refused('REVOKED_KEY', `key ${keyId} was revoked at ${verdict.key.revokedAt}`);
	return verdict.key;
}

/**
 * Who proposes: a signed request names a key; under separation of duties an unsigned one is
 * refused, since the approver must be shown to be someone else.
 */
function proposerOf(ctx: Ctx, cmd: CommandOf<'intent.create'>): TrustedKey | undefined {
	if (cmd.keyId === undefined) {
		if (!ctx.trust.separationOfDuties) return undefined;
		throw refused('PROPOSAL_UNSIGNED', 'separation of duties: an intent is proposed with a key (--key or CALYX_KEY), so that its approver can be shown to be someone else');
	}
	const key = signer(ctx, cmd.keyId);
	const request: IntentRequest = requestFields(cmd as IntentRequest);
	if (typeof cmd.signature !== 'string' || !signatureHolds(proposalPayload(request, key.id), cmd.signature, key.publicKey)) {
		throw refused('BAD_SIGNATURE', `the proposal's signature by ${key.id} does not match the request`);
	}
	return key;
}

export function approveIntent(ctx: Ctx, cmd: CommandOf<'intent.approve'>) {
	// The reason is optional (scripts approve what a review already passed); when given, it is the audit's.
	const reason = cmd.reason === undefined ? DEFAULT_APPROVAL_REASON : requireReason(cmd.reason);
	const intent = ctx.intent(cmd.id);
	if (intent.status !== 'draft') {
		throw refused('INTENT_NOT_DRAFT', `${intent.id} is ${statusWord(intent.status)}: only a draft intent can be approved`);
	}
	if (typeof cmd.keyId !== 'string') throw invalid('KEY_REQUIRED', 'key: an approval is signed by a human key (--key or CALYX_KEY)');
	const key = signer(ctx, cmd.keyId);
	if (key.role !== 'human') throw refused('ROLE_MISMATCH', `key ${key.id} is an ${key.role} key: an approval is signed by a human key`);
	const base = ctx.base.intents.find(i => i.id === intent.id)!;
	if (typeof cmd.signature !== 'string' || !signatureHolds(approvalPayload(base, key.id, reason), cmd.signature, key.publicKey)) {
		throw refused('BAD_SIGNATURE', `the approval's signature by ${key.id} does not match ${intent.id} and this reason`);
	}
	if (ctx.trust.separationOfDuties && base.proposal && sameOwner(base.proposal.owner, key.owner)) {
		throw refused('SAME_PERSON', `${key.owner} proposed ${intent.id}: separation of duties needs another person to approve it`);
	}
	intent.status = 'approved_pending_human';
	Object.assign(intent, {approvedAt: ctx.at, approvedBy: key.owner, approval: {keyId: key.id, owner: key.owner, signature: cmd.signature, reason}});
	ctx.emit('intent.approved', intent.id, reason, {status: intent.status, keyId: key.id, owner: key.owner});
	return {id: intent.id, status: intent.status, approvedBy: key.owner};
}
