import {lastDigest} from './registry.js';
import {fingerprint, signPayload} from './lease.js';
import type {KeyRecord, Role} from './model/index.js';
import {fingerprintOf, statementPayload, type AnySignedStatement, type AnyStatement, type KeyStatement} from './trust.js';

/** The statements an admin is asked to sign; pure, so the CLI, the demo and the tests build them alike. */

export const registration = (k: {keyId: string; role: Role; owner: string; publicKey: string; at: string}): KeyStatement => ({
	v: 1,
	kind: 'calyx.key',
	action: 'register',
	keyId: k.keyId,
	role: k.role,
	owner: k.owner,
	fingerprint: fingerprint(k.publicKey),
	publicKey: k.publicKey,
	at: k.at,
	prev: '',
});

/** A revocation or a role change of a registered key, chained after its last statement. */
export function amendment(record: KeyRecord, action: 'revoke' | 'role', at: string, reason: string, role: Role = record.role): KeyStatement {
	return {
		v: 1,
		kind: 'calyx.key',
		action,
		keyId: record.id,
		role,
		owner: record.owner ?? '',
		fingerprint: record.fingerprint,
		reason,
		at,
		prev: lastDigest(record),
	};
}

/** A statement with its admin signatures, of either kind (a key's or a service's). */
export type Signed<S extends AnyStatement> = {statement: S; signatures: AnySignedStatement['signatures']};

/** Adds one admin's signature (replacing an older one by the same admin), to a statement of either kind. */
export function addSignature<S extends AnyStatement>(signed: Signed<S>, adminPrivateKey: string, adminPublicKey: string): Signed<S> {
	const admin = fingerprintOf(adminPublicKey);
	const signature = signPayload(statementPayload(signed.statement), adminPrivateKey);
	return {statement: signed.statement, signatures: [...signed.signatures.filter(s => s.admin !== admin), {admin, signature}]};
}

export const signStatement = <S extends AnyStatement>(statement: S, admins: ReadonlyArray<{privateKey: string; publicKey: string}>): Signed<S> =>
	admins.reduce<Signed<S>>((s, a) => addSignature(s, a.privateKey, a.publicKey), {statement, signatures: []});
