import {nextIntentId} from '../ids.js';
import {Criticality} from '../model/index.js';
import {invalid, refused} from '../errors.js';
import type {CommandOf} from './commands.js';
import type {Ctx} from './context.js';
import {requireCount, requireName, requireReason} from './validate.js';
import {statusWord} from '../view/words.js';

export function createIntent(ctx: Ctx, cmd: CommandOf<'intent.create'>) {
	requireName('service', cmd.service);
	if (!cmd.toVersion?.trim()) throw invalid('INVALID_VERSION', 'to: a target version is required');
	const criticality = cmd.criticality ?? 'medium';
	if (!Criticality.safeParse(criticality).success) {
		throw invalid('INVALID_CRITICALITY', `criticality: "${criticality}" is not one of low, medium, high`);
	}
	const given = cmd.fromVersion?.trim();
	// Reading also lets a simulated target learn a service it has not seen, at the given version.
	const running = ctx.target.versionOf(ctx.target.readState(cmd.service, given));
	const from = given || running || 'unknown';
	if (from === cmd.toVersion.trim()) throw invalid('SAME_VERSION', `to: ${cmd.toVersion} is already the from-version`);
	const id = nextIntentId(ctx.now, ctx.base.intents.map(i => i.id));
	const intent = {
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
	};
	ctx.draft.intents.push(intent);
	ctx.emit('intent.created', id, intent.title, {service: intent.service, from, to: intent.toVersion, criticality});
	return intent;
}

export function approveIntent(ctx: Ctx, cmd: CommandOf<'intent.approve'>) {
	// The reason is optional (scripts approve what a review already passed); when given, it is the audit's.
	const reason = cmd.reason === undefined ? 'approved, pending the human and agent keys' : requireReason(cmd.reason);
	const intent = ctx.intent(cmd.id);
	if (intent.status !== 'draft') {
		throw refused('INTENT_NOT_DRAFT', `${intent.id} is ${statusWord(intent.status)}: only a draft intent can be approved`);
	}
	intent.status = 'approved_pending_human';
	Object.assign(intent, {approvedAt: ctx.at, approvedBy: ctx.actor});
	ctx.emit('intent.approved', intent.id, reason, {status: intent.status});
	return {id: intent.id, status: intent.status};
}
