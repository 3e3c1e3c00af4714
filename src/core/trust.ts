import {createPublicKey, verify} from 'node:crypto';
import {z} from 'zod';
import {canonicalJson, sha256} from './canonical.js';
import type {Reason} from './errors.js';
import {SignedStatement, type KeyStatement} from './model/entities.js';
import {SignedServiceStatement, type ServiceStatement} from './model/service.js';
import {NAME_PATTERN, NAME_RULE} from './names.js';
import type {Binding} from './trust-binding.js';

export {KeyStatement, SignedStatement, AdminSignature} from './model/entities.js';

/** Whatever the trust's admins sign: a step of a key's life, or a service's definition. */
export type AnyStatement = KeyStatement | ServiceStatement;
/** Either kind with its admin signatures; `statement.kind` tells them apart. */
export type AnySignedStatement = {statement: AnyStatement; signatures: SignedStatement['signatures']};

/**
 * The authority over keys (and service definitions), kept outside the data directory: the admin
 * keys whose statements make a key a key, and how many of them must agree. Whoever can write the
 * data directory cannot forge a statement; whoever can write the trust file is an admin, which is
 * why it lives in /etc.
 */
const Name = z.string().regex(NAME_PATTERN, NAME_RULE);

export const TrustFile = z
	.object({
		v: z.literal(1),
		kind: z.literal('calyx.trust'),
		/** A trust made for the demo: every screen that shows it says "demo trust: not for production". */
		demo: z.boolean().default(false),
		threshold: z.number().int().min(1).max(16),
		admins: z.array(z.object({id: Name, publicKey: z.string().min(1).max(4096)}).strict()).min(1).max(64),
		/** An intent is approved by someone other than its proposer (a different owner). */
		separationOfDuties: z.boolean().default(true),
	})
	.strict()
	.refine(t => t.threshold <= t.admins.length, {message: 'threshold is larger than the number of admins', path: ['threshold']});
export type TrustFile = z.infer<typeof TrustFile>;

export interface Admin {
	id: string;
	fingerprint: string;
	publicKey: string;
}

/** A trust file as the engine uses it: admins by fingerprint, and where it came from. */
export interface Trust {
	threshold: number;
	admins: Admin[];
	demo: boolean;
	separationOfDuties: boolean;
	/** Where it was read from, for messages ("none" when no trust file exists yet). */
	source: string;
	/** Keys and services whose records are not as the audit trail registered them (see ledger.ts). */
	disowned?: Disowned;
	/** The store's binding, when it is to another trust than this one: this process writes nothing (core/trust-binding.ts). */
	foreign?: Binding;
	/** The store is bound to no trust yet: the next write binds it to this one. */
	unbound?: boolean;
	/** Settings of the document's configuration that are not as the trail last recorded them (core/config-record.ts): nothing is leased or started on them. */
	configDrift?: ConfigDrift;
}

export interface ConfigDrift {
	/** The audit seq of the trail's last record of the configuration, and its digests (core/config-record.ts). */
	recorded: number;
	settings: Readonly<Record<string, string>>;
	differences: ReadonlyArray<{setting: string; problem: string}>;
}

/** By key id and by service name: why each is not trusted, whatever its record says. */
export interface Disowned {
	keys: ReadonlyMap<string, string>;
	services: ReadonlyMap<string, string>;
}

export const fingerprintOf = (publicKeyPem: string) => sha256(createPublicKey(publicKeyPem).export({type: 'spki', format: 'der'}));

/** A trust file checked: keys parse as Ed25519, no admin twice. Throws a message naming the field. */
export function trustFrom(file: TrustFile, source: string): Trust {
	const admins: Admin[] = file.admins.map((a, i) => {
		let fingerprint: string;
		try {
			if (createPublicKey(a.publicKey).asymmetricKeyType !== 'ed25519') throw new Error('not Ed25519');
			fingerprint = fingerprintOf(a.publicKey);
		} catch {
			throw new Error(`admins.${i}.publicKey: not an Ed25519 public key in PEM form`);
		}
		return {id: a.id, fingerprint, publicKey: a.publicKey};
	});
	if (new Set(admins.map(a => a.fingerprint)).size !== admins.length) throw new Error('admins: the same key is listed twice');
	return {threshold: file.threshold, admins, demo: file.demo, separationOfDuties: file.separationOfDuties, source};
}

/** No trust file: nothing is signed by an admin, so no key verifies. */
export const noTrust = (source: string, demo = false): Trust => ({threshold: 1, admins: [], demo, separationOfDuties: true, source});

export const trustLabel = (t: Trust) => (t.demo ? 'demo trust: not for production' : `trust ${t.source} (${t.threshold} of ${t.admins.length} admins)`);

export const statementPayload = (s: AnyStatement) => canonicalJson(s);
export const statementDigest = (s: AnyStatement) => sha256(statementPayload(s));

const verdicts = new Map<string, boolean>();

/** Ed25519 over exact bytes; verdicts remembered (views check the same statements every frame). */
export function signatureHolds(payload: string, signature: string, publicKeyPem: string): boolean {
	const key = `${publicKeyPem}\n${signature}\n${payload}`;
	const known = verdicts.get(key);
	if (known !== undefined) return known;
	let valid: boolean;
	try {
		valid = verify(null, Buffer.from(payload), createPublicKey(publicKeyPem), Buffer.from(signature, 'base64'));
	} catch {
		valid = false;
	}
	if (verdicts.size >= 1024) verdicts.delete(verdicts.keys().next().value!);
	verdicts.set(key, valid);
	return valid;
}

/** The admins (of this trust) whose signatures on the statement hold. */
export function signingAdmins(trust: Trust, signed: AnySignedStatement): Admin[] {
	const payload = statementPayload(signed.statement);
	const found = new Map<string, Admin>();
	for (const sig of signed.signatures) {
		const admin = trust.admins.find(a => a.fingerprint === sig.admin);
		if (admin && !found.has(admin.fingerprint) && signatureHolds(payload, sig.signature, admin.publicKey)) found.set(admin.fingerprint, admin);
	}
	return [...found.values()];
}

/** What a statement does, in a message: "register of key alice", "definition of service checkout". */
export const statementSubject = (s: AnyStatement) => (s.kind === 'calyx.service' ? `definition of service ${s.name}` : `${s.action} of key ${s.keyId}`);

/** Does the statement (of either kind) carry enough admin signatures of this trust? */
export function statementProblem(trust: Trust, signed: AnySignedStatement): Reason | undefined {
	const parsed = (signed?.statement?.kind === 'calyx.service' ? SignedServiceStatement : SignedStatement).safeParse(signed);
	if (!parsed.success) {
		const issue = parsed.error.issues[0]!;
		return {code: 'INVALID_STATEMENT', message: `${issue.path.join('.')}: ${issue.message}`};
	}
	const valid = signingAdmins(trust, signed).length;
	if (valid >= trust.threshold) return undefined;
	const what = statementSubject(signed.statement);
	if (trust.admins.length === 0) return {code: 'UNTRUSTED_STATEMENT', message: `${what}: no trust file (${trust.source}); make one with calyx trust init`};
	return {code: 'UNTRUSTED_STATEMENT', message: `${what} carries ${valid} valid admin signature(s) of ${trust.source}; ${trust.threshold} needed`};
}
