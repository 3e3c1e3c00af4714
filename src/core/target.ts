import type {Sample, TargetState} from './model/index.js';

export interface Step {
	version: string;
	/** Canary traffic share, 0–100. */
	percent: number;
	/** The last step: the canary becomes the stable version and carries all traffic. */
	final: boolean;
}

/**
 * The outside world the engine steers: a fleet per service that it reads and sets (traffic
 * split, versions). The engine holds no handle to disk or network; a target does, or simulates.
 * Calls are synchronous so that a command runs as one unit inside the store's lock.
 */
export interface Target {
	readonly name: string;
	/** The service's state now, as the target reports it; `fromVersion` seeds a service it has never seen. */
	readState(service: string, fromVersion?: string): TargetState;
	/** The stable version a state runs. */
	versionOf(state: TargetState): string | undefined;
	/** The state a step should produce, derived from a base state; pure. */
	desiredState(base: TargetState, step: Step): TargetState;
	apply(service: string, desired: TargetState): void;
	/** Load on the service's capacity, in percent. */
	resourceLoad(service: string): number;
	/** The seed's CP18: the sanity tests the target runs after a tier is applied. */
	sanityCheck(service: string, percent: number): {ok: boolean; output: string};
	/** A fresh metrics sample of the canary, or undefined when this target is fed by pushes only. */
	pollMetrics(service: string, at: number): Omit<Sample, 'at'> | undefined;
}
