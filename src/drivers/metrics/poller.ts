/**
 * The leading engine's polls, which never hold up its tick: a poll answered within a short wait is
 * committed with the cycle's tick; one still out (a slow or hung Prometheus, up to its timeout)
 * is committed on its own when it answers, and its deployment is not asked again meanwhile. So one
 * slow source delays its own deployment's readings, not every other canary's bake and halts.
 */
import {systemClock} from '../../core/clock.js';
import type {Command} from '../../core/engine/commands.js';
import {EngineError} from '../../core/errors.js';
import type {State} from '../../core/model/index.js';
import type {Store} from '../../store/api.js';
import {askWork, provenWork, type PollOptions} from './poll.js';
import {queryInstant} from './prometheus.js';

/** Refusals that mean the deployment moved on while its poll was out (halted, ended): nothing to record. */
const MOVED_ON = new Set(['NOT_ACTIVE', 'NOT_FOUND']);

export interface PollerOptions extends PollOptions {
	/** How long a cycle waits for its polls before it ticks without the late ones. */
	waitMs: number;
	onError?: (error: unknown) => void;
}

export class MetricsPoller {
	readonly #inflight = new Map<string, Promise<void>>();

	constructor(
		private readonly store: Store,
		private readonly opts: PollerOptions,
	) {}

	/** Deployments whose poll is still out. */
	get inflight(): string[] {
		return [...this.#inflight.keys()];
	}

	/** Starts the polls due now; answers within the wait, for the caller to commit with its tick. */
	async due(state: State): Promise<Command[]> {
		const clock = this.opts.clock ?? systemClock;
		const works = provenWork(state, this.store.trust, clock.now()).filter(w => !this.#inflight.has(w.id));
		if (works.length === 0) return [];
		const ready: Command[] = [];
		let collecting = true;
		const polls = works.map(w => {
			const poll = askWork(w, this.opts.query ?? queryInstant, this.opts.signal)
				.then(cmd => (collecting ? void ready.push(cmd) : this.#commitAlone(cmd)))
				.catch(error => this.opts.onError?.(error))
				.finally(() => this.#inflight.delete(w.id));
			this.#inflight.set(w.id, poll);
			return poll;
		});
		let timer: NodeJS.Timeout | undefined;
		const waited = new Promise<void>(resolve => (timer = setTimeout(resolve, this.opts.waitMs)));
		await Promise.race([Promise.all(polls), waited]);
		clearTimeout(timer);
		collecting = false;
		return ready;
	}

	/** Waits for every poll still out (an engine stepping down, a test). */
	async drain(): Promise<void> {
		await Promise.all(this.#inflight.values());
	}

	async #commitAlone(cmd: Command): Promise<void> {
		try {
			await this.store.run(cmd, this.opts.clock ? {clock: this.opts.clock} : {});
		} catch (error) {
			if (!(error instanceof EngineError && MOVED_ON.has(error.code))) throw error;
		}
	}
}
