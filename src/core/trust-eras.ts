import {emptyLedger, ledgerStep} from './ledger.js';
import type {KeyEvent} from './registry-chain.js';
import {statementDigest, TrustFile, trustFrom, type AnyStatement, type Trust} from './trust.js';
import {trustId, type Binding, type SignedRebind} from './trust-binding.js';

/**
 * Which trust signed what, over a trail: a statement committed before a rebind was signed under the
 * trust that rebind moved from (its file is in the rebind, checked by id when it was recorded and
 * again as the trail is folded), one after the last rebind under the trust the store is bound to
 * now. `audit verify` checks each statement under its own, so a key an earlier trust's admin
 * registered is no difference from the trail, though it signs nothing under the trust of today.
 */
export interface TrustEras {
	/** The trust a statement is checked under (`now` for one committed after the last rebind, or not found). */
	of(signed: {statement: AnyStatement}): Trust;
	/** Whether it was committed under a trust the store has since been rebound from. */
	earlier(signed: {statement: AnyStatement}): boolean;
	/** The store's binding at the end of these events, as the fold reads it. */
	binding?: Binding;
	/** Whether `now` is the trust the store is bound to (true while it is bound to none). */
	bound: boolean;
	/** Binding and rebind events the fold did not take: calyx writes none such (appended by hand). */
	ignored: IgnoredEvent[];
}

export interface IgnoredEvent {
	seq: number;
	why: string;
}

const STATEMENT_KINDS = new Set(['key.registered', 'key.revoked', 'key.role_changed', 'service.applied']);

export function trustEras(events: readonly KeyEvent[], now: Trust): TrustEras {
	let ledger = emptyLedger();
	const moves: Array<{seq: number; from: Trust}> = [];
	const ignored: IgnoredEvent[] = [];
	const seqOf = new Map<string, number>();
	for (const e of events) {
		const before = ledger.binding;
		ledger = ledgerStep(ledger, e);
		// Dated by the event that committed it (a registry's own kinds, the first that carries it): a
		// statement repeated later in another event cannot move it to another trust's era.
		const signed = STATEMENT_KINDS.has(e.kind) ? (e.data.statement as {statement?: AnyStatement} | undefined)?.statement : undefined;
		if (signed !== undefined) {
			try {
				const digest = statementDigest(signed);
				if (!seqOf.has(digest)) seqOf.set(digest, e.seq);
			} catch {
				// Not a statement: the registry's fold refuses it.
			}
		}
		if (e.kind === 'store.trust_bound' && before !== undefined) ignored.push({seq: e.seq, why: 'a second binding (only the first binds; a move is a rebind)'});
		else if (e.kind === 'store.trust_bound' && ledger.binding === undefined) ignored.push({seq: e.seq, why: 'a binding without proof that its trust signed what the store held'});
		if (e.kind !== 'trust.rebound') continue;
		if (before === undefined || ledger.binding === before) {
			ignored.push({seq: e.seq, why: 'a rebind that does not hold (its signatures, its trust, or the binding it names)'});
			continue;
		}
		const rebind = e.data.rebind as SignedRebind;
		moves.push({seq: e.seq, from: trustFrom(TrustFile.parse(rebind.fromTrust), `the trust the store was rebound from at audit seq ${e.seq}`)});
	}
	const move = (signed: {statement: AnyStatement}) => {
		const seq = seqOf.get(statementDigest(signed.statement));
		return seq === undefined ? undefined : moves.find(m => seq < m.seq);
	};
	const bound = ledger.binding === undefined || ledger.binding.trust === trustId(now);
	return {of: signed => move(signed)?.from ?? now, earlier: signed => move(signed) !== undefined, binding: ledger.binding, bound, ignored};
}
