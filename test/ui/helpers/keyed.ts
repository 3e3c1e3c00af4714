import {cosign, cosignTier, type State} from '../../../src/core/index.js';
import {approval} from '../../trust.js';
import {draft} from './leases.js';
import type {Mounted} from './mount.js';

/**
 * A canary whose plan keys its last tier (100%), started and driven by an engine leading elsewhere
 * until it waits in awaiting_cosign at 25%: the lease is signed by bob and ci-bot, so the console's
 * alice can sign the promotion as the human key. Returns the deployment id.
 */
export function keyedCanary(m: Pick<Mounted, 'store' | 'fx' | 'clock'>, service: string): string {
	const {store, fx} = m;
	store.fleet.addService(service, '1.0.0');
	const intent = draft(m, service);
	store.external(approval(store.state, intent, 'human:bob'));
	const plan = {bakeMs: 0, minSamples: 1, tierKeys: [100]};
	const leaseId = store.external<{id: string}>({type: 'lease.issue', actor: 'human:bob', intentId: intent, plan}).result.id;
	for (const k of [fx.keys.human2, fx.keys.agent]) {
		const state: State = store.state;
		const lease = state.leases.find(l => l.id === leaseId)!;
		const signature = cosign(lease, state.intents.find(i => i.id === intent)!, k.role, k.id, k.privateKey);
		store.external({type: 'lease.cosign', actor: `${k.role}:${k.id}`, leaseId, role: k.role, keyId: k.id, signature});
	}
	const id = store.external<{id: string}>({type: 'canary.start', actor: 'human:bob', leaseId, reading: store.readingFor(leaseId)}).result.id;
	for (let i = 0; i < 30 && store.state.deployments.find(d => d.id === id)!.status !== 'awaiting_cosign'; i++) {
		m.clock.advance(1000);
		store.engineCycle();
	}
	const dep = store.state.deployments.find(d => d.id === id)!;
	if (dep.status !== 'awaiting_cosign') throw new Error(`keyed canary: ${id} is ${dep.status} at ${dep.percent}%, not awaiting_cosign`);
	return id;
}

/** The agent key's signature on the request the deployment waits for now, by another process. */
export function agentCosigns(m: Pick<Mounted, 'store' | 'fx'>, id: string) {
	const dep = m.store.state.deployments.find(d => d.id === id)!;
	const req = dep.tierCosign!;
	const k = m.fx.keys.agent;
	return m.store.external<{promoted: boolean}>({type: 'tier.cosign', actor: `agent:${k.id}`, id, requestId: req.id, role: 'agent', keyId: k.id, signature: cosignTier(dep, req, 'agent', k.id, k.privateKey)});
}
