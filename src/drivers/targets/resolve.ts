/**
 * Which driver steers a service: the simulated one when the service has no definition (the demo),
 * otherwise the one its definition names. One place, so the reconciler, `canary start`'s reading
 * and the console's start dialog never disagree about what a service runs on.
 */
import type {Split, TargetKind} from '../../core/model/index.js';
import type {TargetReading} from '../../core/target.js';
import {SimWorldFile} from '../../store/sim-world.js';
import type {CallOpts, RouterReport, SanityResult, TargetDriver} from './driver.js';
import {SimulatedDriver} from './simulated.js';

export interface ResolvedTarget {
	kind: TargetKind;
	driver: TargetDriver;
	/** The tier's sanity check, when the target or the definition has one. */
	sanity?: (tier: number, opts: CallOpts) => Promise<SanityResult>;
	/** The service's load, when the target knows it (the simulator). */
	load?: () => Promise<number>;
	/** A metrics sample, when the target makes them (the simulator; Prometheus comes next). */
	sample?: SimulatedDriver['sample'];
}

export interface ResolveEnv {
	dataDir: string;
	now?: () => number;
}

export function resolveTarget(service: string, env: ResolveEnv, opts: {fromVersion?: string} = {}): ResolvedTarget {
	const driver = new SimulatedDriver(new SimWorldFile(env.dataDir), service, {...(env.now ? {now: env.now} : {}), ...(opts.fromVersion ? {fromVersion: opts.fromVersion} : {})});
	return {
		kind: 'simulated',
		driver,
		sanity: (tier, callOpts) => driver.sanity(tier, callOpts),
		load: () => driver.load(),
		sample: () => driver.sample(),
	};
}

/** A router's report as the engine records a split. */
export function splitOf(report: RouterReport): Split {
	const side = (s: RouterReport['stable']) => ({...(s.weight !== undefined ? {weight: s.weight} : {}), ...(s.version !== undefined ? {version: s.version} : {})});
	return {percent: Math.min(100, Math.max(0, report.canaryPercent)), stable: side(report.stable), canary: side(report.canary)};
}

/** Reads a target the way `canary start` needs it: the split in force, the load if known, when. */
export async function readTarget(target: ResolvedTarget, signal: AbortSignal, now: () => number = Date.now): Promise<TargetReading> {
	const report = await target.driver.read({signal});
	const load = target.load ? await target.load() : undefined;
	return {kind: target.kind, split: splitOf(report), ...(load !== undefined ? {load} : {}), at: new Date(now()).toISOString()};
}
