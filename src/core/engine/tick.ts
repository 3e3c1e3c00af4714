import {ms} from '../clock.js';
import {evaluateGate, WATCH_GAP_MS} from '../gate.js';
import type {Deployment} from '../model/index.js';
import {awaitingTarget} from '../target.js';
import {formatDuration} from '../duration.js';
import {freshWindow} from './metrics.js';
import {gateInput, type Ctx} from './context.js';
import {advance, settle} from './canary.js';
import {ACTIVE, transition} from './transitions.js';
import {keyedNextTier} from '../tier-keys.js';
import {awaitTierKeys} from './tier-keys.js';
import {lapseLeases, progressDeadline} from './deadlines.js';

export interface TickAction {
	id: string;
	action: 'applying' | 'promoted' | 'completing' | 'awaiting_promotion' | 'awaiting_cosign' | 'holding' | 'waiting' | 'halted';
	percent: number;
	detail: string;
}

/**
 * Bake time accrues only while an engine watches: each tick adds the time since the one before,
 * unless that gap is longer than the watch gap. Then nothing is added, and the window's samples
 * (from before the gap) are dropped: the gate judges only what an engine saw recently.
 */
function accrue(ctx: Ctx, dep: Deployment): void {
	if (!dep.bake) return;
	const gap = ctx.now - ms(dep.bake.watchedAt);
	if (gap >= 0 && gap <= WATCH_GAP_MS) {
		dep.bake = {accruedMs: dep.bake.accruedMs + gap, watchedAt: ctx.at};
		return;
	}
	dep.bake = {accruedMs: dep.bake.accruedMs, watchedAt: ctx.at};
	const dropped = dep.window.length;
	freshWindow(dep);
	ctx.emit('canary.watch_resumed', dep.id, `no engine watched for ${formatDuration(Math.max(0, gap))}: that time adds no bake, and the ${dropped} sample(s) from before it no longer count`, {gapMs: gap, dropped});
}

/**
 * One pass of the engine over every live deployment: accrue bake time, evaluate the gate, promote
 * when it passes. It never calls a target or polls metrics: the engine loop records samples and
 * the target's reports as commands of their own. A tick moves a deployment at most one tier.
 */
export function tick(ctx: Ctx): {actions: TickAction[]} {
	const actions: TickAction[] = [];
	lapseLeases(ctx);
	ctx.base.deployments.forEach((base, i) => {
		if (!ACTIVE.includes(base.status)) return;
		const dep = ctx.draft.deployments[i]!;
		if (progressDeadline(ctx, dep)) {
			actions.push({id: dep.id, action: 'halted', percent: dep.percent, detail: dep.halt!.reason});
			return;
		}
		if (awaitingTarget(base)) {
			actions.push({id: dep.id, action: 'applying', percent: dep.percent, detail: evaluateGate(gateInput(dep), ctx.now).summary});
			return;
		}
		accrue(ctx, dep);
		const gate = evaluateGate(gateInput(dep), ctx.now);
		if (gate.verdict === 'pass' && keyedNextTier(dep)) {
			awaitTierKeys(ctx, dep, gate);
			actions.push({id: dep.id, action: 'awaiting_cosign', percent: dep.percent, detail: `${gate.summary}; promotion to ${dep.tierCosign!.to}% needs two keys`});
			return;
		}
		if (gate.verdict === 'pass' && dep.plan.autoPromote) {
			advance(ctx, dep, `gate passed at ${dep.percent}%`, {auto: true});
			// Past the last tier the decision is the final step: complete once the target confirms it.
			actions.push({id: dep.id, action: dep.desired.step === 'final' ? 'completing' : 'promoted', percent: dep.percent, detail: gate.summary});
			return;
		}
		if (gate.verdict === 'pass') {
			transition(ctx, dep, 'awaiting_promotion', 'gate passed: waiting for an operator to promote');
		} else settle(ctx, dep);
		const action = dep.status === 'awaiting_promotion' ? 'awaiting_promotion' : dep.status === 'holding' ? 'holding' : 'waiting';
		actions.push({id: dep.id, action, percent: dep.percent, detail: gate.summary});
	});
	return {actions};
}
