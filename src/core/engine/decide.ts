import type {Deployment} from '../model/index.js';
import type {Ctx} from './context.js';

/**
 * The one way the engine changes what a deployment's target should carry: a new decision with the
 * next generation. Nothing is applied here; the reconciler sees `desired` differ from `observed`.
 */
export function decide(ctx: Ctx, dep: Deployment, want: {step: string; percent: number}): void {
	dep.desired = {generation: dep.desired.generation + 1, step: want.step, percent: want.percent, at: ctx.at};
}
