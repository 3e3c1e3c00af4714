import {createPrivateKey, createPublicKey, generateKeyPairSync, sign, type KeyObject} from 'node:crypto';
import {canonicalJson, sha256} from './canonical.js';
import {ms} from './clock.js';
import type {Reason} from './errors.js';
import type {CanaryPlan, Cosignature, Intent, Lease, Role, ServiceDefinition, State} from './model/index.js';
import {trustedKey, type TrustedKey} from './registry.js';
import {definitionDigest, serviceInForce, serviceRecordOf} from './service.js';
import {fingerprintOf, signatureHolds, type Trust} from './trust.js';
import {sameOwner} from './names.js';

/** What of an intent a lease binds: everything that decides what is deployed, nothing that changes with status. */
export const intentContent = (i: Intent) => ({
	id: i.id,
	service: i.service,
	fromVersion: i.fromVersion,
	toVersion: i.toVersion,
	title: i.title,
	files: i.files,
	lines: i.lines,
	criticality: i.criticality,
	// Only when set: the digests of leases on intents from before retries stay what was signed.
	...(i.retryOf ? {retryOf: i.retryOf} : {}),
});

/**
 * What both keys sign: the intent, the plan, and the service's definition when it has one (the
 * target, its sanity checks, its metric queries and bands), named by its digest. Without a
 * definition the bytes are exactly those of leases issued before definitions existed, so their
 * signatures still verify.
 */
export function leaseDigest(intent: Intent, plan: CanaryPlan, service?: ServiceDefinition): string {
	const content = {intent: intentContent(intent), plan};
	return sha256(canonicalJson(service ? {...content, service: {digest: definitionDigest(service), definition: service}} : content));
}

/**
 * The definition a lease on a service signs now: the one the document holds, trusted or not (a
 * lease under an untrusted one does not verify, see `verifyLease`, but shows what it would sign).
 */
export const definitionFor = (state: Pick<State, 'services'>, service: string): ServiceDefinition | undefined => serviceRecordOf(state, service)?.definition;

/** The digest a lease on `intent` with `plan` must carry for its signatures to hold now. */
export const currentLeaseDigest = (state: Pick<State, 'services'>, intent: Intent, plan: CanaryPlan) => leaseDigest(intent, plan, definitionFor(state, intent.service));

/** Leases still to be signed or started on `service` whose digest the definition now in force no longer matches (a service apply voided them). */
export function leasesVoidedBy(state: State, service: string): Lease[] {
	const intents = new Map(state.intents.map(i => [i.id, i]));
	return state.leases.filter(l => {
		const intent = intents.get(l.intentId);
		if (!intent || intent.service !== service || l.consumedAt || l.voidedAt || l.lapsedAt) return false;
		return currentLeaseDigest(state, intent, l.plan) !== l.digest;
	});
}

/** What changed since the lease was issued, as precisely as the lease's own record of it allows. */
export function contentChanged(state: State, lease: Lease, intent: Intent): string {
	const record = serviceRecordOf(state, intent.service);
	const nowDigest = record ? definitionDigest(record.definition) : undefined;
	// `serviceDigest` is kept on the lease unsigned: it only words the message, the lease digest decides.
	const then = lease.serviceDigest;
	const old = then ? record?.statements.map(s => s.statement.definition).find(d => definitionDigest(d) === then) : undefined;
	const sameIntentAndPlan = (then === undefined || old !== undefined) && leaseDigest(intent, lease.plan, old) === lease.digest;
	if (sameIntentAndPlan && nowDigest !== then) {
		const what = !then ? 'was put in force' : `changed (${then.slice(0, 12)} → ${nowDigest!.slice(0, 12)})`;
		return `the definition of service ${intent.service} ${what} after the lease was issued: signatures are void`;
	}
	return nowDigest || then
		? 'the intent, plan or service definition changed after the lease was issued: signatures are void'
		: 'the intent or plan changed after the lease was issued: signatures are void';
}

/**
 * The exact bytes a cosigner signs. The lease id and nonce make a signature useless on any other
 * lease (Ed25519 is deterministic, so replay protection must come from the payload); the role and
 * key id bind the signature to the role it was given under; the risk acknowledgement is signed too.
 */
export function leasePayload(lease: Lease, digest: string, role: Role, keyId: string): string {
	return canonicalJson({
		v: 1,
		canon: 'jcs',
		kind: 'calyx.lease',
		leaseId: lease.id,
		intentId: lease.intentId,
		digest,
		issuedAt: lease.issuedAt,
		expiresAt: lease.expiresAt,
		nonce: lease.nonce,
		risk: {score: lease.risk.score, level: lease.risk.level, acknowledged: lease.risk.acknowledged},
		role,
		keyId,
	});
}

export const fingerprint = fingerprintOf;

export function generateKeyPair(): {publicKey: string; privateKey: string} {
	const {publicKey, privateKey} = generateKeyPairSync('ed25519');
	return {
		publicKey: publicKey.export({type: 'spki', format: 'pem'}).toString(),
		privateKey: privateKey.export({type: 'pkcs8', format: 'pem'}).toString(),
	};
}

export function isEd25519PublicKey(pem: string): boolean {
	try {
		// createPublicKey also derives the public half from a private key: refuse one, or a private
		// key pasted by mistake would be written into the document.
		if (isPrivateKey(pem)) return false;
		return createPublicKey(pem).asymmetricKeyType === 'ed25519';
	} catch {
		return false;
	}
}

function isPrivateKey(pem: string): boolean {
	try {
		createPrivateKey(pem);
		return true;
	} catch {
		return false;
	}
}

export const signPayload = (payload: string, privateKeyPem: string | KeyObject) =>
	sign(null, Buffer.from(payload), typeof privateKeyPem === 'string' ? createPrivateKey(privateKeyPem) : privateKeyPem).toString(
		'base64',
	);

/** Signs a lease as the holder of `keyId` would; the private key stays with the caller. */
export function cosign(lease: Lease, intent: Intent, role: Role, keyId: string, privateKeyPem: string, service?: ServiceDefinition): string {
	return signPayload(leasePayload(lease, leaseDigest(intent, lease.plan, service), role, keyId), privateKeyPem);
}

export interface LeaseCheck {
	ok: boolean;
	reasons: Reason[];
	/** Cosignatures that verified, one per role at most. */
	valid: Cosignature[];
}

/** A key that may sign as `role`: registered by the trust's admins, not revoked, of that role. */
export function signingKey(state: Pick<State, 'keys'>, trust: Trust, keyId: string, role: Role): {key: TrustedKey} | {problem: Reason} {
	const verdict = trustedKey(trust, state.keys, keyId);
	if (!verdict.ok) return {problem: verdict.reason};
	const key = verdict.key;
	if (key.revokedAt) return {problem: {code: 'REVOKED_KEY', message: `key ${keyId} was revoked at ${key.revokedAt}`}};
	if (key.role !== role) return {problem: {code: 'ROLE_MISMATCH', message: `key ${keyId} is registered as ${key.role}, not ${role}`}};
	return {key};
}

/** Checks one cosignature on its own: key registered by the trust's admins, not revoked, right role, right content. */
export function checkCosignature(state: State, trust: Trust, lease: Lease, digest: string, sig: Cosignature): Reason | undefined {
	const signer = signingKey(state, trust, sig.keyId, sig.role);
	if ('problem' in signer) return signer.problem;
	const {key} = signer;
	if (signatureHolds(leasePayload(lease, digest, sig.role, sig.keyId), sig.signature, key.publicKey)) return undefined;
	const origin = state.leases.find(
		other =>
			other.id !== lease.id &&
			other.cosignatures.some(c => c.signature === sig.signature) &&
			signatureHolds(leasePayload(other, other.digest, sig.role, sig.keyId), sig.signature, key.publicKey),
	);
	if (origin) return {code: 'REPLAYED_SIGNATURE', message: `signature by ${sig.keyId} was made for ${origin.id}, not ${lease.id}`};
	return {code: 'BAD_SIGNATURE', message: `signature by ${sig.keyId} does not match this lease's content`};
}

/**
 * The two-key rule (the seed's CP14). Collects every reason, not just the first, so an operator
 * sees the whole picture. `now` is checked against expiry here and again when the canary starts.
 */
export function verifyLease(state: State, trust: Trust, lease: Lease, now: number): LeaseCheck {
	const reasons: Reason[] = [];
	const intent = state.intents.find(i => i.id === lease.intentId);
	const digest = intent ? currentLeaseDigest(state, intent, lease.plan) : '';
	if (!intent) reasons.push({code: 'UNKNOWN_INTENT', message: `intent ${lease.intentId} does not exist`});
	else {
		// A definition its admins did not sign (edited by hand, a chain broken) must not be run under any lease.
		const service = serviceInForce(state, trust, intent.service);
		if ('problem' in service) reasons.push({code: 'UNTRUSTED_SERVICE', message: service.problem.message});
		if (digest !== lease.digest) reasons.push({code: 'CONTENT_CHANGED', message: contentChanged(state, lease, intent)});
	}
	const valid: Cosignature[] = [];
	const seenKeys = new Set<string>();
	for (const sig of lease.cosignatures) {
		if (seenKeys.has(sig.keyId)) {
			reasons.push({code: 'DUPLICATE_KEY', message: `key ${sig.keyId} signed more than once: two distinct keys are required`});
			continue;
		}
		seenKeys.add(sig.keyId);
		const problem = intent ? checkCosignature(state, trust, lease, digest, sig) : undefined;
		if (problem) reasons.push(problem);
		else if (intent && !valid.some(v => v.role === sig.role)) valid.push(sig);
	}
	const owners = valid.map(v => ownerOf(state, trust, v.keyId));
	if (owners.length === 2 && sameOwner(owners[0], owners[1])) {
		reasons.push({code: 'SAME_OWNER', message: `both keys belong to ${owners[0]}: the two keys must be held by two different owners`});
		valid.pop();
	}
	for (const role of ['human', 'agent'] as const) {
		if (!valid.some(v => v.role === role)) {
			reasons.push({code: `MISSING_${role.toUpperCase()}`, message: `no valid ${role} signature`});
		}
	}
	if (now >= ms(lease.expiresAt)) reasons.push({code: 'EXPIRED', message: `lease expired at ${lease.expiresAt}: issue a new lease for ${lease.intentId}`});
	else if (lease.secondKeyBy && now >= ms(lease.secondKeyBy) && !lease.activatedAt) {
		reasons.push({code: 'APPROVAL_DEADLINE', message: `the second key did not sign by ${lease.secondKeyBy}: issue a new lease for ${lease.intentId}`});
	}
	if (lease.deploymentId) {
		reasons.push({code: 'CONSUMED', message: `lease already started ${lease.deploymentId}: a lease starts one deployment`});
	}
	if (lease.voidedAt) reasons.push({code: 'VOIDED', message: voidedMessage(lease)});
	return {ok: reasons.length === 0, reasons, valid};
}

export const ownerOf = (state: Pick<State, 'keys'>, trust: Trust, keyId: string) => {
	const v = trustedKey(trust, state.keys, keyId);
	return v.ok ? v.key.owner : undefined;
};

export const voidedMessage = (lease: Lease) =>
	`lease was voided at ${lease.voidedAt} by ${lease.voidedBy ?? 'a newer lease'}: one live lease per intent (${lease.intentId})`;

export type LeaseStatus = 'pending' | 'active' | 'expired' | 'consumed' | 'voided';

/** Display status; verification, not this, decides whether a lease may start a canary. */
export function leaseStatus(lease: Lease, now: number): LeaseStatus {
	if (lease.deploymentId) return 'consumed';
	if (lease.voidedAt) return 'voided';
	if (now >= ms(lease.expiresAt) || lease.lapsedAt) return 'expired';
	if (!lease.activatedAt && lease.secondKeyBy && now >= ms(lease.secondKeyBy)) return 'expired';
	return lease.activatedAt ? 'active' : 'pending';
}
