import {evaluateGate} from '../gate.js';
import type {Ctx} from './context.js';
import {advance, settle} from './canary.js';
import {recordSample, parseSample} from './metrics.js';
import {ACTIVE, transition} from './transitions.js';

export interface TickAction {
	id: string;
	action: 'sampled' | 'promoted' | 'completed' | 'awaiting_promotion' | 'holding' | 'halted' | 'rolled_back' | 'rollback_failed' | 'waiting';
	percent: number;
	detail: string;
}

/**
 * One pass of the engine over every live deployment: poll the target's metrics, evaluate the
 * gate, promote when it passes. A tick moves a deployment at most one tier.
 */
export function tick(ctx: Ctx): {actions: TickAction[]} {
	const actions: TickAction[] = [];
	ctx.base.deployments.forEach((base, i) => {
		if (!ACTIVE.includes(base.status)) return;
		const dep = ctx.draft.deployments[i]!;
		const polled = ctx.target.pollMetrics(dep.service, ctx.now);
		if (polled) {
			const outcome = recordSample(ctx, dep, parseSample(polled, ctx.at));
			if (!ACTIVE.includes(dep.status)) {
				actions.push({id: dep.id, action: outcome.action as TickAction['action'], percent: dep.percent, detail: outcome.evaluation.reasons.join('; ')});
				return;
			}
		}
		const gate = evaluateGate(dep, ctx.now);
		if (gate.verdict === 'pass' && dep.plan.autoPromote) {
			const from = dep.percent;
			advance(ctx, dep, `gate passed at ${from}%`, {auto: true});
			const done = dep.status === 'completed';
			actions.push({id: dep.id, action: done ? 'completed' : dep.status === 'running' ? 'promoted' : (dep.status as TickAction['action']), percent: dep.percent, detail: gate.summary});
			return;
		}
		if (gate.verdict === 'pass') {
			transition(ctx, dep, 'awaiting_promotion', 'gate passed: waiting for an operator to promote');
		} else settle(ctx, dep);
		const action = dep.status === 'awaiting_promotion' ? 'awaiting_promotion' : dep.status === 'holding' ? 'holding' : polled ? 'sampled' : 'waiting';
		actions.push({id: dep.id, action, percent: dep.percent, detail: gate.summary});
	});
	return {actions};
}
