/**
 * `calyx service check`: every query of a definition's Prometheus source asked once, now, the way
 * the engine's poll asks it. Core renders the templates (`pollQuery`) and judges the answers
 * (`pollCommand`: a value out of the metric's range is an error, TES Δ is the delta of its two
 * readings), this module only asks: what it reports as a value is what the first poll would
 * record, and an error is the one the first poll would meet.
 */
import {gateMetrics, metricsTiming, valueOf} from '../../core/metric-specs.js';
import {pollCommand, pollQuery, queryVariables, type PollAnswers, type PollQuery, type PollWork} from '../../core/metrics-work.js';
import type {CommandOf} from '../../core/engine/commands.js';
import {DEFAULT_PLAN, placeholders, type MetricsSpec} from '../../core/model/index.js';
import {resolveSettings} from './headers.js';
import {askQueries, type Query} from './poll.js';
import {probePrometheus, queryInstant, type PrometheusSettings, type QueryAnswer} from './prometheus.js';

export type {Query} from './poll.js';

/** A metric's result: the value the engine would record, or why there is none. */
export type CheckAnswer = {ok: true; value: number} | {ok: false; kind: 'no_data' | 'error'; message: string};

export interface CheckedMetric {
	metric: string;
	label: string;
	unit: string;
	custom: boolean;
	/** What no data does to this metric during a canary: holds the gate (`hold`), or counts as a critical reading (`fail`). */
	noData: 'hold' | 'fail';
	/** The templates as the definition writes them. */
	templates: {query?: string; canary?: string; stable?: string};
	/** The queries as asked (absent when a template could not be filled: `answer` says why). */
	query?: string;
	canary?: string;
	stable?: string;
	answer: CheckAnswer;
	/** TES Δ's two readings, each as Prometheus answered it. */
	sides?: {canary: QueryAnswer; stable: QueryAnswer};
}

export interface CheckReport {
	prometheus: {ok: true; detail: string} | {ok: false; message: string};
	window: string;
	metrics: CheckedMetric[];
}

/** A definition's metrics source when it is Prometheus, with its address. */
export type PrometheusSpec = MetricsSpec & {source: 'prometheus'; prometheus: NonNullable<MetricsSpec['prometheus']>};

export const isPrometheus = (spec: MetricsSpec | undefined): spec is PrometheusSpec => spec?.source === 'prometheus' && spec.prometheus !== undefined;

/** Which versions the queries name: only those need a value. */
export function versionsNamed(spec: MetricsSpec): {canary: boolean; stable: boolean} {
	const names = new Set(gateMetrics({plan: DEFAULT_PLAN, definition: {name: '-', target: {kind: 'simulated'}, metrics: spec}}).flatMap(m => Object.values(m.queries ?? {}).flatMap(placeholders)));
	return {canary: names.has('canary'), stable: names.has('stable')};
}

export interface CheckOptions {
	service: string;
	/** The versions for `{{canary}}` and `{{stable}}`; a query naming one not given is an error of that query. */
	versions: {canary?: string; stable?: string};
	signal?: AbortSignal;
	query?: Query;
	probe?: typeof probePrometheus;
	now?: number;
}

/** Probes the source, then asks every query at once; nothing is asked of a Prometheus that does not answer the probe. */
export async function checkQueries(spec: PrometheusSpec, opts: CheckOptions): Promise<CheckReport> {
	const timing = metricsTiming(spec);
	const resolved = await resolveSettings({...spec.prometheus, timeoutMs: timing.timeoutMs});
	const settings: PrometheusSettings = resolved.ok ? resolved.settings : {address: spec.prometheus.address, timeoutMs: timing.timeoutMs};
	const signal = opts.signal ? {signal: opts.signal} : {};
	// Any plan will do: its bands are not used (a check reads values; the lease's plan judges them).
	const metrics = gateMetrics({plan: DEFAULT_PLAN, definition: {name: opts.service, target: {kind: 'simulated'}, metrics: spec}});
	const vars: Record<string, string> = queryVariables({service: opts.service, toVersion: opts.versions.canary ?? '', fromVersion: opts.versions.stable ?? ''}, spec);
	// A version not given stays unknown: the query naming it is reported, not asked with an empty value.
	if (opts.versions.canary === undefined) delete vars.canary;
	if (opts.versions.stable === undefined) delete vars.stable;
	const queries = metrics.map(m => pollQuery(m, vars));
	const probe = resolved.ok ? await (opts.probe ?? probePrometheus)(settings, signal) : {ok: false as const, message: resolved.problem};
	const base = (m: (typeof metrics)[number], q: PollQuery) => ({
		metric: m.key,
		label: m.label,
		unit: m.unit,
		custom: m.custom,
		noData: m.noData,
		templates: m.queries ?? {},
		...(q.query !== undefined ? {query: q.query} : {}),
		...(q.canary !== undefined ? {canary: q.canary, stable: q.stable!} : {}),
	});
	if (!probe.ok) {
		const answer: CheckAnswer = {ok: false, kind: 'error', message: 'not asked: Prometheus did not answer the probe'};
		return {prometheus: probe, window: timing.window, metrics: metrics.map((m, i) => ({...base(m, queries[i]!), answer}))};
	}
	const raw: PollAnswers = await askQueries(settings, queries, opts.query ?? queryInstant, opts.signal);
	const work: PollWork = {id: 'check', service: opts.service, prometheus: settings, queries, at: new Date(opts.now ?? Date.now()).toISOString()};
	const recorded = pollCommand(work, raw) as CommandOf<'metrics.record'>;
	return {
		prometheus: probe,
		window: timing.window,
		metrics: metrics.map((m, i): CheckedMetric => {
			const missing = recorded.missing?.find(x => x.metric === m.key);
			const value = recorded.sample ? valueOf(recorded.sample as Parameters<typeof valueOf>[0], m.key) : undefined;
			const answer: CheckAnswer = missing ? {ok: false, kind: missing.kind === 'no_data' ? 'no_data' : 'error', message: missing.message} : value !== undefined ? {ok: true, value} : {ok: false, kind: 'error', message: 'no answer'};
			const pair = raw.get(m.key);
			return {...base(m, queries[i]!), answer, ...(pair && 'canary' in pair ? {sides: pair} : {})};
		}),
	};
}
