import {canonicalJson} from '../canonical.js';
import {invalid, refused} from '../errors.js';
import {SignedServiceStatement, type ServiceRecord} from '../model/index.js';
import {definitionDigest, lastServiceDigest, serviceVerdict} from '../service.js';
import {statementDigest, statementProblem} from '../trust.js';
import type {CommandOf} from './commands.js';
import type {Ctx} from './context.js';

/**
 * A service definition changes only by a statement the trust's admins signed, following the
 * service's last one: whoever can write the data directory (a group) cannot make an engine run a
 * command or steer a socket of their choosing. The statement is kept on the record (every process
 * re-checks it against its own trust file) and in the audit trail.
 */
export function applyService(ctx: Ctx, cmd: CommandOf<'service.apply'>) {
	const parsed = SignedServiceStatement.safeParse(cmd.statement);
	if (!parsed.success) {
		const issue = parsed.error.issues[0]!;
		// The path inside the statement file ({statement, signatures}), as an admin reads it.
		throw invalid('INVALID_STATEMENT', `${issue.path.join('.') || 'statement'}: ${issue.message}`);
	}
	const signed = parsed.data;
	const s = signed.statement;
	if (definitionDigest(s.definition) !== s.digest) throw invalid('INVALID_STATEMENT', 'statement.digest: is not the digest of statement.definition');
	const untrusted = statementProblem(ctx.trust, signed);
	if (untrusted) throw refused(untrusted.code, untrusted.message);
	const services = ctx.base.services ?? [];
	const i = services.findIndex(r => r.name === s.name);
	const base = services[i];
	if (base) {
		// A chain that no longer verifies cannot be extended: its history would stand on a hand edit.
		const verdict = serviceVerdict(ctx.trust, base);
		if (!verdict.ok) throw refused(verdict.reason.code, verdict.reason.message);
	}
	const prev = base ? lastServiceDigest(base) : '';
	if (s.prev !== prev) {
		throw refused('STALE_STATEMENT', `the statement about service ${s.name} does not follow its last statement (it was made for an older state, or replayed)`);
	}
	if (base && canonicalJson(base.definition) === canonicalJson(s.definition)) {
		throw refused('SAME_DEFINITION', `service ${s.name} already has this definition (${s.digest.slice(0, 12)})`);
	}
	const record: ServiceRecord = {
		name: s.name,
		definition: s.definition,
		digest: s.digest,
		appliedAt: ctx.at,
		appliedBy: ctx.actor,
		statements: [...(base?.statements ?? []), signed],
	};
	ctx.draft.services ??= [];
	if (base) ctx.draft.services[i] = record;
	else ctx.draft.services.push(record);
	ctx.emit('service.applied', s.name, s.reason, {
		digest: s.digest,
		previous: base?.digest ?? null,
		target: s.definition.target.kind,
		admins: signed.signatures.map(x => x.admin),
		statement: signed,
	});
	return {name: s.name, digest: s.digest, previous: base?.digest ?? null, target: s.definition.target.kind, statement: statementDigest(s)};
}
