import type {Sample, TargetState} from '../model/index.js';
import type {Step, Target} from '../target.js';
import {hashSeed, mulberry32} from './prng.js';
import {FleetState, type Scenario, type SimService, type SimWorld} from './world.js';

const HEALTHY: Scenario = {kind: 'healthy'};
const round = (n: number) => Math.round(n * 100) / 100;

/**
 * A fleet per service whose metrics come from a scenario, deterministic from the world's seed.
 * It mutates the world it is given; the caller decides where that world lives.
 */
export class SimTarget implements Target {
	readonly name = 'simulated';
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

	readState(service: string, fromVersion?: string): TargetState {
		return structuredClone(this.#service(service, fromVersion).fleet);
	}

	versionOf(state: TargetState): string | undefined {
		return FleetState.safeParse(state).data?.stable.version;
	}

	desiredState(base: TargetState, step: Step): TargetState {
		const fleet = FleetState.parse(base);
		if (step.final) return {...fleet, stable: {version: step.version}, canary: null};
		return {...fleet, canary: {version: step.version, weight: step.percent}};
	}

	apply(service: string, desired: TargetState): void {
		const svc = this.#service(service);
		const next = FleetState.parse(desired);
		const reverting = next.canary === null && next.stable.version === svc.fleet.stable.version && svc.fleet.canary !== null;
		if (reverting && svc.scenario.rollbackDrift) next.canary = {...svc.fleet.canary!};
		if ((next.canary?.weight ?? 0) !== (svc.fleet.canary?.weight ?? 0)) svc.tierPolls = 0;
		svc.fleet = next;
	}

	resourceLoad(service: string): number {
		return this.#service(service).load;
	}

	sanityCheck(service: string, percent: number): {ok: boolean; output: string} {
		const svc = this.#service(service);
		const fails = svc.scenario.sanityFailAt !== undefined && percent >= svc.scenario.sanityFailAt;
		return fails
			? {ok: false, output: `sanity: 2/5 smoke checks failed at ${percent}% (GET /health 503, POST /checkout 500)`}
			: {ok: true, output: `sanity: 5/5 smoke checks passed at ${percent}%`};
	}

	pollMetrics(service: string, _at: number): Omit<Sample, 'at'> | undefined {
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
