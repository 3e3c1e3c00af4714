/**
 * A definition's metrics source as a reviewer reads it before signing (`service show`, `lease
 * show`/`verify`, `trust sign`): the source and its cadence, then each gate metric with its
 * queries, bands, budget and no-data policy. Built from core's own reading of the source
 * (`gateMetrics`, `metricsTiming`): what is shown is what the engine will judge.
 *
 * Header values of a Prometheus source are credentials: no command prints them, in text or JSON.
 * Their names are shown, each value replaced by NOT_SHOWN; a reference to where a secret lives
 * (`{env: NAME}`, `{file: PATH}`) is not the secret, and is shown as it is.
 */
import {canonicalJson} from '../../core/canonical.js';
import {hiddenHeaders} from '../../core/view/hidden-headers.js';
import {formatDuration} from '../../core/duration.js';
import {gateMetrics, metricsTiming} from '../../core/metric-specs.js';
import type {MetricsSourceKind} from '../../core/model/metrics-source.js';
import {DEFAULT_PLAN, type Band, type CanaryPlan, type ServiceDefinition} from '../../core/model/index.js';

export {HIDDEN_VALUE as NOT_SHOWN, hideHeaderValues as withoutSecrets} from '../../core/view/hidden-headers.js';

export interface MetricView {
	key: string;
	label: string;
	custom: boolean;
	source: MetricsSourceKind;
	/** The query templates as the definition writes them (a Prometheus source only). */
	queries?: {query?: string; canary?: string; stable?: string};
	/** `above`: higher is worse (a ceiling); `below`: lower is worse (a floor). */
	direction: 'above' | 'below';
	unit: string;
	/** The bands judged; absent for one of the four when there is no lease, whose plan gives them, yet. */
	bands?: Band;
	/** Where the bands come from: the definition (a custom metric) or the lease's plan (the four). */
	bandsFrom: 'definition' | 'lease plan';
	failureLimit: number;
	noData: 'hold' | 'fail';
	intervalMs: number;
}

export interface MetricsView {
	source: MetricsSourceKind;
	prometheus?: {address: string; headers?: Record<string, unknown>; timeoutMs: number};
	intervalMs: number;
	window: string;
	scrapeIntervalMs: number;
	/** After the target confirms a tier, before its first reading. */
	warmUpMs: number;
	/** True when the warm-up is the default (window + two scrapes), not set by the definition. */
	warmUpDefault: boolean;
	/** Query errors in a row that halt the canary. */
	errorLimit: number;
	variables?: Record<string, string>;
	metrics: MetricView[];
}

/**
 * The metrics of a definition, per metric. `plan`: the lease's, whose bands judge the four; without
 * one (a definition not yet under a lease) their bands are left to the lease's plan.
 */
export function metricsView(definition: ServiceDefinition, plan?: CanaryPlan): MetricsView | undefined {
	const spec = definition.metrics;
	if (!spec) return undefined;
	const timing = metricsTiming(spec);
	const metrics = gateMetrics({plan: plan ?? DEFAULT_PLAN, definition}).map((m): MetricView => {
		const bands = m.custom || plan ? {bands: m.band} : {};
		return {
			key: m.key,
			label: m.label,
			custom: m.custom,
			source: m.source,
			...(m.queries ? {queries: m.queries} : {}),
			direction: m.direction,
			unit: m.unit,
			...bands,
			bandsFrom: m.custom ? 'definition' : 'lease plan',
			failureLimit: m.failureLimit,
			noData: m.noData,
			intervalMs: m.intervalMs,
		};
	});
	const p = spec.prometheus;
	return {
		source: spec.source,
		...(p ? {prometheus: {address: p.address, ...(p.headers ? {headers: hiddenHeaders(p.headers)} : {}), timeoutMs: timing.timeoutMs}} : {}),
		intervalMs: timing.intervalMs,
		window: timing.window,
		scrapeIntervalMs: timing.scrapeMs,
		warmUpMs: timing.initialDelayMs,
		warmUpDefault: spec.initialDelay === undefined,
		errorLimit: timing.errorLimit,
		...(spec.variables && Object.keys(spec.variables).length > 0 ? {variables: spec.variables} : {}),
		metrics,
	};
}

const d = formatDuration;
const SOURCE_WORDS: Record<MetricsSourceKind, string> = {prometheus: 'Prometheus', push: 'pushes (calyx metrics push)', simulated: 'the simulator'};
/** Below the value column of `metrics:  …`, as `service show` and `lease show` align their fields. */
const PAD = ' '.repeat(10);

function bandText(m: MetricView): string {
	const worse = m.direction === 'above' ? 'higher' : 'lower';
	if (!m.bands) return `bands from the lease's plan (${worse} is worse${m.unit ? `, in ${m.unit}` : ''})`;
	const cmp = m.direction === 'above' ? '>' : '<';
	return `warning ${cmp} ${m.bands.warning}${m.unit}, critical ${cmp} ${m.bands.critical}${m.unit} (${m.bandsFrom === 'definition' ? 'its own' : 'the lease\'s plan'})`;
}

function metricLines(m: MetricView, view: MetricsView): string[] {
	const policy = [
		`failure limit ${m.failureLimit}`,
		m.noData === 'hold' ? 'no data holds the gate' : 'no data counts as a critical reading',
		...(m.intervalMs !== view.intervalMs ? [`polled every ${d(m.intervalMs)}`] : []),
	];
	const q = m.queries ?? {};
	const queries = [...(q.query !== undefined ? [`    query:  ${q.query}`] : []), ...(q.canary !== undefined ? [`    canary: ${q.canary}`, `    stable: ${q.stable ?? ''}`] : [])];
	return [`${PAD}- ${m.label}${m.custom ? (m.label === m.key ? ' (custom)' : ` (custom: ${m.key})`) : ''}: ${bandText(m)}; ${policy.join(', ')}`, ...queries.map(l => `${PAD}${l}`)];
}

/** The source, its cadence, then each metric: a `metrics:` field, its other lines aligned below its value. */
export function metricsLines(view: MetricsView): string[] {
	const p = view.prometheus;
	const headers = p?.headers ? Object.entries(p.headers).map(([name, value]) => `${name}: ${typeof value === 'string' ? value : canonicalJson(value)}`) : [];
	const warmUp = view.warmUpDefault ? `${d(view.warmUpMs)} (window + 2 scrapes of ${d(view.scrapeIntervalMs)})` : d(view.warmUpMs);
	const polled = view.source === 'prometheus' ? `polled every ${d(view.intervalMs)}, window ${view.window}, warm-up ${warmUp} after each tier, query timeout ${d(p?.timeoutMs ?? 0)}, ${view.errorLimit} query errors in a row halt` : undefined;
	return [
		`metrics:  from ${SOURCE_WORDS[view.source]}${p ? ` at ${p.address}` : ''}`,
		...(headers.length > 0 ? [`${PAD}headers: ${headers.join(', ')}`] : []),
		...(polled ? [`${PAD}${polled}`] : []),
		...(view.variables ? [`${PAD}variables: ${Object.entries(view.variables).map(([k, v]) => `${k}=${v}`).join(', ')}`] : []),
		...view.metrics.flatMap(m => metricLines(m, view)),
	];
}
