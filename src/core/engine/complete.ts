import type {Deployment} from '../model/index.js';
import type {Ctx} from './context.js';
import {transition} from './transitions.js';

/** The target carries the new version everywhere: the deployment and its intent are done. */
export function completeDeployment(ctx: Ctx, dep: Deployment, reason: string, data: Record<string, unknown> = {}): void {
	transition(ctx, dep, 'completed', reason, data);
	const intent = ctx.intent(dep.intentId);
	intent.status = 'deployed';
	ctx.emit('intent.deployed', intent.id, `${dep.service} runs ${dep.toVersion}`, {deploymentId: dep.id});
}
