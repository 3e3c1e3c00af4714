import {isEd25519PublicKey} from '../lease.js';
import type {KeyRecord} from '../model/index.js';
import {keyVerdict, lastDigest} from '../registry.js';
import {SignedStatement, statementDigest, statementProblem, type KeyStatement} from '../trust.js';
import {invalid, notFound, refused} from '../errors.js';
import type {CommandOf} from './commands.js';
import type {Ctx} from './context.js';
import {sameOwner} from '../names.js';

/**
 * The key registry changes only by statements the trust's admins signed; each is kept on the key
 * (so every process re-checks the key against its own trust file) and in the audit trail.
 */
function admitted(ctx: Ctx, raw: unknown, action: KeyStatement['action']): SignedStatement {
	const parsed = SignedStatement.safeParse(raw);
	if (!parsed.success) {
		const issue = parsed.error.issues[0]!;
		// The path inside the statement file ({statement, signatures}), as an admin reads it.
		throw invalid('INVALID_STATEMENT', `${issue.path.join('.')}: ${issue.message}`);
	}
	const signed = parsed.data;
	const s = signed.statement;
	if (s.action !== action) throw invalid('INVALID_STATEMENT', `statement.action: "${s.action}" where ${action} was asked`);
	const untrusted = statementProblem(ctx.trust, signed);
	if (untrusted) throw refused(untrusted.code, untrusted.message);
	return signed;
}

/** An owner holds keys of one role only: one person must not be both the human and the agent. */
function ownerConflict(ctx: Ctx, s: KeyStatement, except?: string): void {
	for (const k of ctx.base.keys) {
		if (k.id === except) continue;
		const v = keyVerdict(ctx.trust, k);
		const owner = v.ok ? v.key.owner : k.owner;
		if (!sameOwner(owner, s.owner) || (v.ok && v.key.revokedAt) || k.revokedAt) continue;
		const role = v.ok ? v.key.role : k.role;
		if (role !== s.role) {
			throw refused('OWNER_HOLDS_OTHER_ROLE', `${s.owner} already holds ${role} key ${k.id}: one owner cannot hold both a human and an agent key`);
		}
	}
}

const eventData = (signed: SignedStatement) => ({
	role: signed.statement.role,
	owner: signed.statement.owner,
	fingerprint: signed.statement.fingerprint,
	admins: signed.signatures.map(s => s.admin),
	statement: signed,
});

export function registerKey(ctx: Ctx, cmd: CommandOf<'key.register'>) {
	const signed = admitted(ctx, cmd.statement, 'register');
	const s = signed.statement;
	if (s.prev !== '') throw invalid('INVALID_STATEMENT', 'statement.prev: a registration follows no statement (must be empty)');
	if (!s.publicKey || !isEd25519PublicKey(s.publicKey)) throw invalid('INVALID_KEY', 'statement.publicKey: not an Ed25519 public key in PEM form');
	const existing = ctx.base.keys.find(k => k.id === s.keyId);
	// A key registered before owners existed is certified in place, if it is the same key.
	const legacy = existing && !existing.statements?.length && existing.fingerprint === s.fingerprint && !existing.revokedAt;
	if (existing && !legacy) throw refused('KEY_EXISTS', `key ${s.keyId} is already registered`);
	const twin = ctx.base.keys.find(k => k.fingerprint === s.fingerprint && k.id !== s.keyId);
	// One key under two names (or two roles) would let one holder satisfy both halves of the rule.
	if (twin) throw refused('KEY_REUSED', `this public key is already registered as ${twin.id} (${twin.role})`);
	ownerConflict(ctx, s, s.keyId);
	const record: KeyRecord = {
		id: s.keyId,
		role: s.role,
		owner: s.owner,
		publicKey: s.publicKey,
		fingerprint: s.fingerprint,
		addedAt: ctx.at,
		addedBy: ctx.actor,
		statements: [signed],
	};
	if (legacy) ctx.draft.keys[ctx.base.keys.indexOf(existing)] = record;
	else ctx.draft.keys.push(record);
	ctx.emit('key.registered', s.keyId, `${s.role} key of ${s.owner} registered`, eventData(signed));
	return {id: s.keyId, role: s.role, owner: s.owner, fingerprint: s.fingerprint};
}

/** A statement about a key already registered: it must follow the key's last statement exactly. */
function amend(ctx: Ctx, signed: SignedStatement): KeyRecord {
	const s = signed.statement;
	const i = ctx.base.keys.findIndex(k => k.id === s.keyId);
	if (i < 0) throw notFound('key', s.keyId);
	const base = ctx.base.keys[i]!;
	const verdict = keyVerdict(ctx.trust, base);
	if (!verdict.ok) throw refused(verdict.reason.code, verdict.reason.message);
	if (verdict.key.revokedAt) throw refused('ALREADY_REVOKED', `key ${s.keyId} was already revoked at ${verdict.key.revokedAt}`);
	if (s.prev !== lastDigest(base)) {
		throw refused('STALE_STATEMENT', `the statement about key ${s.keyId} does not follow its last statement (it was made for an older state, or replayed)`);
	}
	if (s.fingerprint !== base.fingerprint || s.owner !== verdict.key.owner) {
		throw invalid('INVALID_STATEMENT', `statement: names another key or owner than ${s.keyId} (${verdict.key.owner})`);
	}
	const key = ctx.draft.keys[i]!;
	key.statements = [...(base.statements ?? []), signed];
	return key;
}

export function revokeKey(ctx: Ctx, cmd: CommandOf<'key.revoke'>) {
	const signed = admitted(ctx, cmd.statement, 'revoke');
	const s = signed.statement;
	if (!s.reason?.trim()) throw invalid('REASON_REQUIRED', 'statement.reason: a non-empty reason is required');
	const key = amend(ctx, signed);
	if (s.role !== key.role) throw invalid('INVALID_STATEMENT', `statement.role: a revocation keeps the role (${key.role})`);
	Object.assign(key, {revokedAt: s.at, revokedBy: ctx.actor, revokeReason: s.reason});
	ctx.emit('key.revoked', s.keyId, s.reason, eventData(signed));
	return {id: s.keyId, revokedAt: s.at, digest: statementDigest(s)};
}

export function changeKeyRole(ctx: Ctx, cmd: CommandOf<'key.role'>) {
	const signed = admitted(ctx, cmd.statement, 'role');
	const s = signed.statement;
	if (!s.reason?.trim()) throw invalid('REASON_REQUIRED', 'statement.reason: a non-empty reason is required');
	const base = ctx.base.keys.find(k => k.id === s.keyId);
	if (base && base.role === s.role) throw refused('SAME_ROLE', `key ${s.keyId} is already a ${s.role} key`);
	ownerConflict(ctx, s, s.keyId);
	const key = amend(ctx, signed);
	const from = key.role;
	key.role = s.role;
	ctx.emit('key.role_changed', s.keyId, s.reason, {...eventData(signed), from});
	return {id: s.keyId, role: s.role, from};
}
