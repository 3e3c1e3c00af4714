import {takenIds} from '../archive.js';
import {nextDeploymentId} from '../ids.js';
import {refused} from '../errors.js';
import {formatDuration} from '../duration.js';
import {evaluateGate, unwatchedMs} from '../gate.js';
import type {Deployment, Halt} from '../model/index.js';
import {runPrechecks} from '../precheck.js';
import {buildRollbackPack} from '../rollback-pack.js';
import {awaitingTarget, stepName, tierStep} from '../target.js';
import {keyedNextTier} from '../tier-keys.js';
import {completeDeployment} from './complete.js';
import {decide} from './decide.js';
import {serviceInForce} from '../service.js';
import {readingOf} from './reading.js';
import type {CommandOf} from './commands.js';
import {gateInput, type Ctx} from './context.js';
import {riskOf} from './leases.js';
import {rollBack} from './rollback.js';
import {ACTIVE, transition} from './transitions.js';
import {requireReason} from './validate.js';
import {freshWindow} from './metrics.js';
import {statusWord} from '../view/words.js';

/** A critical sample or a failed sanity check halts at once, and rolls back when the plan says so. */
export function haltDeployment(ctx: Ctx, dep: Deployment, trigger: Halt['trigger'], reason: string): void {
	transition(ctx, dep, 'halted', reason, {trigger});
	dep.halt = {trigger, reason, actor: ctx.actor, at: ctx.at};
	// A metrics source that stopped answering, or a tier that stopped moving, says nothing bad of the canary: halted, not rolled back.
	if (trigger !== 'manual' && trigger !== 'metrics' && trigger !== 'deadline' && dep.plan.autoRollback) return rollBack(ctx, dep, 'automatic', reason);
	// A halt stops where the target last confirmed: a step decided but not yet applied is taken back,
	// so the router never gets more canary traffic after the operator said stop.
	if (dep.observed?.generation !== dep.desired.generation) {
		const percent = dep.observed ? dep.observed.split.percent : dep.pack.snapshot.percent;
		decide(ctx, dep, {step: dep.observed?.step === 'final' ? 'final' : `tier-${percent}`, percent});
	}
}

/**
 * Decides the next tier, or the final step after the last one. The target applies it; the tier's
 * bake time starts when the target confirms it (`target.applied`), not here.
 */
export function advance(ctx: Ctx, dep: Deployment, reason: string, data: Record<string, unknown> = {}): void {
	const fromPercent = dep.percent;
	const final = dep.tierIndex >= dep.plan.tiers.length - 1;
	if (!final) dep.tierIndex += 1;
	const step = tierStep(dep, final);
	dep.percent = step.percent;
	dep.tierStartedAt = ctx.at;
	// A promotion within `running` is no status change, but it is the deployment changing.
	dep.updatedAt = ctx.at;
	freshWindow(dep);
	delete dep.bake;
	decide(ctx, dep, {step: stepName(step), percent: step.percent});
	transition(ctx, dep, 'running', reason, data);
	ctx.emit('canary.promoted', dep.id, reason, {from: fromPercent, to: dep.percent, tier: dep.tierIndex, ...(final ? {final: true} : {}), ...data});
}

/** Keeps `running`/`holding` honest with the gate between ticks: a hold always shows its reason. */
export function settle(ctx: Ctx, dep: Deployment): void {
	if (!ACTIVE.includes(dep.status)) return;
	const gate = evaluateGate(gateInput(dep), ctx.now);
	if (gate.verdict === 'pass') {
		// A hold must not outlive its cause; promoting stays the tick's (or the operator's) job.
		if (dep.status === 'holding') transition(ctx, dep, 'running', 'window clean again: gate open');
		return;
	}
	const thinAfterBake = gate.bake.leftMs === 0 && gate.metrics.some(m => m.level === 'inconclusive');
	if (gate.warning || gate.noData || thinAfterBake) {
		const reason = gate.reasons.find(r => !r.startsWith('bake:')) ?? gate.summary;
		transition(ctx, dep, 'holding', reason);
	} else if (dep.status !== 'running') {
		transition(ctx, dep, 'running', 'window clean again: baking');
	}
}

export function startCanary(ctx: Ctx, cmd: CommandOf<'canary.start'>) {
	const lease = ctx.lease(cmd.leaseId);
	const intent = ctx.intent(lease.intentId);
	// Without a reading (a lease the caller saw would not start is not worth a call to its target) the
	// pre-checks still run, and the refusal names every reason, the target's included.
	const read = cmd.reading === undefined ? undefined : readingOf(cmd.reading, ctx.now);
	const risk = riskOf(ctx.base, intent, ctx.now);
	const baseLease = ctx.base.leases.find(l => l.id === lease.id)!;
	const {ok, checks} = runPrechecks(ctx.base, baseLease, ctx.base.intents.find(i => i.id === intent.id)!, {reading: read, now: ctx.now, risk, trust: ctx.trust});
	if (!ok) {
		const failed = checks.filter(c => !c.ok);
		const message = `pre-checks failed: ${failed.map(c => `${c.name} (${c.detail})`).join('; ')}`;
		const audit = {at: ctx.at, actor: ctx.actor, kind: 'canary.start_refused', subject: lease.id, reason: message, data: {checks}};
		throw refused('PRECHECK_FAILED', message, failed.map(c => ({code: c.name.toUpperCase().replaceAll(' ', '_'), message: c.detail})), audit);
	}
	// The target checks pass only on a reading.
	const reading = read!;
	// The definition the lease signed (verified above): the deployment keeps it, and its target is driven by it alone.
	const inForce = serviceInForce(ctx.base, ctx.trust, intent.service);
	const definition = 'record' in inForce ? inForce.record.definition : undefined;
	const kind = definition?.target.kind ?? 'simulated';
	if (reading.kind !== kind) throw refused('WRONG_TARGET', `the reading is of a ${reading.kind} target, but ${intent.service} runs on ${kind}: read its own target`);
	const id = nextDeploymentId(ctx.now, takenIds(ctx.base, 'deployment'));
	const ids = {deploymentId: id, leaseId: lease.id, intentId: intent.id, service: intent.service};
	const pack = buildRollbackPack(ids, reading.split, lease.plan, intent.toVersion, reading.kind, ctx.at);
	lease.deploymentId = id;
	lease.consumedAt = ctx.at;
	ctx.emit('lease.consumed', lease.id, `started ${id}`, {deploymentId: id});
	ctx.emit('canary.prechecks_passed', id, checks.map(c => c.detail).join('; '), {checks});
	Object.assign(intent, {status: 'deploying', deploymentId: id, leaseId: lease.id});
	ctx.emit('intent.deploying', intent.id, `deploying as ${id}`, {deploymentId: id});
	ctx.emit('rollback.pack_created', id, `rollback pack ${pack.id}`, {
		packId: pack.id,
		snapshotChecksum: pack.manifest.snapshotChecksum,
		steps: pack.manifest.steps.length,
		readAt: reading.at,
	});
	const first = lease.plan.tiers[0]!;
	const dep: Deployment = {
		id,
		leaseId: lease.id,
		intentId: intent.id,
		service: intent.service,
		fromVersion: intent.fromVersion,
		toVersion: intent.toVersion,
		plan: lease.plan,
		status: 'running',
		tierIndex: 0,
		percent: first,
		tierStartedAt: ctx.at,
		createdAt: ctx.at,
		updatedAt: ctx.at,
		window: [],
		sampleCount: 0,
		sanity: [],
		pack,
		target: reading.kind,
		...(definition ? {definition: structuredClone(definition)} : {}),
		desired: {generation: 1, step: `tier-${first}`, percent: first, at: ctx.at},
	};
	ctx.draft.deployments.push(dep);
	ctx.emit('canary.started', id, `${intent.service} ${intent.fromVersion} → ${intent.toVersion}`, {
		leaseId: lease.id,
		tiers: lease.plan.tiers,
		target: reading.kind,
	});
	return {id, status: dep.status, percent: dep.percent, checks};
}

function activeDeployment(ctx: Ctx, id: string, verb: string): Deployment {
	const dep = ctx.deployment(id);
	if (!ACTIVE.includes(dep.status)) {
		const hint = dep.status !== 'halted' ? '' : verb === 'halt' ? ' (already halted)' : ': resume it first';
		throw refused('NOT_ACTIVE', `${dep.id} is ${statusWord(dep.status)}: cannot ${verb}${hint}`);
	}
	return dep;
}

export function promote(ctx: Ctx, cmd: CommandOf<'canary.promote'>) {
	const dep = activeDeployment(ctx, cmd.id, 'promote');
	// Not even forced: the plan gave this step to two keys, not to one operator.
	const keyed = keyedNextTier(dep);
	if (keyed) throw refused('TIER_KEYS_REQUIRED', `${dep.id}: the plan needs two keys to promote to ${keyed.percent}%: calyx canary cosign ${dep.id} with a human and an agent key`);
	// Not even forced: the next tier would be decided on a split nobody has seen the router carry.
	if (awaitingTarget(dep)) throw refused('TARGET_PENDING', `${dep.id}: the target has not confirmed ${dep.desired.percent}% yet; promote once it has`);
	const gate = evaluateGate(gateInput(dep), ctx.now);
	if (gate.verdict === 'halt') throw refused('GATE_CRITICAL', `${gate.summary}: a critical is never promoted`, []);
	// The tick drops a window no engine watched; a promotion before that tick must not pass on it either.
	const unwatched = unwatchedMs(gateInput(dep), ctx.now);
	const watch = unwatched === undefined ? [] : [`watch: no engine has watched for ${formatDuration(unwatched)}: the window's samples are from before that; wait for the engine's next tick`];
	const holds = [...gate.reasons, ...watch];
	if (holds.length > 0 && !cmd.force) {
		const summary = gate.verdict === 'hold' ? gate.summary : `gate holding: ${watch[0]}`;
		throw refused('GATE_CLOSED', summary, holds.map(message => ({code: 'GATE_HOLD', message})));
	}
	const from = dep.percent;
	if (holds.length > 0) {
		const reason = requireReason(cmd.reason);
		advance(ctx, dep, `forced promotion: ${reason}`, {forced: true, overridden: holds});
	} else {
		advance(ctx, dep, cmd.reason?.trim() || 'promoted by operator: gate passed');
	}
	return {id: dep.id, from, to: dep.percent, status: dep.status, forced: holds.length > 0};
}

export function halt(ctx: Ctx, cmd: CommandOf<'canary.halt'>) {
	const reason = requireReason(cmd.reason);
	const dep = activeDeployment(ctx, cmd.id, 'halt');
	haltDeployment(ctx, dep, 'manual', reason);
	return {id: dep.id, status: dep.status};
}

export function resume(ctx: Ctx, cmd: CommandOf<'canary.resume'>) {
	const reason = requireReason(cmd.reason);
	const dep = ctx.deployment(cmd.id);
	if (dep.status !== 'halted') throw refused('NOT_HALTED', `${dep.id} is ${statusWord(dep.status)}: only a halted deployment resumes`);
	// The tier bakes again from scratch: samples from before the halt prove nothing about now, and a
	// metrics source that failed gets its error budget back.
	freshWindow(dep, {streaks: true});
	dep.tierStartedAt = ctx.at;
	if (dep.bake) dep.bake = {accruedMs: 0, watchedAt: ctx.at};
	delete dep.halt;
	transition(ctx, dep, 'running', reason);
	// The target confirmed the final step while the deployment was halted: all traffic is on the new
	// version already and nothing is left to bake or promote. Resumed, it is done.
	if (dep.desired.step === 'final') {
		if (!awaitingTarget(dep)) completeDeployment(ctx, dep, `resumed: the target already carries all traffic on ${dep.toVersion}`);
		return {id: dep.id, status: dep.status, percent: dep.percent};
	}
	// The halt took back a step the target had not confirmed, or the target refused the decision: the
	// deployment's own step is decided anew (a new generation, so the reconciler works on it again and a
	// late report about the old one is stale). Otherwise the next promotion would skip the tier taken back.
	// A final step taken back resumes at the last tier (always 100 % on the canary): it bakes, and the gate decides the final step again.
	const step = tierStep(dep);
	if (dep.desired.step !== stepName(step) || dep.observed?.generation !== dep.desired.generation) {
		decide(ctx, dep, {step: stepName(step), percent: step.percent});
	}
	return {id: dep.id, status: dep.status, percent: dep.percent};
}
