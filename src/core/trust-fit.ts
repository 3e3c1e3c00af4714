import type {State} from './model/index.js';
import {keyVerdict} from './registry.js';
import {serviceVerdict} from './service.js';
import type {Trust} from './trust.js';

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

/** Each key's and service's record checked against the trust file alone (what the trail says aside). */
function verdicts(trust: Trust, state: Registries) {
	const own = {...trust, disowned: undefined};
	return {keys: state.keys.map(k => keyVerdict(own, k)), services: (state.services ?? []).map(s => serviceVerdict(own, s))};
}

type Registries = Pick<State, 'keys' | 'services'>;

/**
 * Whether a write under `trust`, from `before` to `after`, binds the store to it (core/trust-binding.ts):
 * when the store held keys or services, the trust must have signed one of them (a stranger's first
 * registration in an upgraded store binds nothing); when it held none, the write's own registration does.
 */
export function bindsStore(trust: Trust, before: Registries, after: Registries): boolean {
	const held = verdicts(trust, before);
	const all = [...held.keys, ...held.services];
	if (all.length > 0) return all.some(v => v.ok);
	const made = verdicts(trust, after);
	return [...made.keys, ...made.services].some(v => v.ok);
}
