import {displayText, formatDuration, gateMetrics, ms, pollQuery, queryVariables, type Deployment, type DeploymentView, type MetricGate, type MetricsSourceKind, type Sample} from '../../core/index.js';
import type {Tone} from '../theme.js';
import {clockTime, valueText} from './format.js';

/**
 * Where a metric's value comes from and how fresh it is, as the detail view says it under the
 * metric's line: the source, the last reading's age on the console's clock, TES Δ's two readings,
 * since when there is no data; and, on demand, the queries Prometheus is asked.
 */

export interface Segment {
	text: string;
	tone?: Tone;
}

export const SOURCE_WORD: Record<MetricsSourceKind, string> = {prometheus: 'Prometheus', push: 'pushed', simulated: 'simulated'};
/** The source as the first words of a metric's feed line. */
const SOURCE_PHRASE: Record<MetricsSourceKind, string> = {prometheus: 'from Prometheus', push: 'pushed', simulated: 'simulated'};

/** `4s ago`; a reading stamped after the console's now (a pusher's clock ahead) says so. */
export function ageText(at: string | undefined, now: number): string {
	if (at === undefined) return '—';
	const age = now - ms(at);
	return age >= 0 ? `${formatDuration(age)} ago` : `${formatDuration(-age)} ahead of this clock`;
}

const num = (n: number) => `${Number(n.toFixed(2))}`;

/**
 * TES Δ's last reading with the two values it was computed from: `TES Δ -3.1% (canary 96.2 /
 * stable 99.3)`. Only when the window's last TES reading carries them (a Prometheus poll does; a
 * push gives the delta alone, and an older pair would not be the reading shown).
 */
export function tesPair(window: readonly Sample[]): string | undefined {
	const last = window.findLast(s => s.tesDelta !== undefined);
	if (!last?.tes) return undefined;
	return `TES Δ ${valueText(last.tesDelta!, '%')} (canary ${num(last.tes.canary)} / stable ${num(last.tes.stable)})`;
}

/** What is missing, in the gate's words: `no data since 13:02:05 UTC: empty result`. */
function missingText(missing: NonNullable<NonNullable<MetricGate['feed']>['missing']>, now: number): string {
	const what = missing.kind === 'error' ? `query failed ${missing.count}× (${missing.message})` : missing.message;
	return `no data since ${clockTime(missing.since, now)}: ${what}`;
}

/** `warming up: first reading in 7s`: the gate's explanation without its parenthesis. */
const warmingText = (explanation: string) => explanation.replace(/\s*\(.*\)\s*$/, '');

/**
 * The line under a metric: `from Prometheus · last reading 4s ago: TES Δ …`, or with no data
 * `from Prometheus · no data since 13:02:05 UTC: empty result · last reading 2m ago`, or
 * `simulated · last reading 1s ago`, `pushed · last reading —` (none yet). The source is
 * the definition's; a last reading that came from elsewhere (a push into a Prometheus canary) says
 * where it came from. Texts come from the view, already escaped for the screen.
 *
 * A reading from before `tierSince` (when this tier's readings start to count: its start, or the
 * target's confirmation of it) belongs to another tier: its age would pass for this tier's. While
 * the tier warms up the line says so (`warming up: first reading in 7s`); after, that this tier
 * has no reading yet.
 */
export function feedSegments(m: MetricGate, window: readonly Sample[], now: number, tierSince?: number): Segment[] {
	const feed = m.feed;
	const out: Segment[] = [{text: SOURCE_PHRASE[m.spec.source]}];
	if (feed?.missing) out.push({text: missingText(feed.missing, now), tone: 'warning'});
	const stale = feed?.at !== undefined && tierSince !== undefined && ms(feed.at) < tierSince;
	if (m.explanation.startsWith('warming up') && (stale || feed?.at === undefined)) return [...out, {text: warmingText(m.explanation)}];
	if (stale) return [...out, {text: 'no reading of this tier yet'}];
	const from = feed?.at !== undefined ? feed.source : m.spec.source;
	const elsewhere = from !== m.spec.source ? ` (${SOURCE_WORD[from]})` : '';
	const pair = m.metric === 'tesDelta' ? tesPair(window) : undefined;
	return [...out, {text: `last reading ${ageText(feed?.at, now)}${elsewhere}${pair ? `: ${pair}` : ''}`}];
}

/** When a deployment's current tier starts to count readings: its start, or the target's confirmation of it if later. */
export function tierSince(view: Pick<DeploymentView, 'tierElapsedMs' | 'target'>, now: number): number {
	const start = now - view.tierElapsedMs;
	const confirmed = view.target.state === 'confirmed' && view.target.confirmed ? ms(view.target.confirmed.at) : start;
	return Math.max(start, confirmed);
}

/** One query row: which query (`query`, or TES Δ's `canary` and `stable`) and its text. */
export interface QueryRow {
	part: 'query' | 'canary' | 'stable' | 'asked' | 'template' | 'problem';
	text: string;
}

/**
 * A deployment's queries per metric key, as the poller asks them (the definition's templates
 * filled in with the same function), for the detail view to show on demand. Empty for a canary
 * whose readings are pushed or simulated. The texts are the definition's, not yet escaped.
 */
export function renderedQueries(dep: Deployment): Record<string, QueryRow[]> {
	const spec = dep.definition?.metrics;
	if (spec?.source !== 'prometheus') return {};
	const vars = queryVariables(dep, spec);
	const out: Record<string, QueryRow[]> = {};
	for (const m of gateMetrics(dep)) {
		if (!m.queries) continue;
		const polled = pollQuery(m, vars);
		const parts = (['query', 'canary', 'stable'] as const).filter(p => m.queries![p] !== undefined);
		out[m.key] = polled.problem
			? [...parts.map(p => ({part: 'template' as const, text: m.queries![p]!})), {part: 'problem', text: polled.problem}]
			: parts.map(p => ({part: p, text: polled[p]!}));
	}
	return out;
}

/**
 * The rows shown for one metric: the query that last failed, exactly as it was asked, when the
 * feed kept it; else the rendered ones. Every text cut and escaped here: a definition is signed,
 * but what it holds is still drawn on an operator's terminal.
 */
export function queryRows(m: MetricGate, rendered: Readonly<Record<string, QueryRow[]>>): QueryRow[] {
	const asked = m.feed?.missing?.query;
	const rows = asked !== undefined ? [{part: 'asked' as const, text: asked}] : (rendered[m.metric] ?? []);
	return rows.map(r => ({part: r.part, text: displayText(r.text, 2000)}));
}
