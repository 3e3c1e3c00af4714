import type {KeyRecord} from './model/index.js';
import {foldStatements} from './registry.js';
import {SignedStatement, statementDigest, type Trust} from './trust.js';
import type {TrustEras} from './trust-eras.js';

/** A key event of the audit trail as the registry reads it: its statement is in `data.statement`. */
export interface KeyEvent {
	seq: number;
	kind: string;
	subject: string;
	/** The event's hash in the chain (a stored event has one): what a binding names (core/trust-binding.ts). */
	hash?: string;
	data: Record<string, unknown>;
}

export interface RegistryDifference {
	keyId: string;
	problem: string;
}

const KEY_KINDS = new Set(['key.registered', 'key.revoked', 'key.role_changed']);

/**
 * The key registry as the audit trail tells it: each key's statements, in the order they were
 * committed. The document's key set must be exactly this; a key the trail never registered, a
 * statement the document dropped (a revocation) or one the trail does not hold is a difference.
 */
export function chainStatements(events: Iterable<KeyEvent>): Map<string, SignedStatement[]> {
	const byKey = new Map<string, SignedStatement[]>();
	for (const e of events) {
		if (!KEY_KINDS.has(e.kind)) continue;
		const parsed = SignedStatement.safeParse(e.data.statement);
		// A key event without a statement predates statements: it registers nothing now.
		if (!parsed.success) continue;
		const id = parsed.data.statement.keyId;
		byKey.set(id, [...(byKey.get(id) ?? []), parsed.data]);
	}
	return byKey;
}

const digests = (list: readonly SignedStatement[] | undefined) => (list ?? []).map(s => statementDigest(s.statement));

/** Every key where the document and the trail disagree, and how; empty when they agree. */
export function registryDifferences(trust: Trust, chain: Map<string, SignedStatement[]>, keys: readonly KeyRecord[], eras?: Pick<TrustEras, 'of'>): RegistryDifference[] {
	const out: RegistryDifference[] = [];
	for (const record of keys) {
		const fromChain = chain.get(record.id);
		if (!fromChain) {
			out.push({keyId: record.id, problem: 'in the document, but no registration of it is in the audit trail (inserted by hand?)'});
			continue;
		}
		const doc = digests(record.statements);
		const trail = digests(fromChain);
		if (doc.join() !== trail.join()) {
			const missing = fromChain.filter(s => !doc.includes(statementDigest(s.statement))).map(s => s.statement.action);
			const extra = (record.statements ?? []).filter(s => !trail.includes(statementDigest(s.statement))).map(s => s.statement.action);
			const parts = [missing.length ? `the document lacks its ${missing.join(', ')} statement(s)` : '', extra.length ? `the trail lacks the document's ${extra.join(', ')} statement(s)` : ''];
			out.push({keyId: record.id, problem: parts.filter(Boolean).join('; ') || 'its statements are in another order than in the audit trail'});
			continue;
		}
		const folded = foldStatements(trust, record.id, fromChain, eras?.of);
		if (!folded.ok) out.push({keyId: record.id, problem: `its statements in the trail do not verify under ${eras ? 'the trust each was committed under' : trust.source}: ${folded.reason.message}`});
	}
	for (const id of chain.keys()) {
		if (!keys.some(k => k.id === id)) out.push({keyId: id, problem: 'registered in the audit trail, but missing from the document'});
	}
	return out;
}
