import {ms} from '../../core/clock.js';
import {evaluateGate} from '../../core/gate.js';
import type {State} from '../../core/model/index.js';
import {ACTIVE} from '../../core/engine/transitions.js';
import {boundedLabel} from './labels.js';
import type {ExporterMetrics} from './metrics.js';

/** More live deployments than this are not exported one by one (the count by status still is): a bound on our series. */
export const MAX_EXPORTED = 1000;

/** Leases one key signed, waiting for the second (an alert can page before the approval deadline lapses them). */
function showWaitingLeases(m: ExporterMetrics, state: Partial<Pick<State, 'leases' | 'intents'>>, now: number): void {
	const waiting = (state.leases ?? []).filter(l => l.secondKeyBy && !l.activatedAt && !l.voidedAt && !l.lapsedAt && !l.consumedAt);
	for (const lease of waiting.slice(0, MAX_EXPORTED)) {
		const service = state.intents?.find(i => i.id === lease.intentId)?.service ?? 'unknown';
		m.secondKey.set({lease: boundedLabel(lease.id), service: boundedLabel(service)}, (ms(lease.secondKeyBy!) - now) / 1000);
	}
}

/**
 * The per-deployment gauges from the state the engine holds, at `now`. The gauges are emptied
 * first, so only the document's deployments have series: one that ended (archived) has none, and
 * a status, verdict or level that changed leaves no series at its old value.
 */
export function showState(m: ExporterMetrics, state: Pick<State, 'deployments'> & Partial<Pick<State, 'leases' | 'intents'>>, now: number): void {
	for (const gauge of m.perDeployment) gauge.reset();
	showWaitingLeases(m, state, now);
	const counts = new Map<string, number>();
	for (const dep of state.deployments) counts.set(dep.status, (counts.get(dep.status) ?? 0) + 1);
	for (const [status, n] of counts) m.byStatus.set({status}, n);
	for (const dep of state.deployments.slice(0, MAX_EXPORTED)) {
		// The id's form is the schema's (DEP-yyyymmdd-nnn); the service name was validated at entry: bounded all the same.
		const labels = {deployment: boundedLabel(dep.id), service: boundedLabel(dep.service)};
		m.status.set({...labels, status: dep.status}, 1);
		m.tier.set(labels, dep.tierIndex + 1);
		m.percent.set(labels, dep.percent);
		if (dep.observed) m.confirmed.set(labels, dep.observed.split.percent);
		m.tierSeconds.set(labels, Math.max(0, now - ms(dep.tierStartedAt)) / 1000);
		// The gate judges live canaries only; a halted one's verdict would describe nothing that acts.
		if (!ACTIVE.includes(dep.status)) continue;
		const gate = evaluateGate(dep, now);
		m.gate.set({...labels, verdict: gate.verdict}, 1);
		for (const metric of gate.metrics) m.gateMetric.set({...labels, metric: boundedLabel(metric.metric), level: metric.level}, 1);
	}
}
