import {EngineError, invalid, refused} from '../errors.js';
import type {CommandOf} from './commands.js';
import type {Ctx} from './context.js';
import {halt} from './canary.js';
import {rollbackCommand} from './rollback.js';
import {requireReason, requireText} from './validate.js';

/** More than an operator can have looked at; a script wanting more sends several groups. */
export const MAX_GROUP = 200;

export interface GroupOutcome {
	id: string;
	ok: boolean;
	status?: string;
	code?: string;
	message?: string;
}

/**
 * One reason, several deployments, one commit: each deployment halted (or rolled back) on its own,
 * with its own audit events, each carrying the group's id; a deployment the action cannot apply to
 * (ended, already halted) is reported, not fatal to the others. Nothing at all done is a refusal.
 */
export function groupAction(ctx: Ctx, cmd: CommandOf<'group'>, nonce: string) {
	const reason = requireReason(cmd.reason);
	if (cmd.action !== 'halt' && cmd.action !== 'rollback') throw invalid('INVALID_ACTION', `action: "${String(cmd.action)}" is not one of halt, rollback`);
	const ids = [...new Set(Array.isArray(cmd.ids) ? cmd.ids : [])];
	if (ids.length === 0 || ids.length > MAX_GROUP) throw invalid('INVALID_GROUP', `ids: give 1 to ${MAX_GROUP} deployments (got ${ids.length})`);
	for (const id of ids) requireText('ids', id, 'id');
	const group = `GRP-${nonce.slice(0, 12)}`;
	const outcomes: GroupOutcome[] = ids.map(id => {
		const from = ctx.events.length;
		try {
			const out = cmd.action === 'halt' ? halt(ctx, {type: 'canary.halt', actor: cmd.actor, id, reason}) : rollbackCommand(ctx, {type: 'rollback', actor: cmd.actor, id, reason});
			for (const event of ctx.events.slice(from)) event.data = {...event.data, group};
			return {id, ok: true, status: out.status};
		} catch (error) {
			// Refusals come before a handler changes anything: the draft is as the deployment before left it.
			if (!(error instanceof EngineError)) throw error;
			return {id, ok: false, code: error.code, message: error.message};
		}
	});
	const done = outcomes.filter(o => o.ok).map(o => o.id);
	const refusedOnes = outcomes.filter(o => !o.ok);
	if (done.length === 0) {
		throw refused('GROUP_NOTHING_DONE', `${cmd.action}: none of the ${ids.length} deployments could be acted on`, refusedOnes.map(o => ({code: o.code!, message: o.message!})));
	}
	ctx.emit(`group.${cmd.action}`, group, reason, {action: cmd.action, ids: done, refused: refusedOnes.map(o => ({id: o.id, code: o.code}))});
	return {group, action: cmd.action, outcomes};
}
