import {leaseDigest, leasePayload} from './lease.js';
import type {Deployment, ServiceDefinition, State} from './model/index.js';
import {trustedKey} from './registry.js';
import {signatureHolds, type Trust} from './trust.js';

/**
 * The definition a deployment's target is driven by, proven: the copy the deployment holds must be
 * the one both keys of its lease signed (the lease digest over intent, plan and definition, checked
 * against each cosignature with keys the trust's admins registered). A definition edited into the
 * document by someone who can write it signs nothing, so no hook of theirs runs. A key revoked
 * after the start still proves what it signed then: a rollback must not wait on a revocation.
 */
export function signedDefinition(state: State, trust: Trust, dep: Deployment): {definition?: ServiceDefinition} | {problem: string} {
	const lease = state.leases.find(l => l.id === dep.leaseId);
	const intent = lease && state.intents.find(i => i.id === lease.intentId);
	if (!lease || !intent) return {problem: `${dep.id}: its lease ${dep.leaseId} or intent is missing: nothing proves its target's definition`};
	const digest = leaseDigest(intent, lease.plan, dep.definition);
	if (digest !== lease.digest) return {problem: `${dep.id}: its service definition is not the one lease ${lease.id} signed (edited in the document?): nothing of it is run`};
	for (const role of ['human', 'agent'] as const) {
		const holds = lease.cosignatures.some(sig => {
			if (sig.role !== role) return false;
			const key = trustedKey(trust, state.keys, sig.keyId);
			return key.ok && key.key.role === role && signatureHolds(leasePayload(lease, digest, role, sig.keyId), sig.signature, key.key.publicKey);
		});
		if (!holds) return {problem: `${dep.id}: no valid ${role} signature of lease ${lease.id} covers its service definition: nothing of it is run`};
	}
	return dep.definition ? {definition: dep.definition} : {};
}
