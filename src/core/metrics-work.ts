/**
 * What the engine asks of a Prometheus source, derived from state alone as the target's work is
 * (core/reconcile.ts): which deployments' metrics are due a poll now, with their queries rendered,
 * and how the answers become a `metrics.record` command. The driver (src/drivers/metrics) only runs
 * the queries, outside any lock.
 */
import {ms, iso} from './clock.js';
import type {Command, MissingReading} from './engine/commands.js';
import {ACTIVE} from './engine/transitions.js';
import {gateMetrics, metricsTiming, type GateMetric} from './metric-specs.js';
import {METRIC_INFO, METRICS, placeholders, type HeaderValue, type Deployment, type MetricName, type MetricsSpec, type Sample, type State} from './model/index.js';
import {awaitingTarget} from './target.js';

/** A query's answer as the driver gives it: a number, or why there is none. */
export type QueryAnswer = {ok: true; value: number} | {ok: false; kind: 'no_data' | 'error'; message: string};

export interface PollQuery {
	metric: string;
	label: string;
	/** One query, or TES Δ's pair; `problem` when a template could not be filled (nothing is asked then). */
	query?: string;
	canary?: string;
	stable?: string;
	problem?: string;
	/** Not asked for want of something in the polling process (a credential): recorded as `unasked`. */
	unasked?: string;
}

export interface PollWork {
	id: string;
	service: string;
	/** Header values as the definition gives them: the driver resolves `{env}` and `{file}` when it asks. */
	prometheus: {address: string; headers?: Record<string, HeaderValue>; timeoutMs: number};
	queries: PollQuery[];
	at: string;
}

/** Values from an intent may only be names: inside a PromQL string they could end it and add a query of their own. */
const SAFE_VALUE = /^[A-Za-z0-9._:@+/-]{1,128}$/;

/** Fills `{{name}}` placeholders; a built-in value that is not a plain name makes the query a problem, not a query. */
export function renderQuery(template: string, vars: Readonly<Record<string, string>>, builtins: ReadonlySet<string>): {query: string} | {problem: string} {
	for (const name of placeholders(template)) {
		const value = vars[name];
		if (value === undefined) return {problem: `unknown variable {{${name}}}`};
		if (builtins.has(name) && !SAFE_VALUE.test(value)) return {problem: `{{${name}}} is ${JSON.stringify(value.slice(0, 64))}: only letters, digits and . _ : @ + / - can go into a query`};
	}
	return {query: template.replace(/\{\{\s*([^{}]*?)\s*\}\}/g, (_, name: string) => vars[name]!)};
}

const BUILTINS = new Set(['service', 'canary', 'stable', 'window']);

/** The values of a deployment's query variables: its service, versions, window, and the definition's own. */
export function queryVariables(dep: Pick<Deployment, 'service' | 'fromVersion' | 'toVersion'>, spec: MetricsSpec): Record<string, string> {
	return {...spec.variables, service: dep.service, canary: dep.toVersion, stable: dep.fromVersion, window: metricsTiming(spec).window};
}

/** A metric's queries, rendered for a deployment. */
export function pollQuery(m: GateMetric, vars: Readonly<Record<string, string>>): PollQuery {
	const out: PollQuery = {metric: m.key, label: m.label};
	for (const part of ['query', 'canary', 'stable'] as const) {
		const template = m.queries?.[part];
		if (template === undefined) continue;
		const rendered = renderQuery(template, vars, BUILTINS);
		if ('problem' in rendered) return {...out, problem: rendered.problem};
		out[part] = rendered.query;
	}
	return out;
}

/**
 * The polls due now: live deployments on a Prometheus source whose target confirmed the tier at
 * least the warm-up ago, each metric once its interval has passed since its last poll.
 */
export function metricsWork(state: Pick<State, 'deployments'>, now: number): PollWork[] {
	const work: PollWork[] = [];
	for (const dep of state.deployments) {
		const spec = dep.definition?.metrics;
		if (!spec || spec.source !== 'prometheus' || !spec.prometheus || !ACTIVE.includes(dep.status) || awaitingTarget(dep) || !dep.observed) continue;
		const timing = metricsTiming(spec);
		if (now < ms(dep.observed.at) + timing.initialDelayMs) continue;
		const due = gateMetrics(dep).filter(m => {
			const polled = dep.feeds?.[m.key]?.polledAt;
			return polled === undefined || now >= ms(polled) + m.intervalMs || ms(polled) < ms(dep.observed!.at);
		});
		if (due.length === 0) continue;
		const vars = queryVariables(dep, spec);
		const {address, headers} = spec.prometheus;
		work.push({id: dep.id, service: dep.service, prometheus: {address, ...(headers ? {headers} : {}), timeoutMs: timing.timeoutMs}, queries: due.map(m => pollQuery(m, vars)), at: iso(now)});
	}
	return work;
}

const fmt = (n: number) => `${Number(n.toPrecision(6))}`;

/** TES Δ in percent: how far the canary's value falls below (or rises above) the stable version's. */
export function tesDelta(canary: number, stable: number): QueryAnswer {
	if (stable === 0) return {ok: false, kind: 'no_data', message: 'the stable version reads 0: no baseline to compare with'};
	const delta = ((canary - stable) / Math.abs(stable)) * 100;
	return {ok: true, value: Math.max(-100, Math.min(100, delta))};
}

/** A value out of a metric's physical range is a query that measures something else, not a reading. */
function inRange(metric: string, answer: QueryAnswer): QueryAnswer {
	if (!answer.ok || !(METRICS as readonly string[]).includes(metric)) return answer;
	const {min, max, label} = METRIC_INFO[metric as MetricName];
	return answer.value >= min && answer.value <= max ? answer : {ok: false, kind: 'error', message: `${label} read ${fmt(answer.value)}: outside ${min}–${max} (is the query's unit percent?)`};
}

export type PollAnswers = ReadonlyMap<string, QueryAnswer | {canary: QueryAnswer; stable: QueryAnswer}>;

/** A poll's answers as the command that records them: a sample of the values, and the metrics without one. */
export function pollCommand(work: PollWork, answers: PollAnswers): Command {
	const sample: Partial<Sample> & {custom?: Record<string, number>} = {at: work.at};
	const missing: MissingReading[] = [];
	for (const q of work.queries) {
		const shown = q.query ?? (q.canary !== undefined ? `canary: ${q.canary} / stable: ${q.stable}` : undefined);
		const miss = (kind: MissingReading['kind'], message: string) => missing.push({metric: q.metric, kind, message, ...(shown ? {query: shown} : {})});
		if (q.unasked) {
			miss('unasked', q.unasked);
			continue;
		}
		if (q.problem) {
			miss('error', q.problem);
			continue;
		}
		const raw = answers.get(q.metric);
		if (!raw) {
			miss('error', 'no answer');
			continue;
		}
		let answer: QueryAnswer;
		if ('canary' in raw) {
			const side = !raw.canary.ok ? ['canary', raw.canary] as const : !raw.stable.ok ? ['stable', raw.stable] as const : undefined;
			if (side) {
				miss(side[1].ok ? 'error' : side[1].kind, `${side[0]}: ${side[1].ok ? '' : side[1].message}`);
				continue;
			}
			const c = (raw.canary as {value: number}).value;
			const s = (raw.stable as {value: number}).value;
			answer = tesDelta(c, s);
			if (answer.ok) sample.tes = {canary: c, stable: s};
		} else answer = raw;
		answer = inRange(q.metric, answer);
		if (!answer.ok) {
			miss(answer.kind, answer.message);
			continue;
		}
		if ((METRICS as readonly string[]).includes(q.metric)) sample[q.metric as MetricName] = answer.value;
		else sample.custom = {...sample.custom, [q.metric]: answer.value};
	}
	const hasValue = METRICS.some(m => sample[m] !== undefined) || sample.custom !== undefined;
	return {
		type: 'metrics.record',
		actor: 'engine',
		id: work.id,
		source: 'prometheus',
		polled: work.queries.map(q => q.metric),
		...(hasValue ? {sample} : {}),
		...(missing.length > 0 ? {missing} : {}),
	};
}
