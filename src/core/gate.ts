import {formatDuration} from './duration.js';
import {METRIC_INFO, METRICS, type CanaryPlan, type Deployment, type Level, type MetricName, type Sample} from './model/index.js';
import {levelsOf, readMetric, type MetricReading} from './monitor.js';
import {ms} from './clock.js';

export interface MetricGate {
	metric: MetricName;
	samples: number;
	minSamples: number;
	/** Worst level among the most recent `minSamples` samples: the window that must be clean. */
	level: Level | 'inconclusive';
	latest?: MetricReading;
	/**
	 * The reading the level is about, the one the explanation names: the worst critical of the tier,
	 * the worst of the recent window when it warns, else the latest. A screen shows this value next
	 * to the level, never a calmer latest one beside a hold that names another.
	 */
	judged?: MetricReading;
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

/** The worst of a metric's values: the largest for a ceiling, the deepest drop for TES. */
function worstOf(metric: MetricName, values: readonly number[]): number | undefined {
	const below = METRIC_INFO[metric].direction === 'below';
	let w: number | undefined;
	for (const v of values) if (w === undefined || (below ? v < w : v > w)) w = v;
	return w;
}

function metricGate(metric: MetricName, window: Sample[], plan: CanaryPlan): MetricGate {
	const min = plan.minSamples;
	// Levels only for the worst values, words only for the readings shown: the gate runs on every sample, over the whole window.
	const level = levelsOf(metric, plan.thresholds);
	const values: number[] = [];
	for (const s of window) {
		const v = s[metric];
		if (v !== undefined) values.push(v);
	}
	const last = values.length > 0 ? readMetric(metric, values[values.length - 1]!, plan.thresholds) : undefined;
	const base = {metric, samples: values.length, minSamples: min, ...(last ? {latest: last} : {})};
	// A critical anywhere in the tier shuts the gate: the worst value of the tier is then critical.
	const tierWorst = worstOf(metric, values);
	if (tierWorst !== undefined && level(tierWorst) === 'critical') {
		const crit = readMetric(metric, tierWorst, plan.thresholds);
		return {...base, level: 'critical', judged: crit, explanation: `${crit.reason} — ${crit.detail}`};
	}
	const recentWorst = worstOf(metric, values.slice(-min));
	if (recentWorst !== undefined && level(recentWorst) === 'warning') {
		const w = readMetric(metric, recentWorst, plan.thresholds);
		return {...base, level: 'warning', judged: w, explanation: `${w.reason} in the last ${min} samples — ${w.detail}; waiting for a clean window`};
	}
	const judged = last ? {judged: last} : {};
	if (values.length < min) {
		return {...base, ...judged, level: 'inconclusive', explanation: `inconclusive: ${values.length}/${min} samples`};
	}
	return {...base, ...judged, level: 'ok', explanation: `ok: ${last!.detail}, ${values.length}/${min} samples`};
}

/**
 * Ticks further apart than this mean no engine was watching: the gap adds no bake time, and the
 * samples from before it prove nothing about now (the tick drops them).
 */
export const WATCH_GAP_MS = 15_000;

export type GateInput = Pick<Deployment, 'plan' | 'window' | 'tierStartedAt'> & Partial<Pick<Deployment, 'bake' | 'desired' | 'observed'>>;

/**
 * Bake time of the tier: what ticks accrued since the target confirmed it, plus the time since the
 * last tick while that is within the watch gap (so a screen counts down between ticks). Nothing
 * before the target's confirmation, nothing while no engine watches.
 */
export function bakeElapsed(dep: GateInput, now: number): number {
	if (!dep.bake) return dep.desired ? 0 : Math.max(0, now - ms(dep.tierStartedAt));
	const since = now - ms(dep.bake.watchedAt);
	return dep.bake.accruedMs + (since >= 0 && since <= WATCH_GAP_MS ? since : 0);
}

/**
 * How long no engine has watched the tier, when that is longer than the watch gap (else undefined):
 * the window's samples are then from before the gap, and the next tick drops them.
 */
export function unwatchedMs(dep: GateInput, now: number): number | undefined {
	if (!dep.bake) return undefined;
	const since = now - ms(dep.bake.watchedAt);
	return since > WATCH_GAP_MS ? since : undefined;
}

/** Why the target holds the gate, if it does: the decided split is not confirmed, or its sanity check not run. */
function targetHold(dep: GateInput): string | undefined {
	if (!dep.desired) return undefined;
	if (dep.observed?.generation !== dep.desired.generation) return `target: ${dep.desired.percent}% decided, not yet confirmed by the target`;
	if (dep.observed.sanity === 'pending') return `target: the sanity check of ${dep.desired.percent}% has not run yet`;
	return undefined;
}

/**
 * The health gate between tiers: the target confirmed the tier, bake time elapsed while an engine
 * watched, minimum samples reached for every metric, no critical in the tier, no warning in the
 * most recent window. Explains itself per metric.
 */
export function evaluateGate(dep: GateInput, now: number): GateVerdict {
	const elapsedMs = bakeElapsed(dep, now);
	const pending = targetHold(dep);
	const requiredMs = dep.plan.bakeMs;
	const leftMs = Math.max(0, requiredMs - elapsedMs);
	const metrics = METRICS.map(m => metricGate(m, dep.window, dep.plan));
	const critical = metrics.filter(m => m.level === 'critical');
	const warnings = metrics.filter(m => m.level === 'warning');
	const thin = metrics.filter(m => m.level === 'inconclusive');
	const reasons = [
		...critical.map(m => m.explanation),
		...warnings.map(m => m.explanation),
		...(pending ? [pending] : []),
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
