import {sha256} from './canonical.js';
import type {KeyRecord, ServiceRecord, State} from './model/index.js';
import {SignedServiceStatement} from './model/index.js';
import type {KeyEvent} from './registry-chain.js';
import {SignedStatement, statementDigest, type Disowned, type Trust} from './trust.js';
import {bindingStep, isBindingLine, mismatchReason, trustId} from './trust-binding.js';

/**
 * What the audit trail registered, kept small: per key and per service, one digest chained over
 * the digests of its statements in the order they were committed. Folded event by event over the
 * verified chain (the store keeps it in this user's witness log, outside the data directory), it
 * tells whether the document's registries are the trail's without re-reading the trail.
 */
export interface Ledger {
	keys: Readonly<Record<string, string>>;
	services: Readonly<Record<string, string>>;
	/** The trust the store is bound to (core/trust-binding.ts); absent until its first write under one. */
	trust?: string;
}

export const emptyLedger = (): Ledger => ({keys: {}, services: {}});

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
export const ledgerLine = (line: {includes(text: string): boolean}) => line.includes('"kind":"key.') || line.includes('"kind":"service.applied"') || isBindingLine(line);

/** The ledger after one event (the same object when the event registers nothing). */
export function ledgerStep(ledger: Ledger, event: KeyEvent): Ledger {
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
	const bound = bindingStep(ledger.trust, event);
	return bound === ledger.trust ? ledger : {...ledger, trust: bound!};
}

const HEX64 = /^[0-9a-f]{64}$/;
const digestsOnly = (v: unknown): v is Record<string, string> =>
	typeof v === 'object' && v !== null && !Array.isArray(v) && Object.values(v).every(d => typeof d === 'string' && HEX64.test(d));

/** A ledger read back from a witness entry, checked; undefined when it is not one. */
export function ledgerFrom(saved: unknown): Ledger | undefined {
	const v = saved as Partial<Ledger> | undefined;
	if (!v || !digestsOnly(v.keys) || !digestsOnly(v.services)) return undefined;
	if (v.trust === undefined) return {keys: v.keys, services: v.services};
	return typeof v.trust === 'string' && HEX64.test(v.trust) ? {keys: v.keys, services: v.services, trust: v.trust} : undefined;
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
export function trustOver(trust: Trust, state: Pick<State, 'keys'> & {services?: readonly ServiceRecord[]}, ledger: Ledger | undefined): Trust {
	if (ledger && ledger.trust !== undefined && ledger.trust !== trustId(trust)) return foreignTrust(trust, state, ledger.trust);
	const over = overLedger(trust, state, ledger);
	if (!ledger || ledger.trust !== undefined || trust.admins.length === 0) return over;
	return over === trust ? unboundOf(trust) : {...over, unbound: true};
}

// The same object for as long as the store stays unbound: verdicts are cached by trust object.
const unbound = new WeakMap<Trust, Trust>();
function unboundOf(trust: Trust): Trust {
	let marked = unbound.get(trust);
	if (!marked) unbound.set(trust, (marked = {...trust, unbound: true}));
	return marked;
}

/** Under a trust the store is not bound to, nothing registered verifies, for the reason the binding gives. */
function foreignTrust(trust: Trust, state: Pick<State, 'keys'> & {services?: readonly ServiceRecord[]}, bound: string): Trust {
	const why = mismatchReason(trust, bound).message;
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
