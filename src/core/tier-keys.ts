import {canonicalJson, sha256} from './canonical.js';
import {iso, ms} from './clock.js';
import type {Reason} from './errors.js';
import type {GateVerdict} from './gate.js';
import {ownerOf, signingKey, signPayload} from './lease.js';
import type {Cosignature, Deployment, Role, Sample, State, TierCosign} from './model/index.js';
import {signatureHolds, type Trust} from './trust.js';
import {sameOwner} from './names.js';

/**
 * Per-tier keys: a plan may name tiers that a deployment enters only after two keys (a human's and
 * an agent's, of different owners, as for the lease) sign the promotion. What they sign is the step
 * and the evidence the gate judged at the tier before: its verdict, the samples (by digest) and the
 * bake, so a signature says "I saw these readings at 25% and approve 100%". The request is fixed
 * when the gate passes; it is used once, expires, or is voided when the deployment leaves
 * `awaiting_cosign`.
 */

/** The tier the next promotion enters, when the plan keys it. */
export function keyedNextTier(dep: Pick<Deployment, 'plan' | 'tierIndex'>): {tier: number; percent: number} | undefined {
	const tier = dep.tierIndex + 1;
	const percent = dep.plan.tiers[tier];
	return percent !== undefined && dep.plan.tierKeys?.includes(percent) ? {tier, percent} : undefined;
}

export const samplesDigest = (window: readonly Sample[]) => sha256(canonicalJson(window));

/** The request for the promotion the gate just passed; its id names its content (and so changes with it). */
export function tierRequest(dep: Deployment, gate: GateVerdict, at: number, ttlMs: number, window: readonly Sample[]): TierCosign {
	const next = keyedNextTier(dep)!;
	const body = {
		from: dep.percent,
		to: next.percent,
		tier: next.tier,
		requestedAt: iso(at),
		expiresAt: iso(at + ttlMs),
		evidence: {summary: gate.summary, samples: window.length, samplesDigest: samplesDigest(window), bakedMs: gate.bake.elapsedMs},
	};
	return {id: `TK-${sha256(canonicalJson({deploymentId: dep.id, ...body})).slice(0, 16)}`, ...body, cosignatures: []};
}

/** The exact bytes a tier cosigner signs: bound to the deployment, its lease, the request and the role. */
export function tierPayload(dep: Pick<Deployment, 'id' | 'leaseId'>, req: TierCosign, role: Role, keyId: string): string {
	return canonicalJson({
		v: 1,
		canon: 'jcs',
		kind: 'calyx.tier',
		deploymentId: dep.id,
		leaseId: dep.leaseId,
		request: req.id,
		from: req.from,
		to: req.to,
		tier: req.tier,
		evidence: req.evidence,
		requestedAt: req.requestedAt,
		expiresAt: req.expiresAt,
		role,
		keyId,
	});
}

/** Signs the promotion as the holder of `keyId` would; the private key stays with the caller. */
export const cosignTier = (dep: Pick<Deployment, 'id' | 'leaseId'>, req: TierCosign, role: Role, keyId: string, privateKeyPem: string) =>
	signPayload(tierPayload(dep, req, role, keyId), privateKeyPem);

/**
 * Why a new signature may not join the request (undefined: it may): the same rules as the lease's
 * two keys — a live request, distinct keys, one per role, a trusted unrevoked key of that role,
 * its owner not the other signer's, and a signature over exactly this request.
 */
export function tierSignatureProblem(state: Pick<State, 'keys'>, trust: Trust, dep: Deployment, req: TierCosign, sig: Omit<Cosignature, 'signedAt'>, now: number): Reason | undefined {
	if (now >= ms(req.expiresAt)) return {code: 'EXPIRED', message: `the request to promote to ${req.to}% expired at ${req.expiresAt}: the engine asks again with the evidence of then`};
	if (req.cosignatures.some(c => c.keyId === sig.keyId)) return {code: 'DUPLICATE_KEY', message: `key ${sig.keyId} already signed this promotion: the second key must be a different one`};
	const sameRole = req.cosignatures.find(c => c.role === sig.role);
	if (sameRole) return {code: 'ROLE_ALREADY_SIGNED', message: `the ${sig.role} signature is already there (by ${sameRole.keyId})`};
	const signer = signingKey(state, trust, sig.keyId, sig.role);
	if ('problem' in signer) return signer.problem;
	const other = req.cosignatures[0];
	const owner = signer.key.owner;
	if (other && sameOwner(ownerOf(state, trust, other.keyId), owner)) {
		return {code: 'SAME_OWNER', message: `both keys belong to ${owner}: the two keys must be held by two different owners`};
	}
	if (!signatureHolds(tierPayload(dep, req, sig.role, sig.keyId), sig.signature, signer.key.publicKey)) {
		return {code: 'BAD_SIGNATURE', message: `signature by ${sig.keyId} does not match this promotion (${req.id}: ${req.from}% → ${req.to}% on the evidence shown)`};
	}
	return undefined;
}
