import {invalid, refused} from '../errors.js';
import {rebindProblem, shortTrustId, trustId, type SignedRebind} from '../trust-binding.js';
import type {Ctx} from './context.js';
import {requireText} from './validate.js';

/**
 * Moves the store's binding from the trust it is bound to on to this process's own: the bound
 * trust's admins signed it (core/trust-binding.ts). Run under the new trust, so that what it
 * writes next is written under the trust it now names.
 */
export function rebindTrust(ctx: Ctx, cmd: {rebind: SignedRebind; reason: string}) {
	const to = trustId(ctx.trust);
	if (ctx.trust.foreign === undefined) {
		if (ctx.trust.unbound) throw refused('NOT_BOUND', 'this store is not bound to a trust yet: its next write binds it to the writer\'s trust');
		throw refused('ALREADY_BOUND', `this store is bound to this process's trust already (${shortTrustId(to)}, ${ctx.trust.source})`);
	}
	if (ctx.trust.admins.length === 0) throw invalid('NO_TRUST', `CALYX_TRUST: this process has no trust file (${ctx.trust.source}) to move the store to`);
	requireText('rebind.statement.reason', cmd.rebind?.statement?.reason ?? '', 'text');
	const problem = rebindProblem(ctx.trust.foreign, cmd.rebind, to);
	if (problem) throw (problem.code === 'INVALID_STATEMENT' ? invalid : refused)(problem.code, problem.message);
	ctx.emit('trust.rebound', 'trust', cmd.reason, {
		rebind: cmd.rebind,
		from: cmd.rebind.statement.from,
		to,
		threshold: ctx.trust.threshold,
		admins: ctx.trust.admins.map(a => ({id: a.id, fingerprint: a.fingerprint})),
		source: ctx.trust.source,
	});
	return {from: cmd.rebind.statement.from, to};
}
