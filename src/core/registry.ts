import {createPublicKey} from 'node:crypto';
import type {Reason} from './errors.js';
import type {KeyRecord, Role} from './model/index.js';
import {fingerprintOf, statementDigest, statementProblem, type SignedStatement, type Trust} from './trust.js';

/** A key as its signed statements make it: the only form the two-key rule and approvals trust. */
export interface TrustedKey {
	id: string;
	role: Role;
	owner: string;
	fingerprint: string;
	publicKey: string;
	revokedAt?: string;
	revokeReason?: string;
}

export type KeyVerdict = {ok: true; key: TrustedKey} | {ok: false; reason: Reason};

/**
 * Folds a key's statements in order: a registration first, then role changes, a revocation last
 * and for good; each signed by enough admins and chained to the one before, so none can be
 * dropped, replayed or reordered without breaking the chain. `signedUnder`: the trust each
 * statement is checked under, when not all under `trust` (core/trust-eras.ts).
 */
export function foldStatements(trust: Trust, keyId: string, statements: readonly SignedStatement[], signedUnder?: (signed: SignedStatement) => Trust): KeyVerdict {
	const bad = (message: string, code = 'UNTRUSTED_KEY'): KeyVerdict => ({ok: false, reason: {code, message: `key ${keyId}: ${message}`}});
	if (statements.length === 0) return bad(`no admin statement registers it: not a key (an admin signs one: calyx keys add … --admin-key)`);
	let key: TrustedKey | undefined;
	let prev = '';
	for (const [i, signed] of statements.entries()) {
		const problem = statementProblem(signedUnder?.(signed) ?? trust, signed);
		if (problem) return bad(problem.message);
		const s = signed.statement;
		if (s.keyId !== keyId) return bad(`statement ${i + 1} is about key ${s.keyId}`);
		if (s.prev !== prev) return bad(`statement ${i + 1} (${s.action}) does not follow the one before it`);
		if (key?.revokedAt) return bad(`statement ${i + 1} (${s.action}) comes after its revocation`);
		if (i === 0) {
			if (s.action !== 'register' || !s.publicKey) return bad('its first statement is not a registration');
			if (fingerprintOf(s.publicKey) !== s.fingerprint) return bad('the registered public key does not match its fingerprint');
			key = {id: keyId, role: s.role, owner: s.owner, fingerprint: s.fingerprint, publicKey: s.publicKey};
		} else {
			if (s.action === 'register') return bad(`statement ${i + 1} registers it a second time`);
			if (s.fingerprint !== key!.fingerprint || s.owner !== key!.owner) return bad(`statement ${i + 1} names another key or owner`);
			key!.role = s.role;
			if (s.action === 'revoke') Object.assign(key!, {revokedAt: s.at, revokeReason: s.reason ?? ''});
		}
		prev = statementDigest(s);
	}
	return {ok: true, key: key!};
}

/** The digest the next statement about this key must name as `prev`. */
export const lastDigest = (record: KeyRecord) => {
	const last = record.statements?.at(-1);
	return last ? statementDigest(last.statement) : '';
};

const cache = new WeakMap<KeyRecord, {trust: Trust; verdict: KeyVerdict}>();

/**
 * A record of the document, checked against its statements: the record's own fields (role, owner,
 * key, revocation) must be what the statements say, or someone edited the document by hand.
 * Remembered per record object: the store hands out frozen states that share unchanged records.
 */
export function keyVerdict(trust: Trust, record: KeyRecord): KeyVerdict {
	// Under a trust the store is not bound to, that is the reason, whatever else the record says.
	const foreign = trust.foreign !== undefined && trust.disowned?.keys.get(record.id);
	if (foreign) return {ok: false, reason: {code: 'TRUST_MISMATCH', message: `key ${record.id}: ${foreign}`}};
	const verdict = ownVerdict(trust, record);
	// A record that verifies by itself may still not be the trail's (a revocation cut out of it).
	const drift = verdict.ok ? trust.disowned?.keys.get(record.id) : undefined;
	return drift ? {ok: false, reason: {code: 'KEY_NOT_IN_TRAIL', message: `key ${record.id}: ${drift}`}} : verdict;
}

function ownVerdict(trust: Trust, record: KeyRecord): KeyVerdict {
	const known = cache.get(record);
	if (known && known.trust === trust) return known.verdict;
	const verdict = checkRecord(trust, record);
	if (Object.isFrozen(record)) cache.set(record, {trust, verdict});
	return verdict;
}

function checkRecord(trust: Trust, record: KeyRecord): KeyVerdict {
	const folded = foldStatements(trust, record.id, record.statements ?? []);
	if (!folded.ok) return folded;
	const k = folded.key;
	const differs = [
		record.role !== k.role && 'role',
		record.owner !== k.owner && 'owner',
		record.fingerprint !== k.fingerprint && 'fingerprint',
		!samePublicKey(record.publicKey, k.publicKey) && 'public key',
		(record.revokedAt ?? '') !== (k.revokedAt ?? '') && 'revocation',
	].filter(Boolean);
	if (differs.length > 0) {
		return {ok: false, reason: {code: 'UNTRUSTED_KEY', message: `key ${record.id}: the document's ${differs.join(', ')} differ from its signed statements (edited by hand)`}};
	}
	return folded;
}

function samePublicKey(a: string, b: string): boolean {
	try {
		return a === b || createPublicKey(a).export({type: 'spki', format: 'der'}).equals(createPublicKey(b).export({type: 'spki', format: 'der'}));
	} catch {
		return false;
	}
}

/** The trusted key with this id, or why there is none. */
export function trustedKey(trust: Trust, keys: readonly KeyRecord[], keyId: string): KeyVerdict {
	const record = keys.find(k => k.id === keyId);
	if (!record) return {ok: false, reason: {code: 'UNKNOWN_KEY', message: `key ${keyId} is not registered in this data directory`}};
	return keyVerdict(trust, record);
}
