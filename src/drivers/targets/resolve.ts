/**
 * Which driver steers a service: the simulated one when the service has no definition (the demo),
 * otherwise the one its definition names. One place, so the reconciler, `canary start`'s reading
 * and the console's start dialog never disagree about what a service runs on.
 */
import type {ServiceDefinition, Split, TargetKind} from '../../core/model/index.js';
import {ExecDriver} from './exec.js';
import {HaproxyDriver} from './haproxy.js';
import {runSanity, SanityCheck} from './sanity.js';
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
}

export interface ResolveEnv {
	dataDir: string;
	now?: () => number;
}

/**
 * The driver for a service: its definition's target, or the simulator when it has none. `definition`
 * must be one the caller has proven (a deployment's, checked by `signedDefinition`, or one in force
 * under the trust's admins for a read that runs no command of the definition's).
 */
export function resolveTarget(service: string, env: ResolveEnv, opts: {fromVersion?: string; definition?: ServiceDefinition} = {}): ResolvedTarget {
	const now = env.now ? {now: env.now} : {};
	const def = opts.definition;
	if (def && def.target.kind !== 'simulated') {
		const driver = def.target.kind === 'haproxy' ? HaproxyDriver.from(def.target, now) : ExecDriver.from(def.target, {service, ...now});
		const checks = (def.sanity ?? []).map(entry => ({tiers: entry.tiers, check: SanityCheck.parse(entry.check)}));
		return {kind: def.target.kind, driver, ...(checks.length > 0 ? {sanity: definitionSanity(service, checks)} : {})};
	}
	const driver = new SimulatedDriver(new SimWorldFile(env.dataDir), service, {...now, ...(opts.fromVersion ? {fromVersion: opts.fromVersion} : {})});
	return {
		kind: 'simulated',
		driver,
		sanity: (tier, callOpts) => driver.sanity(tier, callOpts),
		load: () => driver.load(),
	};
}

/** A definition's checks for the tier at hand (by its canary percent), run in order; the first failure is the verdict. */
function definitionSanity(service: string, checks: Array<{tiers?: number[] | undefined; check: SanityCheck}>): ResolvedTarget['sanity'] {
	return async (tier, opts) => {
		const percent = opts.context?.percent ?? 0;
		const due = checks.filter(c => !c.tiers || c.tiers.includes(percent));
		const outputs: string[] = [];
		for (const {check} of due) {
			const result = await runSanity(check, {service, tier, signal: opts.signal, ...(opts.context ? {context: opts.context} : {})});
			if (!result.ok) return result;
			outputs.push(result.output);
		}
		return {ok: true, output: outputs.join('; ') || `no sanity check at ${percent}%`};
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
