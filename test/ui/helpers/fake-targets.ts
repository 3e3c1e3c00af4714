import type {Clock, Deployment, State, TargetReading} from '../../../src/core/index.js';
import type {ConsoleTargets} from '../../../src/ui/targets.js';
import type {FakeStore} from './fake-store.js';

/** A read the test holds: it answers when the test says so (see `FakeTargets.hold`). */
export interface HeldRead {
	leaseId: string;
	resolve: (reading: TargetReading) => void;
	reject: (error: Error) => void;
}

/**
 * The console's targets over a fake store's simulated fleet, answering at once unless told
 * otherwise: `read` is the simulator read as `canary start` reads it (on the console's clock),
 * `settle` records the fleet's answers to the deployment's work through the store until there is
 * none. A test holds reads to answer them later (`hold`, `release`, `failHeld`), makes every read
 * fail (`readError`), has a target that does not answer a decision (`answers = false`), or a
 * settle that throws (`settleError`).
 */
export class FakeTargets implements ConsoleTargets {
	/** The leases read, in order. */
	readonly reads: string[] = [];
	/** The readings handed to the console, in order. */
	readonly readings: TargetReading[] = [];
	/** The deployments settled, in order. */
	readonly settles: string[] = [];
	/** Reads waiting for the test (only while `holding`). */
	readonly held: HeldRead[] = [];
	holding = false;
	/** When set, every read fails with this message. */
	readError: string | undefined;
	/** False: the target does not answer a decision yet (settle returns the deployment as it stands). */
	answers = true;
	/** When set, settling fails with this message (a driver that threw) and records nothing. */
	settleError: string | undefined;

	constructor(
		readonly store: FakeStore,
		readonly clock: Clock,
	) {}

	async read(state: State, leaseId: string): Promise<TargetReading> {
		this.reads.push(leaseId);
		if (this.readError !== undefined) throw new Error(this.readError);
		if (this.holding) return new Promise((resolve, reject) => this.held.push({leaseId, resolve, reject}));
		return this.#handed(this.store.readingFor(leaseId, this.clock.now(), state));
	}

	#handed(reading: TargetReading): TargetReading {
		this.readings.push(reading);
		return reading;
	}

	async settle(id: string): Promise<Deployment | undefined> {
		this.settles.push(id);
		if (this.settleError !== undefined) throw new Error(this.settleError);
		if (this.answers) this.store.settleTargets(id, this.clock);
		return this.store.state.deployments.find(d => d.id === id);
	}

	/** Holds every read from now on until the test answers it. */
	hold(): this {
		this.holding = true;
		return this;
	}

	#take(leaseId: string | undefined): HeldRead {
		const i = leaseId === undefined ? 0 : this.held.findIndex(h => h.leaseId === leaseId);
		const read = i >= 0 ? this.held.splice(i, 1)[0] : undefined;
		if (!read) throw new Error(`fake targets: no held read${leaseId ? ` of ${leaseId}` : ''}`);
		return read;
	}

	/** Answers a held read (the oldest, or the one of `leaseId`) with the simulator's reading now; returns it. */
	release(leaseId?: string): TargetReading {
		const read = this.#take(leaseId);
		const reading = this.#handed(this.store.readingFor(read.leaseId, this.clock.now()));
		read.resolve(reading);
		return reading;
	}

	/** Fails a held read (the oldest, or the one of `leaseId`). */
	failHeld(message: string, leaseId?: string): void {
		this.#take(leaseId).reject(new Error(message));
	}
}
