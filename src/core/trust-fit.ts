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
	const own = {...trust, disowned: undefined};
	const keys = state.keys.map(k => keyVerdict(own, k));
	const services = (state.services ?? []).map(s => serviceVerdict(own, s));
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
