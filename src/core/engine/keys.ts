import {fingerprint, isEd25519PublicKey} from '../lease.js';
import {Role} from '../model/index.js';
import {invalid, notFound, refused} from '../errors.js';
import type {CommandOf} from './commands.js';
import type {Ctx} from './context.js';
import {requireReason, requireName} from './validate.js';

export function registerKey(ctx: Ctx, cmd: CommandOf<'key.register'>) {
	requireName('id', cmd.id);
	if (!Role.safeParse(cmd.role).success) throw invalid('INVALID_ROLE', `role: "${cmd.role}" is not one of human, agent`);
	if (!isEd25519PublicKey(cmd.publicKey)) throw invalid('INVALID_KEY', 'publicKey: not an Ed25519 public key in PEM form');
	if (ctx.base.keys.some(k => k.id === cmd.id)) throw refused('KEY_EXISTS', `key ${cmd.id} is already registered`);
	const fp = fingerprint(cmd.publicKey);
	const twin = ctx.base.keys.find(k => k.fingerprint === fp);
	// One key under two names (or two roles) would let one holder satisfy both halves of the rule.
	if (twin) throw refused('KEY_REUSED', `this public key is already registered as ${twin.id} (${twin.role})`);
	ctx.draft.keys.push({id: cmd.id, role: cmd.role, publicKey: cmd.publicKey, fingerprint: fp, addedAt: ctx.at, addedBy: ctx.actor});
	ctx.emit('key.registered', cmd.id, `${cmd.role} key registered`, {role: cmd.role, fingerprint: fp});
	return {id: cmd.id, role: cmd.role, fingerprint: fp};
}

export function revokeKey(ctx: Ctx, cmd: CommandOf<'key.revoke'>) {
	requireReason(cmd.reason);
	const i = ctx.base.keys.findIndex(k => k.id === cmd.id);
	if (i < 0) throw notFound('key', cmd.id);
	const key = ctx.draft.keys[i]!;
	if (key.revokedAt) throw refused('ALREADY_REVOKED', `key ${cmd.id} was already revoked at ${key.revokedAt}`);
	Object.assign(key, {revokedAt: ctx.at, revokedBy: ctx.actor, revokeReason: cmd.reason});
	ctx.emit('key.revoked', cmd.id, cmd.reason, {role: key.role});
	return {id: cmd.id, revokedAt: ctx.at};
}
