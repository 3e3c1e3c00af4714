import {sha256} from './canonical.js';
import type {KeyRecord, ServiceRecord, State} from './model/index.js';
import {SignedServiceStatement} from './model/index.js';
import type {KeyEvent} from './registry-chain.js';
import {SignedStatement, statementDigest, type Disowned, type Trust} from './trust.js';

/**
 * What the audit trail registered, kept small: per key and per service, one digest chained over
 * the digests of its statements in the order they were committed. Folded event by event over the
 * verified chain (the store keeps it in this user's witness log, outside the data directory), it
 * tells whether the document's registries are the trail's without re-reading the trail.
 */
export interface Ledger {
	keys: Readonly<Record<string, string>>;
	services: Readonly<Record<string, string>>;
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
export const ledgerLine = (line: {includes(text: string): boolean}) => line.includes('"kind":"key.') || line.includes('"kind":"service.applied"');

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
	return ledger;
}

const HEX64 = /^[0-9a-f]{64}$/;
const digestsOnly = (v: unknown): v is Record<string, string> =>
	typeof v === 'object' && v !== null && !Array.isArray(v) && Object.values(v).every(d => typeof d === 'string' && HEX64.test(d));

/** A ledger read back from a witness entry, checked; undefined when it is not one. */
export function ledgerFrom(saved: unknown): Ledger | undefined {
	const v = saved as Partial<Ledger> | undefined;
	return v && digestsOnly(v.keys) && digestsOnly(v.services) ? {keys: v.keys, services: v.services} : undefined;
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
	const disowned = ledger
		? ledgerDrift(ledger, state)
		: {keys: new Map(state.keys.map(k => [k.id, UNCHECKED])), services: new Map((state.services ?? []).map(s => [s.name, UNCHECKED]))};
	return disowned.keys.size > 0 || disowned.services.size > 0 ? {...trust, disowned} : trust;
}
