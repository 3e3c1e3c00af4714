import {z} from 'zod';
import {canonicalJson, sha256} from './canonical.js';
import type {Reason} from './errors.js';
import type {EventDraft} from './events.js';
import {TEXT_LIMITS, textProblem} from './text.js';
import {signPayload} from './lease.js';
import {AdminSignature} from './model/signature.js';
import {fingerprintOf, signatureHolds, signingAdmins, TrustFile, trustFrom, type AnySignedStatement, type Trust} from './trust.js';

/**
 * A data directory is bound to one trust, in its audit trail: the first write under a trust whose
 * admins signed something the store holds (its first key registered, or a key an older version
 * registered) records `store.trust_bound` with the trust's id, and from then on a process under
 * any other trust file writes nothing (its keys would verify for it alone). Only the bound trust's own
 * admins move the binding to another trust (`trust.rebound`, a statement they sign). The binding
 * is read from the verified trail (core/ledger.ts folds it), never from the document, and the fold
 * re-checks every rebind's signatures: a rebind appended by hand moves nothing.
 */

const HEX64 = /^[0-9a-f]{64}$/;
const ids = new WeakMap<Trust, string>();

/** What identifies a trust: its admins' keys, its threshold and its rules (not where the file lies). */
export function trustId(trust: Trust): string {
	let id = ids.get(trust);
	if (id === undefined) {
		const admins = trust.admins.map(a => a.fingerprint).sort();
		id = sha256(canonicalJson({admins, threshold: trust.threshold, separationOfDuties: trust.separationOfDuties, demo: trust.demo}));
		ids.set(trust, id);
	}
	return id;
}

export const shortTrustId = (id: string) => id.slice(0, 16);

/**
 * What shows that a trust governs a store that held keys or services before it was bound (one an
 * older version made): the trust file itself, and the statements of one record the trail
 * registered that its admins signed. The fold checks both (core/ledger.ts), so a binding appended
 * to such a trail by hand, naming a trust that signed nothing there, binds nothing.
 */
export interface BindingProof {
	trust: TrustFile;
	/** For each admin of the trust, a record it signed (core/trust-fit.ts). */
	records?: ProvenRecord[];
	/** One record alone: how the first bindings were written (they bind only when its signers are all the trust's admins). */
	key?: string;
	service?: string;
	statements?: unknown[];
}

/** A record the store holds, as a binding's proof carries it: its statements, by key id or service name. */
export interface ProvenRecord {
	key?: string;
	service?: string;
	statements: unknown[];
}

/** The records a proof carries, in either form; undefined when it carries none. */
export function provenRecords(proof: BindingProof | undefined): ProvenRecord[] | undefined {
	if (Array.isArray(proof?.records)) return proof.records.length > 0 && proof.records.length <= MAX_PROVEN ? proof.records : undefined;
	return proof && Array.isArray(proof.statements) ? [{key: proof.key, service: proof.service, statements: proof.statements}] : undefined;
}
const MAX_PROVEN = 64;

/** Whether every admin of `trust` signed one of `signed`: a binding's proof must show it (core/trust-fit.ts says why). */
export function everyAdminSigned(trust: Trust, signed: readonly AnySignedStatement[]): boolean {
	return trust.admins.every(admin => signed.some(st => signingAdmins(trust, st).some(a => a.fingerprint === admin.fingerprint)));
}

export const trustFileOf = (trust: Trust): TrustFile => ({
	v: 1,
	kind: 'calyx.trust',
	demo: trust.demo,
	threshold: trust.threshold,
	admins: trust.admins.map(a => ({id: a.id, publicKey: a.publicKey})),
	separationOfDuties: trust.separationOfDuties,
});

/** The event that binds a data directory to `trust` (its admins named, for whoever reads the trail). */
export const bindingEvent = (trust: Trust, at: string, actor: string, proof?: BindingProof, settings?: Record<string, string>): EventDraft => ({
	at,
	actor,
	kind: 'store.trust_bound',
	subject: 'trust',
	reason: `the data directory is bound to ${trust.demo ? 'a demo trust' : `the trust ${trust.source}`}: only its admins can move it to another`,
	// The configuration it found, as digests (core/config-record.ts): what `audit verify` compares the document's with until a config.changed records another.
	data: {trust: trustId(trust), threshold: trust.threshold, admins: trust.admins.map(a => ({id: a.id, fingerprint: a.fingerprint})), source: trust.source, ...(proof ? {proof} : {}), ...(settings ? {settings} : {})},
});

/** The trust a proof carries, when it is the one the binding names; undefined otherwise. */
export function provenTrust(bound: unknown, proof: BindingProof | undefined): Trust | undefined {
	try {
		const trust = trustFrom(TrustFile.parse(proof?.trust), 'binding');
		return trustId(trust) === bound ? trust : undefined;
	} catch {
		return undefined;
	}
}

/** The trust a process runs under, in a message: with none (no file where it looked), said so. */
const runsUnder = (trust: Trust) => (trust.admins.length === 0 ? `no trust file (none at ${trust.source})` : `${trust.source} (${shortTrustId(trustId(trust))})`);

/** Why a process under `trust` writes nothing to a directory bound to `bound`. */
export const mismatchReason = (trust: Trust, binding: Binding): Reason => ({
	code: 'TRUST_MISMATCH',
	message:
		`this store is bound to ${describeBinding(binding)}, and this process runs under ${runsUnder(trust)}: ` +
		'nothing is written under another trust. Run with the trust file the store is bound to (CALYX_TRUST, or /etc/calyx/trust.json; calyx trust show names both)' +
		(trust.admins.length === 0 ? '' : ', or have its admins move the store to this trust: calyx trust rebind --from <its trust file> --admin-key <its admin key>'),
});

export const RebindStatement = z
	.object({
		v: z.literal(1),
		kind: z.literal('calyx.rebind'),
		from: z.string().regex(HEX64),
		to: z.string().regex(HEX64),
		/** The hash of the trail event that bound the store to `from`: this store, this binding, never a copy's or an older one's. */
		after: z.string().regex(HEX64),
		at: z.string().max(40),
		reason: z.string().max(500),
	})
	.strict();
export type RebindStatement = z.infer<typeof RebindStatement>;

/** A rebind as the command carries it and the trail records it: the statement, its signatures, and the trust it moves from. */
export const SignedRebind = z.object({statement: RebindStatement, signatures: z.array(AdminSignature).max(64), fromTrust: z.unknown()}).strict();
export type SignedRebind = z.infer<typeof SignedRebind>;

export const rebindPayload = (s: RebindStatement) => canonicalJson(s);

/** Adds signatures: what `trust rebind` does with each old admin key it is given. */
export function signRebind(statement: RebindStatement, fromTrust: TrustFile, admins: ReadonlyArray<{privateKey: string; publicKey: string}>): SignedRebind {
	const signatures = admins.map(a => ({admin: fingerprintOf(a.publicKey), signature: signPayload(rebindPayload(statement), a.privateKey)}));
	return {statement, signatures, fromTrust};
}

/** A store's binding: the trust's id, and the hash of the trail event that made it. */
export interface Binding {
	trust: string;
	at: string;
	/** How that event named the trust: what tells an operator under another trust which file to run with. */
	named?: TrustName;
}

/** Where the binding process found its trust file, and its admins' ids: text from the trail, checked before it is repeated. */
export interface TrustName {
	source: string;
	admins: string[];
}

const MAX_SOURCE = 1024;
const MAX_NAMED_ADMINS = 64;

/** A TrustName as calyx writes one, or undefined (a name the trail gives otherwise is not repeated). */
export function trustName(value: unknown): TrustName | undefined {
	const v = value as Partial<Record<keyof TrustName, unknown>> | null;
	if (typeof v !== 'object' || v === null || typeof v.source !== 'string' || textProblem(v.source, MAX_SOURCE) !== undefined) return undefined;
	if (!Array.isArray(v.admins) || v.admins.length > MAX_NAMED_ADMINS) return undefined;
	const admins = v.admins.filter((id): id is string => typeof id === 'string' && textProblem(id, TEXT_LIMITS.id) === undefined);
	return admins.length === v.admins.length ? {source: v.source, admins} : undefined;
}

/** The name a binding or rebind event's data gives its trust (its admins as {id, fingerprint}). */
const namedBy = (data: Record<string, unknown>) =>
	trustName({source: data.source, admins: Array.isArray(data.admins) ? data.admins.map(a => (a as {id?: unknown} | null)?.id) : undefined});

/** How a binding's trust is named in a message: its id, and, when the trail says, its file then and its admins. */
export function describeBinding(binding: Binding): string {
	const {named} = binding;
	const id = `trust ${shortTrustId(binding.trust)}`;
	if (!named) return id;
	const admins = named.admins.length === 0 ? 'no admins' : `admin${named.admins.length === 1 ? '' : 's'} ${named.admins.join(', ')}`;
	return `${id} (bound from ${named.source}; ${admins})`;
}

/**
 * Whether a rebind moves a store bound as `bound` on to `to`: the statement names both and the
 * event that made the binding (so a rebind signed for another store, or for an earlier binding of
 * this one, moves nothing), the trust it carries is the bound one (by id), and enough of that
 * trust's admins signed. Checked by the engine before it records one and by the fold on every one it reads.
 */
export function rebindProblem(binding: Binding | undefined, rebind: unknown, to?: string): Reason | undefined {
	const parsed = SignedRebind.safeParse(rebind);
	if (!parsed.success) {
		const issue = parsed.error.issues[0]!;
		return {code: 'INVALID_STATEMENT', message: `rebind.${issue.path.join('.')}: ${issue.message}`};
	}
	const {statement, signatures, fromTrust} = parsed.data;
	if (binding === undefined) return {code: 'NOT_BOUND', message: 'this store is not bound to a trust yet'};
	const bound = binding.trust;
	let from: Trust;
	try {
		from = trustFrom(TrustFile.parse(fromTrust), 'rebind');
	} catch (error) {
		return {code: 'INVALID_STATEMENT', message: `--from: not a trust file: ${(error as Error).message.split('\n')[0]}`};
	}
	if (trustId(from) !== bound) return {code: 'WRONG_TRUST', message: `--from: that trust file is ${shortTrustId(trustId(from))}, not the trust this store is bound to (${shortTrustId(bound)})`};
	if (statement.from !== bound) return {code: 'WRONG_TRUST', message: `the rebind moves from trust ${shortTrustId(statement.from)}, and this store is bound to ${shortTrustId(bound)}`};
	if (to !== undefined && statement.to !== to) return {code: 'WRONG_TRUST', message: `the rebind moves to trust ${shortTrustId(statement.to)}, and this process runs under ${shortTrustId(to)}`};
	if (statement.after !== binding.at) return {code: 'STALE_REBIND', message: 'the rebind was signed for another store, or for an earlier binding of this one (its "after" is not the event that bound this store): sign a new one'};
	const payload = rebindPayload(statement);
	const valid = new Set(signatures.filter(s => from.admins.some(a => a.fingerprint === s.admin && signatureHolds(payload, s.signature, a.publicKey))).map(s => s.admin));
	if (valid.size < from.threshold) {
		return {code: 'UNTRUSTED_STATEMENT', message: `the rebind carries ${valid.size} valid signature(s) of the bound trust's admins; ${from.threshold} needed (--admin-key, one per admin)`};
	}
	return undefined;
}

const named = (binding: Binding, data: Record<string, unknown>): Binding => {
	const name = namedBy(data);
	return name ? {...binding, named: name} : binding;
};

/** The binding after one trail event: the first `store.trust_bound` binds; a `trust.rebound` moves it only when it holds. */
export function bindingStep(binding: Binding | undefined, event: {kind: string; hash?: string; data: Record<string, unknown>}): Binding | undefined {
	if (typeof event.hash !== 'string') return binding;
	if (event.kind === 'store.trust_bound') {
		const id = event.data.trust;
		return binding === undefined && typeof id === 'string' && HEX64.test(id) ? named({trust: id, at: event.hash}, event.data) : binding;
	}
	if (event.kind === 'trust.rebound') {
		const rebind = event.data.rebind as SignedRebind | undefined;
		return rebindProblem(binding, rebind) === undefined ? named({trust: rebind!.statement.to, at: event.hash}, event.data) : binding;
	}
	return binding;
}

export const isBindingLine = (line: {includes(text: string): boolean}) => line.includes('"kind":"store.trust_bound"') || line.includes('"kind":"trust.rebound"');
