import type {MetricGate} from '../../core/index.js';
import {gauge, sparkline, valueText} from '../model/format.js';
import {muted, span} from '../model/styled.js';
import {LEVEL_TONE, LEVEL_WORD, TONE_COLOR} from '../theme.js';
import Line from './Line.js';

/**
 * Column widths; the level's holds its longest word (`NO DATA`) and a space before it. The label's
 * is the least: a custom metric's longer label widens it (see labelWidth).
 */
export const METRIC_COLUMNS = {label: 11, value: 9, level: 8, samples: 6} as const;
const LABEL_MAX = 21;

/** The label column for a gate's metrics: room for the longest label and a space, within bounds. */
export const labelWidth = (metrics: readonly MetricGate[]) => Math.min(LABEL_MAX, Math.max(METRIC_COLUMNS.label, ...metrics.map(m => [...m.spec.label].length + 1)));

interface Props {
	gate: MetricGate;
	/** The label column's width (METRIC_COLUMNS.label unless a label needs more). */
	labelColumn?: number;
	series: readonly number[];
	gaugeWidth: number;
	sparkWidth: number;
}

/** A label cut to its column (a custom metric's may be up to 32 characters). */
const labelText = (label: string, width: number) => {
	const chars = [...label];
	return (chars.length > width - 1 ? `${chars.slice(0, width - 2).join('')}…` : label).padEnd(width);
};

/**
 * One metric: the value the gate judges (the worst of the window when it warns or halts, the one
 * its reason names; else the latest), a threshold gauge (¦ warning, ‖ critical) at that value, the
 * level as a word, samples against the number the gate needs (titled samples/needed: "min" read as
 * per minute), and a sparkline of the recent samples. When the latest differs from the judged value,
 * it follows as `now …` before the sparkline: a calmer latest never stands alone beside a WARN.
 * With no data the gate judges nothing: the value is `—`, and the last reading follows as `last …`.
 * Label, unit, bands and direction are the metric's own (`gate.spec`): a custom metric has them too.
 * Readable without colour.
 */
export function metricText({gate, labelColumn = METRIC_COLUMNS.label, series, gaugeWidth, sparkWidth}: Props): string {
	const {label, unit, band, direction} = gate.spec;
	const judged = gate.level === 'no_data' ? undefined : (gate.judged ?? gate.latest);
	const value = judged ? valueText(judged.value, unit) : '—';
	const latest = gate.latest;
	const now = !latest ? '' : !judged ? `last ${valueText(latest.value, unit)} ` : latest.value !== judged.value ? `now ${valueText(latest.value, unit)} ` : '';
	const color = TONE_COLOR[LEVEL_TONE[gate.level]];
	const tone = color ? {color} : {};
	return [
		labelText(label, labelColumn),
		span(`${value.padStart(METRIC_COLUMNS.value - 1)} `, tone),
		span(judged ? gauge(direction, judged.value, band, gaugeWidth) : ' '.repeat(gaugeWidth), tone),
		span(` ${LEVEL_WORD[gate.level].padEnd(METRIC_COLUMNS.level - 1)}`, {...tone, bold: true}),
		muted(` ${gate.samples}/${gate.minSamples}`.padEnd(METRIC_COLUMNS.samples)),
		muted(now),
		span(sparkline(series, Math.max(0, sparkWidth - now.length)), {color: 'cyan'}),
	].join('');
}

export default function MetricLine(props: Props) {
	return <Line>{metricText(props)}</Line>;
}
