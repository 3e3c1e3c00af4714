import type {Sample, Split} from '../model/index.js';
import {hashSeed, mulberry32} from './prng.js';
import {FleetState, type Scenario, type SimService, type SimWorld} from './world.js';

const HEALTHY: Scenario = {kind: 'healthy'};
const round = (n: number) => Math.round(n * 100) / 100;

/** What the simulator is asked to carry: a share of traffic, the versions on each side, and which step. */
export interface SimStep {
	percent: number;
	step: 'tier' | 'final' | 'snapshot';
	versions: {stable: string; canary: string};
}

/** A fleet as a router would report it: weights 100 − p and p, and the versions it runs. */
export function splitOfFleet(fleet: FleetState): Split {
	const w = fleet.canary?.weight ?? 0;
	return {
		percent: w,
		stable: {weight: 100 - w, version: fleet.stable.version},
		canary: fleet.canary ? {weight: w, version: fleet.canary.version} : {weight: 0},
	};
}

/**
 * A fleet per service whose metrics come from a scenario, deterministic from the world's seed.
 * It mutates the world it is given; the simulated driver decides where that world lives (a file of
 * its own in the data directory), and the engine never sees it.
 */
export class SimFleet {
	constructor(readonly world: SimWorld) {}

	/** Adds or replaces a service, e.g. for the demo or a drill. */
	addService(service: string, version: string, opts: {scenario?: Scenario; load?: number; replicas?: number} = {}): void {
		this.world.services[service] = {
			fleet: {service, replicas: opts.replicas ?? 10, stable: {version}, canary: null},
			load: opts.load ?? 42,
			scenario: opts.scenario ?? HEALTHY,
			tierPolls: 0,
			polls: 0,
		};
	}

	#service(service: string, fromVersion?: string): SimService {
		if (!this.world.services[service]) this.addService(service, fromVersion ?? '0.0.0');
		return this.world.services[service]!;
	}

	/** The split in force; a service never seen is learnt at `fromVersion`. */
	read(service: string, fromVersion?: string): Split {
		return splitOfFleet(this.#service(service, fromVersion).fleet);
	}

	/** Sets the split, then reads it back (with `rollbackDrift`, a revert leaves the canary's traffic where it was). */
	apply(service: string, want: SimStep): Split {
		const svc = this.#service(service, want.versions.stable);
		const before = svc.fleet;
		const next: FleetState =
			want.step === 'final'
				? {...before, stable: {version: want.versions.canary}, canary: null}
				: want.percent === 0
					? {...before, stable: {version: want.versions.stable}, canary: null}
					: {...before, stable: {version: want.step === 'snapshot' ? want.versions.stable : before.stable.version}, canary: {version: want.versions.canary, weight: want.percent}};
		if (want.step === 'snapshot' && svc.scenario.rollbackDrift && before.canary) next.canary = {...before.canary};
		if ((next.canary?.weight ?? 0) !== (before.canary?.weight ?? 0)) svc.tierPolls = 0;
		svc.fleet = next;
		return this.read(service);
	}

	resourceLoad(service: string): number {
		return this.#service(service).load;
	}

	/** The seed's CP18: the smoke checks after a tier is applied. */
	sanityCheck(service: string, percent: number): {ok: boolean; output: string} {
		const svc = this.#service(service);
		const fails = svc.scenario.sanityFailAt !== undefined && percent >= svc.scenario.sanityFailAt;
		return fails
			? {ok: false, output: `sanity: 2/5 smoke checks failed at ${percent}% (GET /health 503, POST /checkout 500)`}
			: {ok: true, output: `sanity: 5/5 smoke checks passed at ${percent}%`};
	}

	/** A fresh metrics sample of the canary, from the scenario. */
	pollMetrics(service: string): Omit<Sample, 'at'> {
		const svc = this.#service(service);
		const weight = svc.fleet.canary?.weight ?? 0;
		svc.polls += 1;
		svc.tierPolls += 1;
		const rnd = mulberry32(hashSeed(this.world.seed, service, svc.polls));
		const noise = (spread: number) => (rnd() * 2 - 1) * spread;
		const sample = {
			tesDelta: round(0.3 + noise(0.8)),
			errorRate: round(Math.max(0, 0.3 + noise(0.2))),
			cpu: round(55 + noise(10)),
			memory: round(60 + noise(8)),
		};
		const {scenario} = svc;
		if (scenario.kind === 'degrading' && weight >= (scenario.atPercent ?? 0) && weight > 0) {
			// First a warning the operator can see coming, then the breach.
			if (svc.tierPolls === 1) sample.tesDelta = round(-3 + noise(0.4));
			else {
				sample.tesDelta = round(-6.2 + noise(0.5));
				sample.errorRate = round(2.4 + noise(0.3));
			}
		} else if (scenario.kind === 'noisy' && rnd() < 0.25) {
			if (rnd() < 0.5) sample.tesDelta = round(-2.6 + noise(0.3));
			else sample.cpu = round(113 + noise(3));
		}
		return sample;
	}
}
