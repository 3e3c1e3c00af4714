import {riskOf} from '../engine/leases.js';
import type {Lease, State} from '../model/index.js';
import {runPrechecks, type Precheck} from '../precheck.js';
import type {TargetReading} from '../target.js';
import type {Trust} from '../trust.js';

export interface StartPreview {
	ok: boolean;
	checks: Precheck[];
}

/**
 * The pre-checks `canary start` would run on a lease now, so a console can show pass or fail per
 * check before the operator confirms. The target's checks need a reading of it (taken by the
 * caller, outside the engine); without one they say the target has not been read yet. The engine
 * runs them again when the command arrives: this shows its answer, it does not replace it.
 */
export function startPreview(state: State, lease: Lease, now: number, trust: Trust, reading?: TargetReading): StartPreview {
	const intent = state.intents.find(i => i.id === lease.intentId);
	if (!intent) return {ok: false, checks: [{name: 'intent status', ok: false, detail: `intent ${lease.intentId} does not exist`}]};
	return runPrechecks(state, lease, intent, {reading, now, risk: riskOf(state, intent, now), trust});
}
