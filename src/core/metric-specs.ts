import {parseDuration} from './duration.js';
import {METRIC_INFO, METRICS, type Band, type Deployment, type Sample} from './model/index.js';
import type {MetricsSourceKind, MetricsSpec} from './model/metrics-source.js';

/**
 * What the gate judges for a deployment, one entry per metric: the four of every plan (with the
 * plan's bands) and the custom metrics its definition adds (with their own), each with the budget
 * and no-data policy the definition gives, and where its readings come from.
 */
export interface GateMetric {
	key: string;
	label: string;
	direction: 'above' | 'below';
	band: Band;
	unit: string;
	/** Critical readings in the tier that halt it. */
	failureLimit: number;
	noData: 'hold' | 'fail';
	source: MetricsSourceKind;
	/** The query templates, for a screen that shows them on demand (Prometheus only). */
	queries?: {query?: string; canary?: string; stable?: string};
	intervalMs: number;
	custom: boolean;
}

export const DEFAULT_FAILURE_LIMIT = 1;
/** Argo Rollouts' default: four query errors in a row halt. */
export const DEFAULT_ERROR_LIMIT = 4;

const ms = (text: string | undefined, fallback: number) => (text === undefined ? fallback : (parseDuration(text) ?? fallback));

/** The cadence of a metrics source, its defaults filled in. */
export function metricsTiming(spec: MetricsSpec | undefined) {
	const windowMs = ms(spec?.window, 60_000);
	const scrapeMs = ms(spec?.scrapeInterval, 15_000);
	return {
		intervalMs: ms(spec?.interval, 10_000),
		window: spec?.window ?? '1m',
		windowMs,
		scrapeMs,
		/** A rate() over a window that still holds the previous split must not judge the new tier. */
		initialDelayMs: ms(spec?.initialDelay, windowMs + 2 * scrapeMs),
		timeoutMs: ms(spec?.prometheus?.timeout, 5_000),
		errorLimit: spec?.consecutiveErrorLimit ?? DEFAULT_ERROR_LIMIT,
	};
}

type Source = Pick<Deployment, 'plan'> & Partial<Pick<Deployment, 'target' | 'definition' | 'percent'>>;

/** The metrics source of a deployment: its definition's, else the simulator for a simulated target, else pushes. */
export function sourceOf(dep: Source): MetricsSourceKind {
	return dep.definition?.metrics?.source ?? ((dep.target ?? 'simulated') === 'simulated' ? 'simulated' : 'push');
}

const cache = new WeakMap<object, GateMetric[]>();

/** Remembered per frozen deployment: a frame evaluates every live gate. */
export function gateMetrics(dep: Source): GateMetric[] {
	const known = cache.get(dep);
	if (known) return known;
	const list = buildGateMetrics(dep);
	if (Object.isFrozen(dep)) cache.set(dep, list);
	return list;
}

function buildGateMetrics(dep: Source): GateMetric[] {
	const spec = dep.definition?.metrics;
	const source = sourceOf(dep);
	const {intervalMs} = metricsTiming(spec);
	const policy = (p: {failureLimit?: number; noData?: 'hold' | 'fail'; interval?: string} | undefined) => ({
		failureLimit: p?.failureLimit ?? DEFAULT_FAILURE_LIMIT,
		noData: p?.noData ?? 'hold',
		intervalMs: ms(p?.interval, intervalMs),
	});
	// A Prometheus source judges what it has queries for; pushes and the simulator carry all four.
	// With all traffic on the canary, the stable version serves nothing to compare with: TES Δ
	// (a comparison) would read no data for good and hold the last tier forever.
	const alone = (dep.percent ?? 0) >= 100;
	const standard = METRICS.filter(m => source !== 'prometheus' || (spec?.checks?.[m] !== undefined && !(m === 'tesDelta' && alone))).map((m): GateMetric => {
		const check = spec?.checks?.[m];
		const info = METRIC_INFO[m];
		const queries = source === 'prometheus' && check ? {queries: {...(check.query ? {query: check.query} : {}), ...(check.canary ? {canary: check.canary, stable: check.stable!} : {})}} : {};
		return {key: m, label: info.label, direction: info.direction, band: dep.plan.thresholds[m], unit: info.unit, source, custom: false, ...policy(check), ...queries};
	});
	const custom = (source === 'prometheus' ? (spec?.custom ?? []) : []).map(
		(c): GateMetric => ({
			key: c.name,
			label: c.label ?? c.name,
			direction: c.direction,
			band: {warning: c.warning, critical: c.critical},
			unit: c.unit ?? '',
			source,
			custom: true,
			queries: {query: c.query},
			...policy(c),
		}),
	);
	return [...standard, ...custom];
}

/** A sample's value for a metric key: one of the four, or a custom metric. */
export function valueOf(sample: Sample, key: string): number | undefined {
	if ((METRICS as readonly string[]).includes(key)) return sample[key as (typeof METRICS)[number]];
	return sample.custom?.[key];
}
