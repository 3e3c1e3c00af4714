import {canonicalJson, sha256} from './canonical.js';
import type {Reason} from './errors.js';
import type {ServiceDefinition, ServiceRecord, ServiceStatement, SignedServiceStatement, State} from './model/index.js';
import {statementDigest, statementProblem, type Trust} from './trust.js';

export {ServiceDefinition, ServiceRecord, ServiceStatement, SignedServiceStatement, TARGET_KINDS} from './model/service.js';

/**
 * Who may make calyx run what. A definition names commands an engine runs (an exec hook, as the
 * engine's user, maybe root) and sockets it writes to; the data directory is shared with a group.
 * So a definition is in force only through statements the trust's admins signed, chained per
 * service like a key's; every process re-checks the record against its own trust file, and a lease
 * signs the definition in force (core/lease.ts), so changing it voids the signatures.
 */

const digests = new WeakMap<ServiceDefinition, string>();

/**
 * sha256 of the definition's canonical JSON: what a statement and a lease name it by. Remembered
 * per frozen definition: every lease view of a frame asks for it.
 */
export function definitionDigest(d: ServiceDefinition): string {
	const known = digests.get(d);
	if (known) return known;
	const digest = sha256(canonicalJson(d));
	if (Object.isFrozen(d)) digests.set(d, digest);
	return digest;
}

/** The statement an admin is asked to sign to put `definition` in force; `prev` from the record in force, if any. */
export function serviceStatement(definition: ServiceDefinition, reason: string, at: string, record?: ServiceRecord): ServiceStatement {
	return {v: 1, kind: 'calyx.service', name: definition.name, definition, digest: definitionDigest(definition), reason: reason.trim(), at, prev: record ? lastServiceDigest(record) : ''};
}

/** The digest the next statement about this service must name as `prev`. */
export const lastServiceDigest = (record: ServiceRecord) => {
	const last = record.statements.at(-1);
	return last ? statementDigest(last.statement) : '';
};

export type ServiceVerdict = {ok: true; definition: ServiceDefinition; digest: string; at: string} | {ok: false; reason: Reason};

const untrusted = (name: string, message: string, code = 'UNTRUSTED_SERVICE'): ServiceVerdict => ({ok: false, reason: {code, message: `service ${name}: ${message}`}});

/**
 * Folds a service's statements in order: each signed by enough admins, about this service, naming
 * its definition by the right digest, and chained to the one before, so none can be dropped,
 * replayed or reordered. The last one's definition is the one in force.
 * `signedUnder`: as foldStatements' (core/registry.ts).
 */
export function foldServiceStatements(trust: Trust, name: string, statements: readonly SignedServiceStatement[], signedUnder?: (signed: SignedServiceStatement) => Trust): ServiceVerdict {
	if (statements.length === 0) return untrusted(name, 'no admin statement puts a definition in force (an admin signs one: calyx service apply … --admin-key)');
	let prev = '';
	for (const [i, signed] of statements.entries()) {
		const problem = statementProblem(signedUnder?.(signed) ?? trust, signed);
		if (problem) return untrusted(name, problem.message);
		const s = signed.statement;
		if (s.name !== name) return untrusted(name, `statement ${i + 1} is about service ${s.name}`);
		if (s.prev !== prev) return untrusted(name, `statement ${i + 1} does not follow the one before it (replayed, dropped or reordered)`);
		if (definitionDigest(s.definition) !== s.digest) return untrusted(name, `statement ${i + 1} names its definition by a digest that is not the definition's`);
		prev = statementDigest(s);
	}
	const last = statements.at(-1)!.statement;
	return {ok: true, definition: last.definition, digest: last.digest, at: last.at};
}

const cache = new WeakMap<ServiceRecord, {trust: Trust; verdict: ServiceVerdict}>();

/**
 * A record of the document checked against its statements: its definition and digest must be what
 * the last statement says, or someone edited the document by hand. Remembered per frozen record, as
 * `keyVerdict` is (views check every frame).
 */
export function serviceVerdict(trust: Trust, record: ServiceRecord): ServiceVerdict {
	const foreign = trust.foreign !== undefined && trust.disowned?.services.get(record.name);
	if (foreign) return untrusted(record.name, foreign, 'TRUST_MISMATCH');
	const verdict = ownVerdict(trust, record);
	// A record that verifies by itself may still not be the trail's (an older definition put back).
	const drift = verdict.ok ? trust.disowned?.services.get(record.name) : undefined;
	return drift ? untrusted(record.name, drift, 'SERVICE_NOT_IN_TRAIL') : verdict;
}

function ownVerdict(trust: Trust, record: ServiceRecord): ServiceVerdict {
	const known = cache.get(record);
	if (known && known.trust === trust) return known.verdict;
	const verdict = checkRecord(trust, record);
	if (Object.isFrozen(record)) cache.set(record, {trust, verdict});
	return verdict;
}

function checkRecord(trust: Trust, record: ServiceRecord): ServiceVerdict {
	const folded = foldServiceStatements(trust, record.name, record.statements ?? []);
	return folded.ok ? (recordEdited(record, folded) ?? folded) : folded;
}

/** A record whose definition or digest is not what its statements (folded) say: edited by hand. */
export function recordEdited(record: ServiceRecord, folded: ServiceVerdict & {ok: true}): ServiceVerdict | undefined {
	const differs = [
		canonicalJson(record.definition) !== canonicalJson(folded.definition) && 'definition',
		record.digest !== folded.digest && 'digest',
	].filter(Boolean);
	return differs.length > 0 ? untrusted(record.name, `the document's ${differs.join(' and ')} differ from its signed statements (edited by hand)`) : undefined;
}

/** The record of a service as the document holds it, trusted or not (what a cosigner is shown and signs). */
export const serviceRecordOf = (state: Pick<State, 'services'>, name: string): ServiceRecord | undefined => state.services?.find(s => s.name === name);

/**
 * The definition in force for a service: a record whose statements verify under this trust; none
 * (the simulated target, as before definitions); or a record that does not verify, and why. Whoever
 * acts on a definition (the reconciler picking a driver, a lease's verification) asks this; only
 * `{record}` may be acted on, and `{problem}` must not fall back to the simulator.
 */
export type ServiceInForce = {record: ServiceRecord} | {none: true} | {problem: Reason};

export function serviceInForce(state: Pick<State, 'services'>, trust: Trust, name: string): ServiceInForce {
	const record = serviceRecordOf(state, name);
	const drift = trust.disowned?.services.get(name);
	// A definition deleted by hand would put its service back on the simulator: it starts nothing.
	if (!record && drift) return {problem: {code: 'SERVICE_NOT_IN_TRAIL', message: `service ${name}: ${drift}`}};
	if (!record) return {none: true};
	const verdict = serviceVerdict(trust, record);
	return verdict.ok ? {record} : {problem: verdict.reason};
}
