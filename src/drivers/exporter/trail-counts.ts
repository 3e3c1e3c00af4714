import type {AuditEvent} from '../../core/events.js';
import {Halt, RollbackRecord, type State} from '../../core/model/index.js';
import {TrailFollower, type TrailReader} from '../trail-follower.js';
import {LabelBudget, oneOf} from './labels.js';
import type {ExporterMetrics} from './metrics.js';

const TRIGGERS = Halt.shape.trigger.options;
const CAUSES = RollbackRecord.shape.trigger.options;
const ROLES = ['human', 'agent'] as const;
const KINDS = ['lease', 'tier'] as const;
/** Refusal codes are the engine's own, a few dozen at most; past this many distinct ones, `other`. */
const CODE_BUDGET = 48;
const kindOf = (eventKind: string) => (eventKind.startsWith('tier.') ? 'tier' : 'lease');

/**
 * The counters, from the audit trail: every process writes to it (an operator's halt from the CLI,
 * a cosign from the console), so counting what this engine itself decided would miss most of it.
 * Counted from the head the engine saw when it took the lead; Prometheus' rate() and increase()
 * expect a counter to start over when the process does.
 */
export class TrailCounter {
	readonly #trail: TrailFollower;
	readonly #codes = new LabelBudget(CODE_BUDGET);

	constructor(
		readonly metrics: ExporterMetrics,
		read: TrailReader,
		maxPerRead?: number,
	) {
		this.#trail = new TrailFollower(read, maxPerRead);
		// The closed sets start at 0, so that increase() sees the first halt rather than a series appearing at 1.
		const m = metrics;
		for (const trigger of TRIGGERS) m.halts.inc({trigger}, 0);
		for (const cause of CAUSES) (m.rollbacks.inc({cause}, 0), m.rollbacksFailed.inc({cause}, 0));
		for (const kind of KINDS) for (const role of ROLES) m.cosigns.inc({kind, role}, 0);
		m.trailSkipped.inc(0);
	}

	/** Stops counting (leadership lost); the next catch-up starts from the head it then reads. */
	pause(): void {
		this.#trail.pause();
	}

	/** Counts the events committed since the last call, up to the head `state` names (the first call only sets where counting starts). */
	async catchUp(state: Pick<State, 'rev' | 'auditHead'>): Promise<void> {
		const step = await this.#trail.next(state);
		if (!step) return;
		if (step.skipped > 0) this.metrics.trailSkipped.inc(step.skipped);
		for (const event of step.events) this.count(event);
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
