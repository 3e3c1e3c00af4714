import {standingAfter} from '../archive.js';
import {refused} from '../errors.js';
import type {Deployment, Split} from '../model/index.js';
import {reversePatchFor} from '../rollback-pack.js';
import {splitChecksum} from '../target.js';
import type {CommandOf} from './commands.js';
import type {Ctx} from './context.js';
import {decide} from './decide.js';
import {TRANSITIONS, transition} from './transitions.js';
import {requireReason} from './validate.js';
import {statusWord} from '../view/words.js';

/**
 * Decides a rollback: the target is to carry the snapshot's split again. The reconciler applies it
 * and reads the router back; `rollbackOutcome` then verifies that reading against the snapshot's
 * checksum. Until then the deployment is `rolling_back`: never reported as rolled back on a hope.
 */
export function rollBack(ctx: Ctx, dep: Deployment, trigger: 'manual' | 'automatic', reason: string): void {
	transition(ctx, dep, 'rolling_back', reason, {trigger});
	const {pack} = dep;
	// Which step the target was last seen at: the pack's patch for it is what the revert undoes.
	const seen = dep.observed?.split;
	const step = seen ? reversePatchFor(pack, seen).step : 'none';
	decide(ctx, dep, {step: 'snapshot', percent: pack.snapshot.percent});
	dep.rollback = {trigger, reason, actor: ctx.actor, startedAt: ctx.at, step, verified: false, expectedChecksum: pack.manifest.snapshotChecksum};
}

/**
 * What the target read back after the revert (or why it could not revert): verified against the
 * snapshot, the deployment is rolled back; anything else ends in `rollback_failed`, loudly.
 */
export function rollbackOutcome(ctx: Ctx, dep: Deployment, split: Split | undefined, error?: string, evidence: 'router' | 'claimed' = 'router'): void {
	const record = dep.rollback!;
	const expected = record.expectedChecksum;
	const actual = split ? splitChecksum(split) : undefined;
	const verified = error === undefined && actual === expected;
	Object.assign(record, {endedAt: ctx.at, verified, ...(actual ? {actualChecksum: actual} : {}), ...(error ? {error} : {})});
	const data = {trigger: record.trigger, step: record.step, packId: dep.pack.id, expected, ...(actual ? {actual} : {}), ...(split ? {evidence} : {})};
	if (verified) {
		// As the report said: a hook's claim is recorded as a claim, never as a router's reading.
		dep.observed = {generation: dep.desired.generation, step: 'snapshot', split: split!, evidence, notes: [], at: ctx.at, sanity: 'none'};
		delete dep.targetError;
		ctx.emit('rollback.verified', dep.id, `target state matches the snapshot (${expected.slice(0, 12)})`, data);
		transition(ctx, dep, 'rolled_back', record.reason, data);
		const intent = ctx.intent(dep.intentId);
		intent.status = 'rolled_back';
		ctx.emit('intent.rolled_back', intent.id, record.reason, {deploymentId: dep.id});
		return;
	}
	const why = error
		? `ROLLBACK FAILED: the target refused the revert (${error})`
		: `ROLLBACK VERIFICATION FAILED: target state ${actual!.slice(0, 12)} ≠ snapshot ${expected.slice(0, 12)}`;
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
	const newer = standingAfter(ctx.base, dep);
	if (newer) {
		throw refused('SUPERSEDED', `${newer.id} (${statusWord(newer.status)}) changed ${dep.service} after ${dep.id}: roll that back first, or deploy a new intent`);
	}
	rollBack(ctx, dep, 'manual', reason);
	return {id: dep.id, status: dep.status, verified: dep.rollback!.verified, rollback: dep.rollback};
}
