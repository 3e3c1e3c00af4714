import {sha256} from './canonical.js';
import {configDrift, configRecordOf, type ConfigRecord} from './config-record.js';
import type {Config, KeyRecord, ServiceRecord, State} from './model/index.js';
import {SignedServiceStatement} from './model/index.js';
import type {KeyEvent} from './registry-chain.js';
import {SignedStatement, statementDigest, type AnySignedStatement, type Disowned, type Trust} from './trust.js';
import {bindingStep, everyAdminSigned, isBindingLine, provenRecords, provenTrust, shortTrustId, trustId, trustName, type Binding, type BindingProof, type ProvenRecord} from './trust-binding.js';
import {foldStatements} from './registry.js';
import {foldServiceStatements} from './service.js';

/**
 * What the audit trail registered, kept small: per key and per service, one digest chained over
 * the digests of its statements in the order they were committed. Folded event by event over the
 * verified chain (the store keeps it in this user's witness log, outside the data directory), it
 * tells whether the document's registries are the trail's without re-reading the trail.
 */
export interface Ledger {
	keys: Readonly<Record<string, string>>;
	services: Readonly<Record<string, string>>;
	/** The trust the store is bound to, and the event that bound it (core/trust-binding.ts); absent until its first write under one. */
	binding?: Binding;
	/** The configuration as the trail last recorded it (core/config-record.ts); null until a record. */
	config: ConfigRecord | null;
}

export const emptyLedger = (): Ledger => ({keys: {}, services: {}, config: null});

const chained = (prev: string | undefined, digest: string) => sha256(`${prev ?? ''}:${digest}`);
type Statements = ReadonlyArray<{statement: Parameters<typeof statementDigest>[0]}>;
// By statements array: a document read once is compared on every write, and its records do not change.
const chains = new WeakMap<Statements, string | undefined>();
function chainOf(statements: Statements): string | undefined {
	if (chains.has(statements)) return chains.get(statements);
	const digest = statements.reduce<string | undefined>((prev, s) => chained(prev, statementDigest(s.statement)), undefined);
	if (Object.isFrozen(statements)) chains.set(statements, digest);
	return digest;
}

const KEY_KINDS = new Set(['key.registered', 'key.revoked', 'key.role_changed']);

/** Whether a raw audit line can change the ledger: the others are skipped unparsed. */
export const ledgerLine = (line: {includes(text: string): boolean}) =>
	line.includes('"kind":"key.') || line.includes('"kind":"service.applied"') || line.includes('"kind":"config.changed"') || isBindingLine(line);

/** The ledger after one event (the same object when the event registers nothing). */
export function ledgerStep(ledger: Ledger, event: KeyEvent): Ledger {
	if (event.kind === 'config.changed') {
		const config = configRecordOf(event);
		return config ? {...ledger, config} : ledger;
	}
	if (KEY_KINDS.has(event.kind)) {
		const parsed = SignedStatement.safeParse(event.data.statement);
		// A key event without a statement predates statements: it registers nothing now (as registry-chain.ts).
		if (!parsed.success) return ledger;
		const id = parsed.data.statement.keyId;
		return {...ledger, keys: {...ledger.keys, [id]: chained(ledger.keys[id], statementDigest(parsed.data.statement))}};
	}
	if (event.kind === 'service.applied') {
		const parsed = SignedServiceStatement.safeParse(event.data.statement);
		if (!parsed.success) return ledger;
		const name = parsed.data.statement.name;
		return {...ledger, services: {...ledger.services, [name]: chained(ledger.services[name], statementDigest(parsed.data.statement))}};
	}
	// In a trail that registered keys or services before any binding, a binding must show its trust signed one of them.
	if (event.kind === 'store.trust_bound' && ledger.binding === undefined && !bindingProven(ledger, event.data)) return ledger;
	const binding = bindingStep(ledger.binding, event);
	if (binding === ledger.binding) return ledger;
	// The store's binding records the configuration it found (a rebind records none).
	const config = ledger.binding === undefined ? configRecordOf(event) : undefined;
	return {...ledger, binding: binding!, ...(config ? {config} : {})};
}

/**
 * Whether a first binding is the store's first registration's, or proves its trust signed what the
 * trail registered: each record it carries is the trail's (its chain) and verifies under the trust,
 * and every admin of the trust signed one of them (core/trust-fit.ts says why).
 */
function bindingProven(ledger: Ledger, data: Record<string, unknown>): boolean {
	if (Object.keys(ledger.keys).length === 0 && Object.keys(ledger.services).length === 0) return true;
	const proof = data.proof as BindingProof | undefined;
	const trust = provenTrust(data.trust, proof);
	const records = provenRecords(proof);
	if (!trust || !records) return false;
	const signed: AnySignedStatement[] = [];
	for (const record of records) {
		const statements = recordProven(ledger, trust, record);
		if (!statements) return false;
		signed.push(...statements);
	}
	return everyAdminSigned(trust, signed);
}

/** A record's statements, when they are the trail's for it and verify under `trust`. */
function recordProven(ledger: Ledger, trust: Trust, record: ProvenRecord): AnySignedStatement[] | undefined {
	if (!Array.isArray(record?.statements)) return undefined;
	if (typeof record.key === 'string') {
		const signed = parsedAll(SignedStatement, record.statements);
		return signed && chainOf(signed) === ledger.keys[record.key] && foldStatements(trust, record.key, signed).ok ? signed : undefined;
	}
	if (typeof record.service === 'string') {
		const signed = parsedAll(SignedServiceStatement, record.statements);
		return signed && chainOf(signed) === ledger.services[record.service] && foldServiceStatements(trust, record.service, signed).ok ? signed : undefined;
	}
	return undefined;
}

/** Every item parsed by `schema`, or undefined when one does not parse. */
function parsedAll<T>(schema: {safeParse(value: unknown): {success: true; data: T} | {success: false}}, items: readonly unknown[]): T[] | undefined {
	const out: T[] = [];
	for (const item of items) {
		const parsed = schema.safeParse(item);
		if (!parsed.success) return undefined;
		out.push(parsed.data);
	}
	return out;
}

const HEX64 = /^[0-9a-f]{64}$/;
const HEX16 = /^[0-9a-f]{16}$/;
/** A map of digests (the registries' chains: 64 hex; a config record's settings: 16 hex). */
const digestsOnly = (v: unknown, digest = HEX64): v is Record<string, string> =>
	typeof v === 'object' && v !== null && !Array.isArray(v) && Object.values(v).every(d => typeof d === 'string' && digest.test(d));

/** A saved config record, checked: null for none (or one saved before ledgers held it), undefined when it is not one. */
function configFrom(saved: unknown): ConfigRecord | null | undefined {
	if (saved === undefined || saved === null) return null;
	const c = saved as {seq?: unknown; settings?: unknown};
	return Number.isSafeInteger(c.seq) && (c.seq as number) >= 0 && digestsOnly(c.settings, HEX16) ? {seq: c.seq as number, settings: c.settings} : undefined;
}

/** Whether a saved ledger holds the configuration's record: one saved before ledgers did is folded again from the first event, once. */
export const holdsConfigRecord = (saved: unknown) => typeof saved === 'object' && saved !== null && 'config' in saved;

/** A ledger read back from a witness entry, checked; undefined when it is not one. */
export function ledgerFrom(saved: unknown): Ledger | undefined {
	const v = saved as (Partial<Omit<Ledger, 'config'>> & {config?: unknown}) | undefined;
	if (!v || !digestsOnly(v.keys) || !digestsOnly(v.services)) return undefined;
	const config = configFrom(v.config);
	if (config === undefined) return undefined;
	if (v.binding === undefined) return {keys: v.keys, services: v.services, config};
	const b = v.binding as Partial<Binding> | null;
	if (!b || typeof b.trust !== 'string' || !HEX64.test(b.trust) || typeof b.at !== 'string' || !HEX64.test(b.at)) return undefined;
	const named = trustName(b.named);
	return {keys: v.keys, services: v.services, binding: {trust: b.trust, at: b.at, ...(named ? {named} : {})}, config};
}

const SEE = 'the document differs from the audit trail (see calyx audit verify)';

/**
 * Every key and service of the document that is not as the trail registered it: a key inserted by
 * hand, one whose revocation or role change was cut out of its record, a service definition rolled
 * back or deleted by hand. Such a key signs nothing and such a service starts nothing, whatever its
 * record says: the record verifies under the trust file, but only the trail says it is whole.
 */
export function ledgerDrift(ledger: Ledger, state: Pick<State, 'keys'> & {services?: readonly ServiceRecord[]}): Disowned {
	const keys = new Map<string, string>();
	for (const record of state.keys as readonly KeyRecord[]) {
		const trail = ledger.keys[record.id];
		if (trail === undefined) keys.set(record.id, `${SEE}: no registration of it is in the trail`);
		else if (chainOf(record.statements ?? []) !== trail) keys.set(record.id, `${SEE}: its statements are not the trail's (a revocation or role change cut out?)`);
	}
	const services = new Map<string, string>();
	const present = new Set<string>();
	for (const record of state.services ?? []) {
		present.add(record.name);
		const trail = ledger.services[record.name];
		if (trail === undefined) services.set(record.name, `${SEE}: no statement of it is in the trail`);
		else if (chainOf(record.statements) !== trail) services.set(record.name, `${SEE}: its definition is not the trail's latest`);
	}
	for (const name of Object.keys(ledger.services)) {
		if (!present.has(name)) services.set(name, `${SEE}: its definition was removed from the document (it would run on the simulator)`);
	}
	return {keys, services};
}

const UNCHECKED = 'the registry could not be checked against the audit trail (see calyx audit verify)';

/**
 * The trust to decide with over `state`: as it is when the document's registries are the trail's
 * (so that verdicts cached against it stay cached), else with what differs disowned. Without a
 * ledger (the trail does not reach the document's head intact) nothing registered is trusted.
 */
export function trustOver(trust: Trust, state: Pick<State, 'keys'> & {services?: readonly ServiceRecord[]; config?: Config}, ledger: Ledger | undefined): Trust {
	if (ledger?.binding && ledger.binding.trust !== trustId(trust)) return foreignTrust(trust, state, ledger.binding);
	const over = withDrift(overLedger(trust, state, ledger), configDrift(ledger?.config, state.config));
	// Without a trust file too: a store that holds keys is not written by a process that verifies none (core/trust-fit.ts).
	if (!ledger || ledger.binding !== undefined) return over;
	return over === trust ? unboundOf(trust) : {...over, unbound: true};
}

// The same object for as long as the configuration drifts the same way: verdicts are cached by trust object.
const drifted = new WeakMap<Trust, WeakMap<object, Trust>>();
function withDrift(trust: Trust, drift: Trust['configDrift']): Trust {
	if (!drift) return trust;
	let byDrift = drifted.get(trust);
	if (!byDrift) drifted.set(trust, (byDrift = new WeakMap()));
	let marked = byDrift.get(drift);
	if (!marked) byDrift.set(drift, (marked = {...trust, configDrift: drift}));
	return marked;
}

// The same object for as long as the store stays unbound: verdicts are cached by trust object.
const unbound = new WeakMap<Trust, Trust>();
function unboundOf(trust: Trust): Trust {
	let marked = unbound.get(trust);
	if (!marked) unbound.set(trust, (marked = {...trust, unbound: true}));
	return marked;
}

/** Under a trust the store is not bound to, nothing registered verifies, for the reason the binding gives. */
function foreignTrust(trust: Trust, state: Pick<State, 'keys'> & {services?: readonly ServiceRecord[]}, bound: Binding): Trust {
	// Said for every key and service a view lists: short; a refused write gives the whole of it (mismatchReason).
	const why = `this store is bound to trust ${shortTrustId(bound.trust)}, not to this process's (${shortTrustId(trustId(trust))}): see calyx trust show`;
	return {...trust, foreign: bound, disowned: disownAll(state, why)};
}

const disownAll = (state: Pick<State, 'keys'> & {services?: readonly ServiceRecord[]}, why: string): Disowned => ({
	keys: new Map(state.keys.map(k => [k.id, why])),
	services: new Map((state.services ?? []).map(s => [s.name, why])),
});

function overLedger(trust: Trust, state: Pick<State, 'keys'> & {services?: readonly ServiceRecord[]}, ledger: Ledger | undefined): Trust {
	const disowned = ledger ? ledgerDrift(ledger, state) : disownAll(state, UNCHECKED);
	return disowned.keys.size > 0 || disowned.services.size > 0 ? {...trust, disowned} : trust;
}
