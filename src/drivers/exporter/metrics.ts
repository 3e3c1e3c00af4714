import {Counter, Gauge, Histogram, Registry} from 'prom-client';

/** The labels every per-deployment series carries: live deployments only (the document's). */
const DEP = ['deployment', 'service'] as const;

/**
 * calyx's own metrics, in one registry of their own (never prom-client's global one, so two
 * exporters in one process, as in tests, do not share series). The names and labels are the
 * contract the README and examples/alerts.yaml document.
 */
export class ExporterMetrics {
	readonly registry = new Registry();
	readonly #in = [this.registry];

	readonly status = new Gauge({name: 'calyx_deployment_status', help: 'A live deployment, 1 on the series of its current status', labelNames: [...DEP, 'status'], registers: this.#in});
	readonly tier = new Gauge({name: 'calyx_deployment_tier', help: "The tier a live deployment is in, 1 for its plan's first", labelNames: DEP, registers: this.#in});
	readonly percent = new Gauge({name: 'calyx_deployment_canary_percent', help: 'The share of traffic the engine wants on the canary (the step decided)', labelNames: DEP, registers: this.#in});
	readonly confirmed = new Gauge({name: 'calyx_deployment_confirmed_percent', help: 'The share of traffic on the canary as the target last confirmed it', labelNames: DEP, registers: this.#in});
	readonly tierSeconds = new Gauge({name: 'calyx_deployment_tier_seconds', help: 'Time since the deployment entered its current tier', labelNames: DEP, registers: this.#in});
	readonly gate = new Gauge({name: 'calyx_deployment_gate', help: "A deployment the gate judges, 1 on the series of the gate's verdict (pass, hold, halt)", labelNames: [...DEP, 'verdict'], registers: this.#in});
	readonly gateMetric = new Gauge({
		name: 'calyx_deployment_gate_metric',
		help: 'Per gate metric, 1 on the series of its level (ok, inconclusive, no_data, warning, critical)',
		labelNames: [...DEP, 'metric', 'level'],
		registers: this.#in,
	});
	readonly byStatus = new Gauge({name: 'calyx_deployments', help: 'Live deployments by status', labelNames: ['status'], registers: this.#in});
	readonly secondKey = new Gauge({
		name: 'calyx_lease_second_key_seconds_left',
		help: 'A lease signed by one key, waiting for the second: the time left before it lapses (negative once past, until the engine records it lapsed)',
		labelNames: ['lease', 'service'],
		registers: this.#in,
	});

	readonly halts = new Counter({name: 'calyx_halts_total', help: 'Deployments halted, by what halted them, since this engine took the lead', labelNames: ['trigger'], registers: this.#in});
	readonly rollbacks = new Counter({name: 'calyx_rollbacks_total', help: 'Rollbacks decided, by cause (manual, automatic), since this engine took the lead', labelNames: ['cause'], registers: this.#in});
	readonly rollbacksFailed = new Counter({name: 'calyx_rollbacks_failed_total', help: 'Rollbacks that failed (the target refused the revert, or its read-back differed from the snapshot)', labelNames: ['cause'], registers: this.#in});
	readonly cosigns = new Counter({name: 'calyx_cosigns_total', help: 'Signatures taken, of a lease or a keyed tier, by role', labelNames: ['kind', 'role'], registers: this.#in});
	readonly cosignsRefused = new Counter({name: 'calyx_cosigns_refused_total', help: 'Signatures refused, of a lease or a keyed tier, by the reason code the engine gave', labelNames: ['kind', 'code'], registers: this.#in});
	readonly trailSkipped = new Counter({name: 'calyx_exporter_events_skipped_total', help: 'Audit events not counted: more had been written since the last scrape than one scrape reads', registers: this.#in});

	readonly leader = new Gauge({name: 'calyx_engine_leader', help: 'Whether this process leads the engine for its data directory (1) or waits as a follower (0)', registers: this.#in});
	readonly tick = new Histogram({
		name: 'calyx_engine_tick_duration_seconds',
		help: "One engine cycle: the targets' pending work, samples, the tick, and what it decided",
		buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
		registers: this.#in,
	});
	readonly write = new Histogram({
		name: 'calyx_store_write_duration_seconds',
		help: "One write of the engine's to the store, from asking for the lock to the commit",
		buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
		registers: this.#in,
	});

	/** The per-deployment gauges, emptied before each refresh: a deployment that ended leaves no series behind. */
	readonly perDeployment: readonly Gauge[] = [this.status, this.tier, this.percent, this.confirmed, this.tierSeconds, this.gate, this.gateMetric, this.byStatus, this.secondKey];
}
