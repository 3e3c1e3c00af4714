import type {State} from '../core/model/index.js';
import type {AuditEvent} from '../core/index.js';

/** The newest `limit` events of the trail up to seq `through` (the store's `audit({limit, throughSeq})`). */
export type TrailReader = (limit: number, through: number) => Promise<AuditEvent[]>;

/** The most events one step reads; a longer gap (no step for a long while) is reported as skipped. */
export const MAX_EVENTS_PER_READ = 10_000;

export interface TrailStep {
	/** The events committed since the last step, oldest first: at most the newest `maxPerRead`. */
	events: AuditEvent[];
	/** Events in the gap that were not read (more than one step reads). */
	skipped: number;
}

/**
 * Follows the audit trail lock-free from the head seen at its first step (what was there then is
 * not news), reading only what was committed since, up to the head of the state it is given. The
 * exporter's counters and the notifier both follow the trail this way, each from its own leadership.
 */
export class TrailFollower {
	#through?: number;

	constructor(
		readonly read: TrailReader,
		readonly maxPerRead = MAX_EVENTS_PER_READ,
	) {}

	/** Whether a first step has set where following starts. */
	get started(): boolean {
		return this.#through !== undefined;
	}

	/** Moves past what `state` committed without reading it (nobody wants it now). */
	skip(state: Pick<State, 'auditHead'>): void {
		if (this.#through !== undefined) this.#through = state.auditHead.seq;
	}

	/** Stops following (leadership lost): the next step starts again from the head it then reads. */
	pause(): void {
		this.#through = undefined;
	}

	/**
	 * The events since the last step. Undefined for the first step, and for a trail restored to an
	 * earlier head: following starts there. A read that fails throws and leaves the position as it
	 * was, unless `onFailure: 'skip'` (what was missed is then the caller's to say).
	 */
	async next(state: Pick<State, 'rev' | 'auditHead'>, opts: {onFailure?: 'retry' | 'skip'} = {}): Promise<TrailStep | undefined> {
		const head = state.auditHead.seq;
		const from = this.#through;
		if (from === undefined || head < from) {
			this.#through = head;
			return undefined;
		}
		const gap = head - from;
		if (gap === 0) return {events: [], skipped: 0};
		const limit = Math.min(gap, this.maxPerRead);
		if (opts.onFailure === 'skip') this.#through = head;
		const events = await this.read(limit, head);
		this.#through = head;
		return {events: events.filter(e => e.seq > head - limit && e.seq <= head), skipped: gap - limit};
	}
}
