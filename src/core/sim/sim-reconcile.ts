import {iso} from '../clock.js';
import type {Command} from '../engine/commands.js';
import {sourceOf} from '../metric-specs.js';
import {ACTIVE} from '../engine/transitions.js';
import type {State} from '../model/index.js';
import {appliedCommand, sanityCommand, targetWork} from '../reconcile.js';
import type {TargetReading} from '../target.js';
import type {SimFleet} from './sim-fleet.js';

/**
 * The simulated target's answers to the work a state asks of it, synchronously: what the simulated
 * driver does in a real engine loop, for the drill and the tests that run the engine on a fake
 * clock. It applies to `fleet` as it goes.
 */
export function simReports(state: State, fleet: SimFleet): Command[] {
	return targetWork(state)
		.filter(w => w.target === 'simulated')
		.map(w =>
			w.op === 'apply'
				? appliedCommand(w, {split: fleet.apply(w.service, {percent: w.percent, step: w.step, versions: w.versions}), evidence: 'router'}, true)
				: sanityCommand(w, fleet.sanityCheck(w.service, w.percent)),
		);
}

/** A sample per live simulated canary, as the engine loop records them before it ticks. */
export function simSamples(state: State, fleet: SimFleet): Command[] {
	return state.deployments
		.filter(d => sourceOf(d) === 'simulated' && ACTIVE.includes(d.status))
		.map(d => ({type: 'metrics.record', actor: 'engine', id: d.id, source: 'simulated', sample: fleet.pollMetrics(d.service)}));
}

/** The simulator read as `canary start` reads a target: the split, the load, the time. */
export function simReading(fleet: SimFleet, service: string, fromVersion: string | undefined, now: number): TargetReading {
	return {kind: 'simulated', split: fleet.read(service, fromVersion), load: fleet.resourceLoad(service), at: iso(now)};
}
