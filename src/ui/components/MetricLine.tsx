import {Text} from 'ink';
import {METRIC_INFO, type Band, type MetricGate} from '../../core/index.js';
import {gauge, sparkline} from '../model/format.js';
import {LEVEL_TONE, LEVEL_WORD, TONE_COLOR} from '../theme.js';
import Line from './Line.js';

export const METRIC_COLUMNS = {label: 11, value: 9, level: 5, samples: 6} as const;

interface Props {
	gate: MetricGate;
	band: Band;
	series: readonly number[];
	gaugeWidth: number;
	sparkWidth: number;
}

const valueText = (value: number, unit: string) => `${Number(value.toFixed(2))}${unit}`;

/**
 * One metric: the value the gate judges (the worst of the window when it warns or halts, the one
 * its reason names; else the latest), a threshold gauge (¦ warning, ‖ critical) at that value, the
 * level as a word, samples against the number the gate needs (titled samples/needed: "min" read as
 * per minute), and a sparkline of the recent samples. When the latest differs from the judged value,
 * it follows as `now …` before the sparkline: a calmer latest never stands alone beside a WARN.
 * Readable without colour.
 */
export default function MetricLine({gate, band, series, gaugeWidth, sparkWidth}: Props) {
	const info = METRIC_INFO[gate.metric];
	const judged = gate.judged ?? gate.latest;
	const value = judged ? valueText(judged.value, info.unit) : '—';
	const now = gate.latest && judged && gate.latest.value !== judged.value ? `now ${valueText(gate.latest.value, info.unit)} ` : '';
	const color = TONE_COLOR[LEVEL_TONE[gate.level]];
	const tone = color ? {color} : {};
	return (
		<Line>
			<Text>{info.label.padEnd(METRIC_COLUMNS.label)}</Text>
			<Text {...tone}>{value.padStart(METRIC_COLUMNS.value - 1)} </Text>
			<Text {...tone}>{judged ? gauge(gate.metric, judged.value, band, gaugeWidth) : ' '.repeat(gaugeWidth)}</Text>
			<Text {...tone} bold> {LEVEL_WORD[gate.level].padEnd(METRIC_COLUMNS.level - 1)}</Text>
			<Text color="gray">{` ${gate.samples}/${gate.minSamples}`.padEnd(METRIC_COLUMNS.samples)}</Text>
			<Text color="gray">{now}</Text>
			<Text color="cyan">{sparkline(series, Math.max(0, sparkWidth - now.length))}</Text>
		</Line>
	);
}
