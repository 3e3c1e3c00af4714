import {formatDuration} from './duration.js';
import type {Deployment, Level, MetricFeed} from './model/index.js';
import {gateMetrics, metricsTiming, valueOf, type GateMetric} from './metric-specs.js';
import {levelsWith, readWith, type MetricReading} from './monitor.js';
import {ms} from './clock.js';

export interface MetricGate {
	/** The metric's key: one of the four, or a custom metric's name. */
	metric: string;
	spec: GateMetric;
	samples: number;
	minSamples: number;
	/**
	 * Worst level among the most recent `minSamples` samples: the window that must be clean;
	 * `critical` once the tier spent the metric's failure budget; `no_data` while its feed has none.
	 */
	level: Level | 'inconclusive' | 'no_data';
	feed?: MetricFeed;
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
	/** A metric has no data: the gate holds and says since when. */
	noData: boolean;
	summary: string;
}

/** The worst of a metric's values: the largest for a ceiling, the deepest drop for a floor. */
function worstOf(below: boolean, values: readonly number[]): number | undefined {
	let w: number | undefined;
	for (const v of values) if (w === undefined || (below ? v < w : v > w)) w = v;
	return w;
}

/** `13:02:05 UTC`: the gate is pure and knows no operator's zone; screens show ages beside it. */
const clockText = (at: string) => `${at.slice(11, 19)} UTC`;

/** Where the metric's value would come from, in the words of a hold. */
function noDataText(m: GateMetric, feed: MetricFeed): string {
	const missing = feed.missing!;
	const what = missing.kind === 'error' ? `query failed ${missing.count}× (${missing.message})` : missing.message;
	return `no data from ${m.label} since ${clockText(missing.since)}: ${what}${missing.query ? ` — ${missing.query}` : ''}`;
}

function budgetText(used: number, limit: number): string {
	return limit > 1 ? `; failure budget: ${used} of ${limit} used, ${Math.max(0, limit - used)} left` : '';
}

/** A metric's level in the tier and the values it rests on, without a word said: the gate's decision. */
function judge(m: GateMetric, dep: GateInput) {
	const min = dep.plan.minSamples;
	const feed = dep.feeds?.[m.key];
	const level = levelsWith(m);
	const values: number[] = [];
	for (const s of dep.window) {
		const v = valueOf(s, m.key);
		if (v !== undefined) values.push(v);
	}
	// Failures of the tier: its critical readings, and its polls without data where no data counts as failing.
	const criticals = values.filter(v => level(v) === 'critical').length;
	const used = criticals + (feed?.failures ?? 0);
	const below = m.direction === 'below';
	const of = (l: MetricGate['level'], worst?: number) => ({level: l, values, used, feed, min, ...(worst === undefined ? {} : {worst})});
	if (used >= m.failureLimit) {
		const tierWorst = worstOf(below, values);
		return of('critical', tierWorst !== undefined && level(tierWorst) === 'critical' ? tierWorst : undefined);
	}
	if (feed?.missing) return of('no_data');
	// A critical within its budget holds as a warning does while it is in the recent window.
	const recentWorst = worstOf(below, values.slice(-min));
	if (recentWorst !== undefined && level(recentWorst) !== 'ok') return of('warning', recentWorst);
	return of(values.length < min ? 'inconclusive' : 'ok');
}

/** Each gate metric's level and sample count, as the gate judges them (the list's worst-level column: no words needed). */
export function gateLevels(dep: GateInput): Array<Pick<MetricGate, 'level' | 'samples'>> {
	return gateMetrics(dep).map(m => {
		const j = judge(m, dep);
		return {level: j.level, samples: j.values.length};
	});
}

function metricGate(m: GateMetric, dep: GateInput, now: number): MetricGate {
	const {level: judgedLevel, values, used, feed, min, worst} = judge(m, dep);
	const last = values.length > 0 ? readWith(m, values[values.length - 1]!) : undefined;
	const base = {metric: m.key, spec: m, samples: values.length, minSamples: min, ...(last ? {latest: last} : {}), ...(feed ? {feed} : {})};
	if (judgedLevel === 'critical') {
		const crit = worst === undefined ? undefined : readWith(m, worst);
		const why = crit ? `${crit.reason} — ${crit.detail}` : `${m.label}: no data counts as failing (noData: fail)`;
		return {...base, level: 'critical', ...(crit ? {judged: crit} : {}), explanation: `${why}${m.failureLimit > 1 ? ` (failure budget spent: ${used} of ${m.failureLimit})` : ''}`};
	}
	if (judgedLevel === 'no_data') return {...base, level: 'no_data', explanation: noDataText(m, feed!) + (used > 0 ? budgetText(used, m.failureLimit) : '')};
	if (judgedLevel === 'warning') {
		const w = readWith(m, worst!);
		return {...base, level: 'warning', judged: w, explanation: `${w.reason} in the last ${min} samples — ${w.detail}${budgetText(used, m.failureLimit)}; waiting for a clean window`};
	}
	const judged = last ? {judged: last} : {};
	if (judgedLevel === 'inconclusive') {
		const warm = warmUpLeft(m, dep, now);
		const why = warm !== undefined && values.length === 0 ? `warming up: first reading in ${formatDuration(warm)} (the query window must hold this tier only)` : `inconclusive: ${values.length}/${min} samples`;
		return {...base, ...judged, level: 'inconclusive', explanation: why};
	}
	return {...base, ...judged, level: 'ok', explanation: `ok: ${last!.detail}, ${values.length}/${min} samples${budgetText(used, m.failureLimit)}`};
}

/** Time left before a Prometheus metric's first reading of the tier, while the tier warms up. */
function warmUpLeft(m: GateMetric, dep: GateInput, now: number): number | undefined {
	if (m.source !== 'prometheus' || !dep.observed || dep.observed.generation !== dep.desired?.generation) return undefined;
	const left = ms(dep.observed.at) + metricsTiming(dep.definition?.metrics).initialDelayMs - now;
	return left > 0 ? left : undefined;
}

/**
 * Ticks further apart than this mean no engine was watching: the gap adds no bake time, and the
 * samples from before it prove nothing about now (the tick drops them).
 */
export const WATCH_GAP_MS = 15_000;

export type GateInput = Pick<Deployment, 'plan' | 'window' | 'tierStartedAt'> & Partial<Pick<Deployment, 'bake' | 'desired' | 'observed' | 'target' | 'definition' | 'feeds' | 'percent'>>;

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
	const metrics = gateMetrics(dep).map(m => metricGate(m, dep, now));
	const critical = metrics.filter(m => m.level === 'critical');
	const warnings = metrics.filter(m => m.level === 'warning');
	const blind = metrics.filter(m => m.level === 'no_data');
	const thin = metrics.filter(m => m.level === 'inconclusive');
	const reasons = [
		...critical.map(m => m.explanation),
		...blind.map(m => m.explanation),
		...warnings.map(m => m.explanation),
		...(pending ? [pending] : []),
		...thin.map(m => `${m.spec.label} ${m.explanation}`),
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
		bakingOnly: verdict === 'hold' && warnings.length === 0 && thin.length === 0 && blind.length === 0,
		warning: warnings.length > 0,
		noData: blind.length > 0,
		summary,
	};
}
