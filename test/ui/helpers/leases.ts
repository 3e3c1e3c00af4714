import {cosign, type State} from '../../../src/core/index.js';
import {approval} from '../../trust.js';
import type {Mounted} from './mount.js';

/** Another process writes a draft intent (as `calyx intent create` does); returns its id. */
export function draft(m: Pick<Mounted, 'store'>, service: string): string {
	return m.store.external<{id: string}>({type: 'intent.create', actor: 'human:bob', service, fromVersion: '1.0.0', toVersion: '2.0.0'}).result.id;
}

/** A lease on `service`, approved, issued and signed by both keys by other processes. */
export function signedLease(m: Pick<Mounted, 'store' | 'fx'>, service: string): string {
	const intent = draft(m, service);
	m.store.external(approval(m.store.state, intent, 'human:bob'));
	const leaseId = m.store.external<{id: string}>({type: 'lease.issue', actor: 'human:bob', intentId: intent}).result.id;
	for (const k of [m.fx.keys.human2, m.fx.keys.agent]) {
		const state: State = m.store.state;
		const lease = state.leases.find(l => l.id === leaseId)!;
		const signature = cosign(lease, state.intents.find(i => i.id === intent)!, k.role, k.id, k.privateKey);
		m.store.external({type: 'lease.cosign', actor: `${k.role}:${k.id}`, leaseId, role: k.role, keyId: k.id, signature});
	}
	return leaseId;
}
