import {z} from 'zod';
import {invalid, refused} from '../errors.js';
import {Split, type Deployment} from '../model/index.js';
import {carries, splitChecksum, splitTextProblem} from '../target.js';
import {TEXT_LIMITS, textProblem} from '../text.js';
import {statusWord} from '../view/words.js';
import type {CommandOf} from './commands.js';
import type {Ctx} from './context.js';
import {haltDeployment} from './canary.js';
import {freshWindow} from './metrics.js';
import {completeDeployment} from './complete.js';
import {rollbackOutcome} from './rollback.js';
import {ACTIVE} from './transitions.js';

/**
 * The reconciler's reports. The engine decided a `desired` step; a driver applied it outside the
 * lock and read the router back; these commands record what it found. A report names the
 * generation it is about: one for an older decision, or one already recorded (a second leader
 * finishing the first one's work), is refused and changes nothing, so a crash between an apply and
 * its record costs neither a second decision nor a duplicate event.
 */

/** Statuses whose target the reconciler still drives: everything not ended or failed for good. */
export const RECONCILED: readonly Deployment['status'][] = [...ACTIVE, 'halted', 'rolling_back'];

const Notes = z.array(z.string().refine(n => textProblem(n, TEXT_LIMITS.text) === undefined, 'must be printable text of at most 2000 characters')).max(8);

function reported(ctx: Ctx, id: string, generation: number): Deployment {
	const dep = ctx.deployment(id);
	if (!Number.isInteger(generation) || generation < 1) throw invalid('INVALID_GENERATION', 'generation: must be a whole number from 1');
	if (!RECONCILED.includes(dep.status)) throw refused('NOT_RECONCILED', `${dep.id} is ${statusWord(dep.status)}: its target is no longer driven`);
	if (generation !== dep.desired.generation) {
		throw refused('STALE_REPORT', `${dep.id}: the report is about decision ${generation}, the deployment wants decision ${dep.desired.generation} (${dep.desired.step}) now`);
	}
	return dep;
}

function parsed<T>(schema: z.ZodType<T>, value: unknown, field: string): T {
	const out = schema.safeParse(value);
	if (out.success) return out.data;
	const issue = out.error.issues[0]!;
	throw invalid('INVALID_REPORT', `${[field, ...issue.path.map(String)].join('.')}: ${issue.message}`);
}

/** A split as reported: its shape, and the versions in it held to the rules of untrusted text. */
function reportedSplit(value: unknown, field: string): Split {
	const split = parsed(Split, value, field);
	const problem = splitTextProblem(split);
	if (problem) throw invalid('INVALID_REPORT', `${field}.${problem}`);
	return split;
}

/** The report's own fields, checked like its split: what is stored is what the schema allows. */
const Evidence = z.enum(['router', 'claimed']);
const Attempts = z.number().int().min(0).max(1_000_000);

const shown = (split: Split) => `${Math.round(split.percent * 100) / 100}%`;

export function targetApplied(ctx: Ctx, cmd: CommandOf<'target.applied'>) {
	const dep = reported(ctx, cmd.id, cmd.generation);
	if (dep.observed?.generation === cmd.generation) throw refused('ALREADY_CONFIRMED', `${dep.id}: decision ${cmd.generation} is already confirmed`);
	const split = reportedSplit(cmd.split, 'split');
	const notes = parsed(Notes, cmd.notes ?? [], 'notes');
	const evidence = parsed(Evidence, cmd.evidence, 'evidence');
	const persisted = parsed(z.boolean().optional(), cmd.persisted, 'persisted');
	const sanity = parsed(z.boolean(), cmd.sanity, 'sanity');
	const desired = dep.desired;
	if (desired.step === 'snapshot') {
		rollbackOutcome(ctx, dep, split, undefined, evidence);
		return {id: dep.id, status: dep.status, verified: dep.rollback?.verified ?? false};
	}
	if (!carries(desired, split, {from: dep.fromVersion, to: dep.toVersion})) {
		recordFailure(ctx, dep, {code: 'mismatch', message: `the target reads back ${shown(split)}, not the ${desired.percent}% decided`, attempts: 1});
		return {id: dep.id, status: dep.status, confirmed: false};
	}
	delete dep.targetError;
	dep.observed = {
		generation: desired.generation,
		step: desired.step,
		split,
		evidence,
		...(persisted !== undefined ? {persisted} : {}),
		notes,
		at: ctx.at,
		sanity: sanity && desired.step !== 'final' ? 'pending' : 'none',
	};
	const data = {generation: desired.generation, percent: split.percent, evidence: dep.observed.evidence, checksum: splitChecksum(split), ...(notes.length ? {notes} : {})};
	if (desired.step === 'final') {
		ctx.emit('canary.final_applied', dep.id, `all traffic on ${dep.toVersion}`, data);
		if (ACTIVE.includes(dep.status)) completeDeployment(ctx, dep, `target confirmed all traffic on ${dep.toVersion}`);
		return {id: dep.id, status: dep.status, confirmed: true};
	}
	// The tier's bake time and its samples start now: what came before was the previous split.
	dep.tierStartedAt = ctx.at;
	dep.bake = {accruedMs: 0, watchedAt: ctx.at};
	freshWindow(dep);
	ctx.emit('canary.tier_applied', dep.id, `canary at ${dep.percent}%: confirmed by the ${dep.target} target`, {tier: dep.tierIndex, ...data});
	return {id: dep.id, status: dep.status, confirmed: true};
}

/** A failed apply halts (and rolls back when the plan says so); a failed revert is a failed rollback. */
function recordFailure(ctx: Ctx, dep: Deployment, f: {code: string; message: string; attempts: number}): void {
	const desired = dep.desired;
	dep.targetError = {generation: desired.generation, step: desired.step, code: f.code, message: f.message, attempts: Math.max(1, f.attempts), at: ctx.at};
	ctx.emit('target.failed', dep.id, f.message, {generation: desired.generation, step: desired.step, code: f.code, attempts: f.attempts});
	if (desired.step === 'snapshot') rollbackOutcome(ctx, dep, undefined, f.message);
	else if (ACTIVE.includes(dep.status)) haltDeployment(ctx, dep, 'target', `the target could not apply ${desired.percent}%: ${f.message}`);
}

export function targetFailed(ctx: Ctx, cmd: CommandOf<'target.failed'>) {
	const dep = reported(ctx, cmd.id, cmd.generation);
	if (dep.observed?.generation === cmd.generation && dep.desired.step !== 'snapshot') {
		throw refused('ALREADY_CONFIRMED', `${dep.id}: decision ${cmd.generation} is already confirmed`);
	}
	if (cmd.split !== undefined) reportedSplit(cmd.split, 'split');
	const attempts = parsed(Attempts, cmd.attempts, 'attempts');
	recordFailure(ctx, dep, {code: cmd.code, message: cmd.message, attempts});
	return {id: dep.id, status: dep.status};
}

export function targetSanity(ctx: Ctx, cmd: CommandOf<'target.sanity'>) {
	const dep = reported(ctx, cmd.id, cmd.generation);
	const observed = dep.observed;
	if (observed?.generation !== cmd.generation || observed.sanity !== 'pending') {
		throw refused('NO_SANITY_DUE', `${dep.id}: no sanity check is due for decision ${cmd.generation}`);
	}
	const ok = parsed(z.boolean(), cmd.ok, 'ok');
	observed.sanity = ok ? 'passed' : 'failed';
	dep.sanity.push({percent: dep.percent, ok, output: cmd.output, at: ctx.at});
	if (ok) {
		// The tier bakes from its check on: the time the check took is no gap in anyone's watch.
		if (dep.bake) dep.bake = {accruedMs: dep.bake.accruedMs, watchedAt: ctx.at};
		ctx.emit('canary.sanity_passed', dep.id, cmd.output, {percent: dep.percent});
		return {id: dep.id, status: dep.status, ok};
	}
	ctx.emit('canary.sanity_failed', dep.id, cmd.output, {percent: dep.percent});
	if (ACTIVE.includes(dep.status)) haltDeployment(ctx, dep, 'sanity', cmd.output);
	return {id: dep.id, status: dep.status, ok};
}
