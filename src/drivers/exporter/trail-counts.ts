import type {AuditEvent} from '../../core/events.js';
import {Halt, RollbackRecord, type State} from '../../core/model/index.js';
import {readEvents} from '../../store/audit-log.js';
import {LabelBudget, oneOf} from './labels.js';
import type {ExporterMetrics} from './metrics.js';

const TRIGGERS = Halt.shape.trigger.options;
const CAUSES = RollbackRecord.shape.trigger.options;
const ROLES = ['human', 'agent'] as const;
const KINDS = ['lease', 'tier'] as const;
/** Refusal codes are the engine's own, a few dozen at most; past this many distinct ones, `other`. */
const CODE_BUDGET = 48;
const kindOf = (eventKind: string) => (eventKind.startsWith('tier.') ? 'tier' : 'lease');
/** The most events one scrape reads; a longer gap (no scrape for a long while) is counted as skipped. */
export const MAX_EVENTS_PER_READ = 10_000;

/**
 * The counters, from the audit trail: every process writes to it (an operator's halt from the CLI,
 * a cosign from the console), so counting what this engine itself decided would miss most of it.
 * Counted from the head the engine saw when it took the lead; Prometheus' rate() and increase()
 * expect a counter to start over when the process does.
 */
export class TrailCounter {
	#through?: number;
	readonly #codes = new LabelBudget(CODE_BUDGET);

	constructor(
		readonly metrics: ExporterMetrics,
		readonly auditPath: string,
		readonly maxPerRead = MAX_EVENTS_PER_READ,
	) {
		// The closed sets start at 0, so that increase() sees the first halt rather than a series appearing at 1.
		const m = metrics;
		for (const trigger of TRIGGERS) m.halts.inc({trigger}, 0);
		for (const cause of CAUSES) (m.rollbacks.inc({cause}, 0), m.rollbacksFailed.inc({cause}, 0));
		for (const kind of KINDS) for (const role of ROLES) m.cosigns.inc({kind, role}, 0);
		m.trailSkipped.inc(0);
	}

	/** Stops counting (leadership lost); the next catch-up starts from the head it then reads. */
	pause(): void {
		this.#through = undefined;
	}

	/** Counts the events committed since the last call, up to the head `state` names. */
	async catchUp(state: Pick<State, 'rev' | 'auditHead'>): Promise<void> {
		const head = state.auditHead.seq;
		const from = this.#through;
		// First call, or a trail restored to an earlier head: counting starts here.
		if (from === undefined || head < from) {
			this.#through = head;
			return;
		}
		const gap = head - from;
		if (gap === 0) return;
		const limit = Math.min(gap, this.maxPerRead);
		if (gap > limit) this.metrics.trailSkipped.inc(gap - limit);
		const events = await readEvents(this.auditPath, {limit, throughRev: state.rev});
		for (const event of events) if (event.seq > head - limit && event.seq <= head) this.count(event);
		this.#through = head;
	}

	count(event: Pick<AuditEvent, 'kind' | 'data'>): void {
		const m = this.metrics;
		const {data} = event;
		switch (event.kind) {
			case 'deployment.halted':
				return m.halts.inc({trigger: oneOf(TRIGGERS, data.trigger)});
			case 'deployment.rolling_back':
				return m.rollbacks.inc({cause: oneOf(CAUSES, data.trigger)});
			case 'rollback.failed':
				return m.rollbacksFailed.inc({cause: oneOf(CAUSES, data.trigger)});
			case 'lease.cosigned':
			case 'tier.cosigned':
				return m.cosigns.inc({kind: kindOf(event.kind), role: oneOf(ROLES, data.role)});
			case 'lease.cosign_refused':
			case 'tier.cosign_refused':
				return m.cosignsRefused.inc({kind: kindOf(event.kind), code: this.#codes.label(typeof data.code === 'string' ? data.code : 'UNKNOWN')});
		}
	}
}
