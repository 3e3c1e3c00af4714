import type {State} from './model/index.js';
import {keyVerdict} from './registry.js';
import {serviceVerdict} from './service.js';
import {signingAdmins, type AnySignedStatement, type Trust} from './trust.js';
import {trustFileOf, type BindingProof, type ProvenRecord} from './trust-binding.js';

/**
 * Whether this box's trust is the one the store's keys and services were registered under. When
 * it verifies none of them, an engine here would refuse every lease and fail every rollback (each
 * needs a key or definition it cannot verify): it must not lead. One record that does not verify
 * is another matter (edited by hand: that record is refused, the rest goes on), so only a trust
 * that verifies nothing at all is said to misfit. Undefined when it fits or there is nothing yet.
 */
export function trustMisfit(trust: Trust, state: Pick<State, 'keys' | 'services'>): string | undefined {
	const {keys, services} = verdicts(trust, state);
	const all = [...keys, ...services];
	if (all.length === 0 || all.some(v => v.ok)) return undefined;
	const first = all.find(v => !v.ok);
	const why = first && !first.ok ? first.reason.message : '';
	return (
		`${trust.admins.length === 0 ? `this box has no trust file (none at ${trust.source}), and` : `this box's trust (${trust.source})`} verifies none of the store's ${keys.length} keys and ${services.length} services (${why}): ` +
		'an engine here would refuse every lease and fail every rollback, so it does not lead. Give this box the trust file the store\'s admins signed with ' +
		'(CALYX_TRUST, or /etc/calyx/trust.json; for the demo, copy ~/.config/calyx/demo-trust.json from the box that made it), or watch with --readonly. ' +
		'After a rebind to a trust without the admins who registered them, register new keys for their holders under this one (calyx keys add with a new --id: an id stays the one its trail registered)'
	);
}

/** Each key's and service's record checked against the trust file alone (what the trail says aside), or with it (`withTrail`). */
function verdicts(trust: Trust, state: Registries, withTrail = false) {
	const own = withTrail ? trust : {...trust, disowned: undefined};
	return {keys: state.keys.map(k => keyVerdict(own, k)), services: (state.services ?? []).map(s => serviceVerdict(own, s))};
}

type Registries = Pick<State, 'keys' | 'services'>;

/**
 * The records of a store bound to no trust yet that show every admin of `trust` signed something
 * there: for each admin, one record it signed that verifies under the trust. Undefined with the
 * first admin that signed nothing here, or with no record at all. An admin the store never saw
 * could be anyone's (whoever can write the directory can list the store's admins beside a key of
 * their own, at threshold 1): such a trust does not bind it.
 */
function evidence(trust: Trust, state: Registries): {records: ProvenRecord[]} | {unseen: string} | undefined {
	// With what the trail disowns (a record inserted by hand, signed by a key of the writer's own, shows nothing).
	const held: Array<{key?: string; service?: string; statements: AnySignedStatement[]}> = [
		...state.keys.filter(k => keyVerdict(trust, k).ok).map(k => ({key: k.id, statements: [...(k.statements ?? [])]})),
		...(state.services ?? []).filter(s => serviceVerdict(trust, s).ok).map(s => ({service: s.name, statements: [...s.statements]})),
	];
	if (held.length === 0) return undefined;
	const records = new Set<(typeof held)[number]>();
	for (const admin of trust.admins) {
		const signed = held.find(r => r.statements.some(st => signingAdmins(trust, st).some(a => a.fingerprint === admin.fingerprint)));
		if (!signed) return {unseen: admin.id};
		records.add(signed);
	}
	return {records: [...records]};
}

/**
 * The keys and services the store holds as its trail registered them: a record inserted into the
 * document by hand is the trail's difference (calyx audit verify), not something a trust signed there.
 */
function trailHeld(trust: Trust, state: Registries): {keys: number; services: number} {
	return {
		keys: state.keys.filter(k => !trust.disowned?.keys.has(k.id)).length,
		services: (state.services ?? []).filter(s => !trust.disowned?.services.has(s.name)).length,
	};
}

/** The process's trust in a message: with no trust file, said so (not named after a file that is not there). */
const whose = (trust: Trust) => (trust.admins.length === 0 ? `this process, which has no trust file (none at ${trust.source})` : `this process's trust (${trust.source})`);

const REFUSED_UNBOUND = 'nothing is written under it. Run with the trust file its admins signed with (CALYX_TRUST, or /etc/calyx/trust.json): that process\'s next write binds the store to it';

/**
 * Under a store bound to no trust yet (one an older version made) that holds keys or services:
 * why a process whose trust did not sign what the trail registered writes nothing (its first key
 * would verify for it alone, and its next write would bind the store to it). Every admin of the
 * trust must have signed one of those records (see `evidence`). Undefined when it did, or the
 * store holds none (its first registration binds it).
 */
export function unboundRefusal(trust: Trust, state: Registries): string | undefined {
	const held = trailHeld(trust, state);
	if (held.keys + held.services === 0) return undefined;
	const found = evidence(trust, state);
	if (found && 'records' in found) return undefined;
	const holds = `this store is bound to no trust yet and holds ${held.keys} keys and ${held.services} services`;
	if (!found) return `${holds}, none signed by ${whose(trust)}: ${REFUSED_UNBOUND}`;
	return (
		`${holds}, and admin ${found.unseen} of ${whose(trust)} signed none of them: a trust with an admin the store never saw does not bind it ` +
		`(anyone can list its admins beside a key of their own). ${REFUSED_UNBOUND}, with only admins who signed here; add ${found.unseen} afterwards with calyx trust rebind`
	);
}

/**
 * Whether a write under `trust`, from `before` to `after`, binds the store to it (core/trust-binding.ts),
 * and with what proof: when the store held keys or services, every admin of the trust must have
 * signed one the trail registered (a stranger's write is refused before: unboundRefusal), and the
 * binding carries those records' statements; when it held none, the write's own registration binds it.
 */
export function storeBinding(trust: Trust, before: Registries, after: Registries): {proof?: BindingProof} | undefined {
	const held = trailHeld(trust, before);
	if (held.keys + held.services > 0) {
		const found = evidence(trust, before);
		return found && 'records' in found ? {proof: {trust: trustFileOf(trust), records: found.records}} : undefined;
	}
	const made = verdicts(trust, after);
	return [...made.keys, ...made.services].some(v => v.ok) ? {} : undefined;
}
