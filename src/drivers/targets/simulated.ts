/**
 * The simulated target behind the same interface as the real ones: a fleet per service in the data
 * directory's `sim-world.json` (see src/store/sim-world.ts), steered by percent like a router. It
 * also stands in for what later comes from Prometheus: the service's load and metrics samples.
 */
import type {Sample, Split} from '../../core/model/index.js';
import {SimFleet} from '../../core/sim/sim-fleet.js';
import type {SimStep} from '../../core/sim/sim-fleet.js';
import {SimWorldFile} from '../../store/sim-world.js';
import {checkPercent, DriverError, type CallOpts, type RouterReport, type SanityResult, type TargetDriver} from './driver.js';

/**
 * A metrics sample of each of `services`, in one update of the world: an engine cycle samples every
 * live simulated canary, and one write per canary per second would cost what the canaries number.
 */
export function sampleServices(world: SimWorldFile, services: readonly string[]): Promise<Array<Omit<Sample, 'at'>>> {
	return world.update(w => {
		const fleet = new SimFleet(w);
		return services.map(service => fleet.pollMetrics(service));
	});
}

export class SimulatedDriver implements TargetDriver {
	readonly kind = 'simulated' as const;
	readonly boundMs = 5000;
	readonly #now: () => number;

	constructor(
		readonly world: SimWorldFile,
		readonly service: string,
		env: {now?: () => number; fromVersion?: string} = {},
	) {
		this.#now = env.now ?? Date.now;
		this.fromVersion = env.fromVersion;
	}
	readonly fromVersion: string | undefined;

	/** Whether the simulated world has seen the service (a read would otherwise learn it at a made-up version). */
	async knows(): Promise<boolean> {
		return (await this.world.read()).services[this.service] !== undefined;
	}

	async read(_opts: CallOpts): Promise<RouterReport> {
		const world = await this.world.read();
		// A service the world has not seen is learnt at the intent's from-version; a read does not write it.
		return this.#report(new SimFleet(world).read(this.service, this.fromVersion));
	}

	async apply(desiredPercent: number, opts: CallOpts): Promise<RouterReport> {
		checkPercent(desiredPercent);
		const {step, versions} = opts.context ?? {};
		if (!step || !versions) throw new DriverError('settings', 'the simulated target needs the step and the versions to apply');
		const want: SimStep = {percent: desiredPercent, step, versions};
		return this.#report(await this.world.update(world => new SimFleet(world).apply(this.service, want)));
	}

	async sanity(_tier: number, opts: CallOpts): Promise<SanityResult> {
		const percent = opts.context?.percent ?? 0;
		return new SimFleet(await this.world.read()).sanityCheck(this.service, percent);
	}

	/** The service's load, as the simulator makes it up (a router has none to give). */
	async load(): Promise<number> {
		return new SimFleet(await this.world.read()).resourceLoad(this.service);
	}


	#report(split: Split): RouterReport {
		return {
			kind: 'simulated',
			canaryPercent: split.percent,
			stable: {...split.stable, serving: true},
			canary: {...split.canary, serving: split.percent > 0},
			evidence: 'router',
			notes: [],
			raw: JSON.stringify(split),
			at: new Date(this.#now()).toISOString(),
		};
	}
}
