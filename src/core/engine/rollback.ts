import {checksum} from '../canonical.js';
import {refused} from '../errors.js';
import type {Deployment} from '../model/index.js';
import {applyReversePatch, reversePatchFor} from '../rollback-pack.js';
import type {CommandOf} from './commands.js';
import type {Ctx} from './context.js';
import {TRANSITIONS, transition} from './transitions.js';
import {requireReason} from './validate.js';
import {statusWord} from '../view/words.js';

/**
 * Runs the rollback pack through the target, then verifies the target's state against the
 * snapshot's checksum. A mismatch, or a target that refuses, ends in `rollback_failed`: loudly,
 * never reported as rolled back.
 */
export function rollBack(ctx: Ctx, dep: Deployment, trigger: 'manual' | 'automatic', reason: string): void {
	transition(ctx, dep, 'rolling_back', reason, {trigger});
	const {pack} = dep;
	const expected = pack.manifest.snapshotChecksum;
	let step = 'none';
	let error: string | undefined;
	try {
		const current = ctx.target.readState(dep.service);
		const reverse = reversePatchFor(pack, current);
		step = reverse.step;
		if (reverse.patch.length > 0) ctx.target.apply(dep.service, applyReversePatch(current, reverse.patch));
	} catch (e) {
		error = e instanceof Error ? e.message : String(e);
	}
	const actual = checksum(ctx.target.readState(dep.service));
	const verified = error === undefined && actual === expected;
	dep.rollback = {
		trigger,
		reason,
		actor: ctx.actor,
		startedAt: ctx.at,
		endedAt: ctx.at,
		step,
		verified,
		expectedChecksum: expected,
		actualChecksum: actual,
		...(error ? {error} : {}),
	};
	const data = {trigger, step, packId: pack.id, expected, actual};
	if (verified) {
		ctx.emit('rollback.verified', dep.id, `target state matches the snapshot (${expected.slice(0, 12)})`, data);
		transition(ctx, dep, 'rolled_back', reason, data);
		const intent = ctx.intent(dep.intentId);
		intent.status = 'rolled_back';
		ctx.emit('intent.rolled_back', intent.id, reason, {deploymentId: dep.id});
		return;
	}
	const why = error
		? `ROLLBACK FAILED: the target refused the reverse patch (${error})`
		: `ROLLBACK VERIFICATION FAILED: target state ${actual.slice(0, 12)} ≠ snapshot ${expected.slice(0, 12)}`;
	ctx.emit('rollback.failed', dep.id, why, {...data, ...(error ? {error} : {})});
	transition(ctx, dep, 'rollback_failed', why, data);
}

export function rollbackCommand(ctx: Ctx, cmd: CommandOf<'rollback'>) {
	const reason = requireReason(cmd.reason);
	const dep = ctx.deployment(cmd.id);
	if (!TRANSITIONS[dep.status].includes('rolling_back')) {
		throw refused('CANNOT_ROLL_BACK', `${dep.id} is ${statusWord(dep.status)}: nothing to roll back`);
	}
	// Reverting an older deployment would silently undo a newer one that changed the same service since.
	const newer = ctx.base.deployments.find(d => d.service === dep.service && d.id !== dep.id && d.createdAt > dep.createdAt && d.status !== 'rolled_back');
	if (newer) {
		throw refused('SUPERSEDED', `${newer.id} (${statusWord(newer.status)}) changed ${dep.service} after ${dep.id}: roll that back first, or deploy a new intent`);
	}
	rollBack(ctx, dep, 'manual', reason);
	return {id: dep.id, status: dep.status, verified: dep.rollback!.verified, rollback: dep.rollback};
}
