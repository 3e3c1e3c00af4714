import type {State} from './model/index.js';
import {keyVerdict} from './registry.js';
import {serviceVerdict} from './service.js';
import type {Trust} from './trust.js';
import {trustFileOf, type BindingProof} from './trust-binding.js';

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
		`this box's trust (${trust.source}) verifies none of the store's ${keys.length} keys and ${services.length} services (${why}): ` +
		'an engine here would refuse every lease and fail every rollback, so it does not lead. Give this box the trust file the store\'s admins signed with ' +
		'(CALYX_TRUST, or /etc/calyx/trust.json; for the demo, copy ~/.config/calyx/demo-trust.json from the box that made it), or watch with --readonly'
	);
}

/** Each key's and service's record checked against the trust file alone (what the trail says aside), or with it (`withTrail`). */
function verdicts(trust: Trust, state: Registries, withTrail = false) {
	const own = withTrail ? trust : {...trust, disowned: undefined};
	return {keys: state.keys.map(k => keyVerdict(own, k)), services: (state.services ?? []).map(s => serviceVerdict(own, s))};
}

type Registries = Pick<State, 'keys' | 'services'>;

/**
 * Under a store bound to no trust yet (one an older version made) that holds keys or services:
 * why a process whose trust signed none of those the trail registered writes nothing (its first
 * key would verify for it alone, and its next write would bind the store to it). Undefined when
 * its trust signed one of them, or the store holds none (its first registration binds it).
 */
export function unboundRefusal(trust: Trust, state: Registries): string | undefined {
	const {keys, services} = verdicts(trust, state, true);
	const all = [...keys, ...services];
	if (all.length === 0 || all.some(v => v.ok)) return undefined;
	return (
		`this store is bound to no trust yet and holds ${keys.length} keys and ${services.length} services, none signed by this process's trust (${trust.source}): ` +
		'nothing is written under it. Run with the trust file its admins signed with (CALYX_TRUST, or /etc/calyx/trust.json): that process\'s next write binds the store to it'
	);
}

/**
 * Whether a write under `trust`, from `before` to `after`, binds the store to it (core/trust-binding.ts),
 * and with what proof: when the store held keys or services, the trust must have signed one the
 * trail registered (a stranger's write is refused before: unboundRefusal), and the binding carries
 * that record's statements; when it held none, the write's own registration binds it.
 */
export function storeBinding(trust: Trust, before: Registries, after: Registries): {proof?: BindingProof} | undefined {
	const services = before.services ?? [];
	if (before.keys.length > 0 || services.length > 0) {
		const key = before.keys.find(k => keyVerdict(trust, k).ok);
		if (key) return {proof: {trust: trustFileOf(trust), key: key.id, statements: [...(key.statements ?? [])]}};
		const service = services.find(s => serviceVerdict(trust, s).ok);
		return service ? {proof: {trust: trustFileOf(trust), service: service.name, statements: [...service.statements]}} : undefined;
	}
	const made = verdicts(trust, after);
	return [...made.keys, ...made.services].some(v => v.ok) ? {} : undefined;
}
