import type {Sink} from '../../core/model/index.js';
import type {CallResult} from '../call.js';
import type {Notice} from './notice.js';

/** A delivery that did not happen: recorded (an audit event, notifier.ts), never dropped silently. */
export interface Failure {
	sink: string;
	notice: Notice;
	attempts: number;
	error: string;
}

export type Send = (name: string, sink: Sink, notice: Notice) => Promise<CallResult<void>>;

/** Told of each sink's deliveries as they end (the notifier's HealthBoard). */
export interface QueueWatch {
	queued(sink: string): void;
	delivered(sink: string): void;
	failed(sink: string, error: string, gaveUp: boolean): void;
}

/** Deliveries waiting per sink at most; past it, a new one is recorded as failed at once. */
export const MAX_WAITING = 200;

/**
 * Deliveries, outside the engine's cycle and the store's lock: `push` returns at once. One chain per
 * sink, in the order the events happened, so that a sink that is down (retrying for a minute and a
 * half per message) delays only its own messages. Every delivery ends delivered or as a Failure.
 */
export class DeliveryQueue {
	readonly #chains = new Map<string, Promise<void>>();
	readonly #waiting = new Map<string, number>();
	#delivered = 0;
	#failed = 0;

	constructor(
		readonly send: Send,
		readonly onFailure: (failure: Failure) => Promise<void>,
		readonly maxWaiting = MAX_WAITING,
		readonly watch?: QueueWatch,
	) {}

	push(name: string, sink: Sink, notice: Notice): void {
		const waiting = this.#waiting.get(name) ?? 0;
		if (waiting >= this.maxWaiting) {
			void this.#fail({sink: name, notice, attempts: 0, error: `${waiting} deliveries already wait for this sink: not queued`});
			return;
		}
		this.#waiting.set(name, waiting + 1);
		this.watch?.queued(name);
		const run = async () => {
			try {
				const result = await this.send(name, sink, notice);
				if (result.ok) {
					this.#delivered++;
					this.watch?.delivered(name);
				} else await this.#fail({sink: name, notice, attempts: result.attempts.length, error: result.error.message});
			} catch (error) {
				await this.#fail({sink: name, notice, attempts: 0, error: error instanceof Error ? error.message : String(error)});
			} finally {
				this.#waiting.set(name, (this.#waiting.get(name) ?? 1) - 1);
				this.watch?.queued(name);
			}
		};
		this.#chains.set(name, (this.#chains.get(name) ?? Promise.resolve()).then(run));
	}

	async #fail(failure: Failure): Promise<void> {
		this.#failed++;
		this.watch?.failed(failure.sink, failure.error, true);
		await this.onFailure(failure).catch(() => undefined);
	}

	/** Deliveries and failures so far, and how many wait. */
	get counts() {
		return {delivered: this.#delivered, failed: this.#failed, waiting: [...this.#waiting.values()].reduce((a, b) => a + b, 0)};
	}

	/** Deliveries waiting for `sink` now: in flight, retrying or queued behind. */
	waitingFor(sink: string): number {
		return this.#waiting.get(sink) ?? 0;
	}

	/** Resolves once every delivery pushed so far has ended, delivered or recorded as failed. */
	async drain(): Promise<void> {
		for (;;) {
			const chains = [...this.#chains.values()];
			await Promise.all(chains);
			if (chains.every((c, i) => c === [...this.#chains.values()][i]) && chains.length === this.#chains.size) return;
		}
	}
}
