import {deploymentView, displayDeep, leaseView, type DeploymentView, type Intent, type LeaseView, type Role, type State, type Trust} from '../../core/index.js';
import {cosignContent, type DialogContent} from './cosign-content.js';
import type {Dialog} from './dialog.js';
import type {Layout} from './screen.js';
import {tierCosignContent} from './tier-cosign.js';

/** What the open dialog shows of its target(s), from the live state, escaped for the screen. */
export interface DialogData {
	deployment?: DeploymentView;
	lease?: LeaseView;
	intent?: Intent;
	/** A group dialog's deployments by id (those still in the store). */
	group?: ReadonlyMap<string, DeploymentView>;
	/** A scrolled dialog's content: everything a cosign signs, wrapped to the width (cosign-content.ts, tier-cosign.ts). */
	content?: DialogContent;
}

export function dialogData(
	state: State | undefined,
	dialog: Dialog | undefined,
	now: number,
	trust: Trust,
	signer: {role: Role; id: string} | undefined,
	layout: Layout,
	/** The cosign dialog's replay line, once computed (see use-track-record.ts). */
	replayed?: string,
): DialogData {
	if (!state || !dialog) return {};
	const target = dialog.target;
	const view = (id: string) => {
		const dep = state.deployments.find(d => d.id === id);
		return dep && displayDeep(deploymentView(state, dep, now));
	};
	switch (dialog.action) {
		case 'cosign': {
			const content = cosignContent(state, target, now, signer, layout, trust, replayed);
			return content ? {content} : {};
		}
		case 'tierCosign': {
			const content = tierCosignContent(state, target, now, signer, layout);
			return content ? {content} : {};
		}
		case 'group':
			return {group: new Map((dialog.group?.ids ?? []).flatMap(id => (view(id) ? [[id, view(id)!] as const] : [])))};
		case 'start': {
			const lease = state.leases.find(l => l.id === target);
			return lease ? {lease: displayDeep(leaseView(state, lease, now, trust))} : {};
		}
		case 'approve': {
			const intent = state.intents.find(i => i.id === target);
			return intent ? {intent: displayDeep(intent)} : {};
		}
		default: {
			const deployment = view(target);
			return deployment ? {deployment} : {};
		}
	}
}
