import {formatDuration} from './duration.js';
import {METRICS, type CanaryPlan, type Deployment, type Level, type MetricName, type Sample} from './model/index.js';
import {readMetric, type MetricReading} from './monitor.js';
import {ms} from './clock.js';

export interface MetricGate {
	metric: MetricName;
	samples: number;
	minSamples: number;
	/** Worst level among the most recent `minSamples` samples: the window that must be clean. */
	level: Level | 'inconclusive';
	latest?: MetricReading;
	explanation: string;
}

export interface GateVerdict {
	/** pass: may promote; hold: promotion waits; halt: a critical sample is in the window. */
	verdict: 'pass' | 'hold' | 'halt';
	bake: {elapsedMs: number; requiredMs: number; leftMs: number};
	metrics: MetricGate[];
	/** Why it does not pass, most serious first; empty when it passes. */
	reasons: string[];
	/** Whether the hold comes only from bake time (the deployment is simply running). */
	bakingOnly: boolean;
	/** Holds that an operator may override with a forced promotion (never a critical). */
	warning: boolean;
	summary: string;
}

function metricGate(metric: MetricName, window: Sample[], plan: CanaryPlan): MetricGate {
	const values = window.flatMap(s => (s[metric] === undefined ? [] : [s[metric]]));
	const min = plan.minSamples;
	const recent = values.slice(-min).map(v => readMetric(metric, v, plan.thresholds));
	const last = values.length > 0 ? readMetric(metric, values[values.length - 1]!, plan.thresholds) : undefined;
	const anyCritical = values.some(v => readMetric(metric, v, plan.thresholds).level === 'critical');
	const base = {metric, samples: values.length, minSamples: min, ...(last ? {latest: last} : {})};
	if (anyCritical) {
		const crit = values.map(v => readMetric(metric, v, plan.thresholds)).find(r => r.level === 'critical')!;
		return {...base, level: 'critical', explanation: `${crit.reason} — ${crit.detail}`};
	}
	const w = recent.find(r => r.level === 'warning');
	if (w) {
		return {...base, level: 'warning', explanation: `${w.reason} in the last ${min} samples — ${w.detail}; waiting for a clean window`};
	}
	if (values.length < min) {
		return {...base, level: 'inconclusive', explanation: `inconclusive: ${values.length}/${min} samples`};
	}
	return {...base, level: 'ok', explanation: `ok: ${last!.detail}, ${values.length}/${min} samples`};
}

/**
 * The health gate between tiers: bake time elapsed, minimum samples reached for every metric,
 * no critical in the tier, no warning in the most recent window. Explains itself per metric.
 */
export function evaluateGate(dep: Pick<Deployment, 'plan' | 'window' | 'tierStartedAt'>, now: number): GateVerdict {
	const elapsedMs = Math.max(0, now - ms(dep.tierStartedAt));
	const requiredMs = dep.plan.bakeMs;
	const leftMs = Math.max(0, requiredMs - elapsedMs);
	const metrics = METRICS.map(m => metricGate(m, dep.window, dep.plan));
	const critical = metrics.filter(m => m.level === 'critical');
	const warnings = metrics.filter(m => m.level === 'warning');
	const thin = metrics.filter(m => m.level === 'inconclusive');
	const reasons = [
		...critical.map(m => m.explanation),
		...warnings.map(m => m.explanation),
		...thin.map(m => `${m.metric} ${m.explanation}`),
		...(leftMs > 0 ? [`bake: ${formatDuration(leftMs)} left of ${formatDuration(requiredMs)}`] : []),
	];
	const verdict = critical.length > 0 ? 'halt' : reasons.length > 0 ? 'hold' : 'pass';
	const summary =
		verdict === 'pass'
			? 'gate open: bake elapsed, samples complete, window clean'
			: verdict === 'halt'
				? `gate closed: ${critical[0]!.explanation}`
				: `gate holding: ${reasons[0]}`;
	return {
		verdict,
		bake: {elapsedMs, requiredMs, leftMs},
		metrics,
		reasons,
		bakingOnly: verdict === 'hold' && warnings.length === 0 && thin.length === 0,
		warning: warnings.length > 0,
		summary,
	};
}
