/** A sink whose last attempt failed: since when, why, and how many messages it has not received. */
export interface SinkTrouble {
	readonly sink: string;
	/** When the first attempt failed since the sink last took a message (epoch ms, the notifier's clock). */
	readonly since: number;
	/** The last attempt's failure, as the delivery says it (a status or a cause's code, never an answer's body). */
	readonly error: string;
	/** Given up on (recorded as notify.failed) since then, plus those still waiting for the sink. */
	readonly undelivered: number;
}

/** What the console reads of the notifier: the sinks failing now, and a call on every change. */
export interface DeliveryHealth {
	/** The same array until something changes (a React external store). */
	get(): readonly SinkTrouble[];
	subscribe(listener: () => void): () => void;
}

const NONE: readonly SinkTrouble[] = Object.freeze([]);

/**
 * The delivery health of each sink, as this process sees it: failing from the first attempt that
 * fails (a sink that is down is news at once, not after the minute and a half of retries), until
 * one delivery to it succeeds. The queue reports; the console subscribes.
 */
export class HealthBoard implements DeliveryHealth {
	readonly #failing = new Map<string, {since: number; error: string; givenUp: number}>();
	readonly #listeners = new Set<() => void>();
	#shown: readonly SinkTrouble[] = NONE;

	constructor(
		readonly now: () => number,
		/** Deliveries waiting for `sink` now (in flight or queued). */
		readonly waiting: (sink: string) => number,
	) {}

	/** An attempt failed (`gaveUp`: the last one, the delivery is recorded as failed). */
	failed(sink: string, error: string, gaveUp = false): void {
		const f = this.#failing.get(sink) ?? {since: this.now(), error, givenUp: 0};
		this.#failing.set(sink, {...f, error, givenUp: f.givenUp + (gaveUp ? 1 : 0)});
		this.#changed();
	}

	delivered(sink: string): void {
		if (this.#failing.delete(sink)) this.#changed();
	}

	/** The queue for `sink` grew or shrank: its count of undelivered changes while it fails. */
	queued(sink: string): void {
		if (this.#failing.has(sink)) this.#changed();
	}

	get(): readonly SinkTrouble[] {
		return this.#shown;
	}

	subscribe(listener: () => void): () => void {
		this.#listeners.add(listener);
		return () => this.#listeners.delete(listener);
	}

	#changed(): void {
		const shown = [...this.#failing].map(([sink, f]) => ({sink, since: f.since, error: f.error, undelivered: f.givenUp + this.waiting(sink)}));
		this.#shown = shown.length === 0 ? NONE : shown;
		for (const l of this.#listeners) l();
	}
}
