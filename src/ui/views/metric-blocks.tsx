import {Box, Text} from 'ink';
import {valueOf, type DeploymentView, type MetricGate, type Sample} from '../../core/index.js';
import {labelWidth, METRIC_COLUMNS, metricText} from '../components/MetricLine.js';
import Toned from '../components/Toned.js';
import type {Block} from '../model/blocks.js';
import {feedSegments, queryRows, SOURCE_WORD, tierSince, type QueryRow} from '../model/metric-feed.js';
import {muted, titleText, toned} from '../model/styled.js';
import {wrapRows} from '../model/wrap.js';

export interface MetricInput {
	view: DeploymentView;
	/** The recent samples from the metrics log; the view's own window when the log is not loaded yet. */
	samples?: readonly Sample[];
	width: number;
	/** The console's clock: a reading's age is counted on it. */
	now: number;
	/** The deployment's queries as the poller renders them, by metric key (see renderedQueries). */
	queries?: Readonly<Record<string, QueryRow[]>>;
	/** Whether the operator asked to see the queries, and the key that toggles them (from the keymap). */
	showQueries?: boolean;
	queriesKey?: string;
}

// `template ` is the longest part name.
const PART = 9;

/** Under a metric's line, under its value: where it comes from, the last reading's age (of this tier's), what is missing. */
function feedBlock(m: MetricGate, window: readonly Sample[], now: number, since: number, indent: string): Block {
	const segments = feedSegments(m, window, now, since).map((seg, i) => (i > 0 ? muted(' · ') : '') + (seg.tone ? toned(seg.tone, seg.text) : muted(seg.text)));
	return {key: `feed-${m.metric}`, height: 1, text: muted(indent) + segments.join('')};
}

/**
 * A query, wrapped to the width: read whole, or cut by the pane at its edge. Its rows are not
 * `Line`s: ink's clip regions do not nest (the innermost wins), so a row's own clip would draw it
 * over the pane's edge, on the "more below" hint. Each row is cut to the width by its text alone.
 */
function queryBlock(m: MetricGate, row: QueryRow, i: number, width: number, indent: string): Block {
	const rows = wrapRows(row.text, Math.max(10, width - indent.length - PART));
	return {
		key: `query-${m.metric}-${i}`,
		height: rows.length,
		node: (
			<Box flexDirection="column">
				{rows.map((text, j) => (
					<Box key={j} height={1} flexShrink={0}>
						<Text wrap="truncate-end">
							<Text color="gray">{indent}{(j === 0 ? row.part : '').padEnd(PART)}</Text>
							{row.part === 'problem' ? <Toned tone="critical">{text}</Toned> : text}
						</Text>
					</Box>
				))}
			</Box>
		),
	};
}

function note(input: MetricInput, any: boolean): string {
	const base = 'judged value · gauge (¦ warn, ‖ crit) · level · samples/needed · recent';
	// First: at 80 columns the footer has no room for the key, and this note is cut at the edge.
	if (!input.queriesKey || !any) return base;
	return `${input.queriesKey}: ${input.showQueries ? 'hide' : 'show'} the queries · ${base}`;
}

/**
 * The metrics section: per metric, its line (the judged value and level), the line saying where the
 * value comes from and how old the last reading is, and on demand the queries Prometheus is asked.
 */
export function metricBlocks(input: MetricInput): Block[] {
	const {view, width, now} = input;
	const gate = view.gate;
	if (!gate) return [];
	const series = input.samples ?? view.lastSamples;
	const label = labelWidth(gate.metrics);
	const indent = ' '.repeat(label);
	const fixed = label + METRIC_COLUMNS.value + METRIC_COLUMNS.level + METRIC_COLUMNS.samples + 1;
	const gaugeWidth = Math.max(10, Math.min(30, Math.floor((width - fixed) * 0.6)));
	const sparkWidth = Math.max(0, width - fixed - gaugeWidth - 1);
	const rendered = input.queries ?? {};
	// The view was computed at `now` (screen.ts): its tier's elapsed time gives the tier's start.
	const since = tierSince(view, now);
	const any = gate.metrics.some(m => m.spec.queries !== undefined || m.feed?.missing?.query !== undefined);
	const source = SOURCE_WORD[gate.metrics[0]?.spec.source ?? 'simulated'];
	const none: Block[] = input.showQueries && !any ? [{key: 'queries-none', height: 1, text: muted(`no queries: this canary's readings are ${source}`)}] : [];
	const valuesOf = (key: string) => series.flatMap(s => {
		const v = valueOf(s, key);
		return v === undefined ? [] : [v];
	});
	const metricLine = (m: MetricGate): Block => ({
		key: `metric-${m.metric}`,
		height: 1,
		text: metricText({gate: m, labelColumn: label, series: valuesOf(m.metric), gaugeWidth, sparkWidth}),
	});
	return [
		{key: 'metrics', height: 1, text: titleText('Metrics', note(input, any))},
		...none,
		...gate.metrics.flatMap(m => [
			metricLine(m),
			feedBlock(m, view.lastSamples, now, since, indent),
			...(input.showQueries ? queryRows(m, rendered).map((row, i) => queryBlock(m, row, i, width, indent)) : []),
		]),
	];
}
