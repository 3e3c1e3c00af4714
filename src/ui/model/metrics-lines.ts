import {canonicalJson, formatDuration, gateMetrics, metricsTiming, type CanaryPlan, type GateMetric, type ServiceDefinition} from '../../core/index.js';
import {headerNames, hideHeaderValues} from './hidden-headers.js';
import type {ContentLine} from './wrap.js';

/**
 * What a lease signs about the gate, in words a signer can check: where the readings come from
 * (the Prometheus address, its header names, never a value; the cadence, window and warm-up), and
 * per metric the gate judges (core's `gateMetrics` over the plan and the definition the lease
 * signs, so nothing is listed that the source does not judge): its label, bands with direction and
 * unit, failure budget, no-data policy and query templates. Lines are raw text: the caller escapes.
 */

const SOURCE_TEXT = {prometheus: 'from Prometheus', push: 'pushed (calyx metrics push)', simulated: 'simulated'} as const;

function sourceLines(definition: ServiceDefinition | undefined, source: GateMetric['source']): ContentLine[] {
	const spec = definition?.metrics;
	if (source !== 'prometheus' || !spec) {
		const why = spec ? '' : definition ? ' (the definition names no metrics source)' : ' (no service definition)';
		return [{label: 'metrics', text: `${SOURCE_TEXT[source]}${why}`}];
	}
	const prom = spec.prometheus;
	const timing = metricsTiming(spec);
	const headers = prom?.headers && Object.keys(prom.headers).length > 0 ? ` · headers: ${headerNames(prom.headers)}` : '';
	const warm = spec.initialDelay ? '' : ` (window + 2 scrapes of ${formatDuration(timing.scrapeMs)})`;
	return [
		{label: 'metrics', text: `from Prometheus at ${prom ? prom.address : '(no address)'}${headers} · timeout ${formatDuration(timing.timeoutMs)}`},
		{
			label: 'timing',
			text: `asked every ${formatDuration(timing.intervalMs)} · window ${timing.window} · warm-up ${formatDuration(timing.initialDelayMs)}${warm} after the target confirms a tier · ${timing.errorLimit} query errors in a row halt`,
		},
		...Object.entries(spec.variables ?? {}).map(([name, value]) => ({label: 'variable', text: `{{${name}}} = ${value}`})),
	];
}

/** `TES: warning < -2% · critical < -5% · …`: a bad reading lies beyond the sign, in the metric's direction. */
function metricLine(m: GateMetric, plan: CanaryPlan, sourceInterval: number): ContentLine {
	const cmp = m.direction === 'below' ? '<' : '>';
	const custom = m.custom ? ` (custom metric ${m.key}, ${m.direction === 'below' ? 'lower' : 'higher'} is worse)` : '';
	const budget = `failure budget: halts at ${m.failureLimit} critical reading${m.failureLimit === 1 ? '' : 's'} in a tier`;
	const noData = m.noData === 'fail' ? 'no data: counts as a critical reading' : 'no data: holds the gate';
	const every = m.source === 'prometheus' && m.intervalMs !== sourceInterval ? ` · asked every ${formatDuration(m.intervalMs)}` : '';
	const alone = m.key === 'tesDelta' && m.source === 'prometheus' && plan.tiers.includes(100) ? ' · not judged at 100% (no stable traffic to compare with)' : '';
	return {
		label: 'threshold',
		text: `${m.label}${custom}: warning ${cmp} ${m.band.warning}${m.unit} · critical ${cmp} ${m.band.critical}${m.unit} · ${budget} · ${noData}${every}${alone}`,
	};
}

function queryLines(m: GateMetric): ContentLine[] {
	const q = m.queries ?? {};
	return (['query', 'canary', 'stable'] as const).flatMap(part => (q[part] === undefined ? [] : [{label: part === 'query' ? 'query' : `${part} query`, text: q[part]}]));
}

const NAMED = ['source', 'prometheus', 'interval', 'window', 'scrapeInterval', 'initialDelay', 'consecutiveErrorLimit', 'variables', 'checks', 'custom'];
const NAMED_PROMETHEUS = ['address', 'headers', 'timeout'];

const unnamed = (o: object, named: readonly string[]) => Object.fromEntries(Object.entries(o).filter(([k]) => !named.includes(k)));

/** Whatever else the metrics spec holds (a hand-edited store): shown as JSON, header values hidden, so nothing signed is left out. */
function restLine(spec: ServiceDefinition['metrics']): ContentLine[] {
	if (!spec) return [];
	const left = unnamed(spec, NAMED);
	const prometheus = unnamed(spec.prometheus ?? {}, NAMED_PROMETHEUS);
	if (Object.keys(prometheus).length > 0) left.prometheus = prometheus;
	return Object.keys(left).length > 0 ? [{label: 'metrics+', text: canonicalJson(hideHeaderValues(left))}] : [];
}

export function metricsLines(plan: CanaryPlan, definition: ServiceDefinition | undefined): ContentLine[] {
	const metrics = gateMetrics({plan, ...(definition ? {definition, target: definition.target.kind} : {})});
	const source = metrics[0]?.source ?? (definition?.metrics?.source ?? 'simulated');
	const interval = metricsTiming(definition?.metrics).intervalMs;
	const none: ContentLine[] = metrics.length === 0 ? [{label: 'threshold', text: 'none: the source judges no metric (the definition gives it no query)', tone: 'warning'}] : [];
	return [...sourceLines(definition, source), ...none, ...metrics.flatMap(m => [metricLine(m, plan, interval), ...queryLines(m)]), ...restLine(definition?.metrics)];
}
