import type {State} from '../../core/index.js';
import type {OneDeployment} from '../../store/deployment-read.js';

/**
 * The state held with the detail's deployment as the document now holds it: what an open detail
 * draws from when the list index shows that no other deployment's row changed since the state
 * held, and no command was recorded since (see use-store-state.ts). The engine rewrites every live
 * deployment each second (samples, bake, feeds); off the list the detail shows one of them, and of
 * the others only their rows (the header's counts by status). Undefined when the state held does
 * not have it, or was read at another audit head: the whole state is read then.
 */
export function withDeployment(held: State, one: OneDeployment): State | undefined {
	if (one.auditHead.seq !== held.auditHead.seq || one.auditHead.hash !== held.auditHead.hash) return undefined;
	const at = held.deployments.findIndex(d => d.id === one.deployment.id);
	if (at < 0) return undefined;
	const deployments = held.deployments.slice();
	deployments[at] = one.deployment;
	return {...held, rev: one.rev, deployments};
}
