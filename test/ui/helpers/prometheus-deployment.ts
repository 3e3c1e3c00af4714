import {iso, type Deployment, type MetricFeed, type MetricsSpec, type Sample} from '../../../src/core/index.js';

/** A Prometheus definition as an admin writes one: queries for three of the four (not memory), and a metric of its own. */
export const PROMETHEUS_METRICS: MetricsSpec = {
	source: 'prometheus',
	prometheus: {address: 'http://127.0.0.1:9090'},
	window: '1m',
	checks: {
		tesDelta: {canary: 'sum(rate(ok{service="{{service}}",version="{{canary}}"}[{{window}}]))', stable: 'sum(rate(ok{service="{{service}}",version="{{stable}}"}[{{window}}]))'},
		errorRate: {query: '100 * sum(rate(errors{service="{{service}}",version="{{canary}}"}[{{window}}]))'},
		cpu: {query: 'avg(cpu_percent{service="{{service}}",version="{{canary}}"})'},
	},
	custom: [
		{
			name: 'latency_p99',
			label: 'p99 latency',
			query: 'histogram_quantile(0.99, sum by (le) (rate(latency_bucket{service="{{service}}"}[{{window}}]))) * 1000',
			direction: 'above',
			warning: 250,
			critical: 400,
			unit: 'ms',
		},
	],
};

/** The error rate's query for checkout 1.0.0 → 1.1.0, as the poller asked it. */
export const ERROR_QUERY = '100 * sum(rate(errors{service="checkout",version="1.1.0"}[1m]))';

export interface PrometheusOpts {
	/** Replaces the error rate's missing reading (`null`: it has data, as the others do). */
	errorMissing?: Partial<NonNullable<MetricFeed['missing']>> | null;
	/** Replaces the window's samples, oldest first, each `ago` ms before now. */
	samples?: Array<Omit<Sample, 'at'> & {ago: number}>;
}

const DEFAULT_SAMPLES: NonNullable<PrometheusOpts['samples']> = [
	{ago: 30_000, tesDelta: -1, tes: {canary: 98.3, stable: 99.3}, errorRate: 0.4, cpu: 112.41, custom: {latency_p99: 180}},
	{ago: 20_000, tesDelta: -0.5, tes: {canary: 98.8, stable: 99.3}, cpu: 61.02, custom: {latency_p99: 190}},
	{ago: 10_000, tesDelta: -3.12, tes: {canary: 96.2, stable: 99.3}, cpu: 61.02, custom: {latency_p99: 201.5}},
];

/** The tier began and the target confirmed it this long before `now`: its warm-up (1m + 2 × 15s) ended 30 s before. */
export const TIER_AGO = 120_000;

/**
 * A live canary as the engine leaves it after three Prometheus polls, the last 10 s before `now`,
 * all of them in its current tier (confirmed `TIER_AGO` before `now`):
 * TES Δ from the pair, CPU 112.41% then twice 61.02%, p99 latency in ms, and (unless told otherwise)
 * the error rate without data for the last 65 s (its query answered an empty result).
 */
export function onPrometheus(dep: Deployment, now: number, opts: PrometheusOpts = {}): Deployment {
	const at = (ago: number) => iso(now - ago);
	const window: Sample[] = (opts.samples ?? DEFAULT_SAMPLES).map(({ago, ...s}) => ({...s, at: at(ago)}));
	const read = (ago: number): MetricFeed => ({source: 'prometheus', at: at(ago), polledAt: at(10_000)});
	const missing = opts.errorMissing === null ? {} : {missing: {kind: 'no_data' as const, since: at(65_000), message: 'empty result', query: ERROR_QUERY, count: 3, ...opts.errorMissing}};
	const feeds: Record<string, MetricFeed> = {tesDelta: read(10_000), cpu: read(10_000), latency_p99: read(10_000), errorRate: {...read(30_000), ...missing}};
	const observed = dep.observed ? {observed: {...dep.observed, generation: dep.desired.generation, at: at(TIER_AGO)}} : {};
	return {...dep, definition: {name: dep.service, target: {kind: 'simulated'}, metrics: PROMETHEUS_METRICS}, window, feeds, sampleCount: window.length, tierStartedAt: at(TIER_AGO), ...observed};
}
