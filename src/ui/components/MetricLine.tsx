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

/**
 * One metric: its latest value, a threshold gauge (¦ warning, ‖ critical), the level as a word,
 * samples against the number the gate needs (titled samples/needed: "min" read as per minute),
 * and a sparkline of the recent samples. Readable without colour.
 */
export default function MetricLine({gate, band, series, gaugeWidth, sparkWidth}: Props) {
	const info = METRIC_INFO[gate.metric];
	const value = gate.latest ? `${Number(gate.latest.value.toFixed(2))}${info.unit}` : '—';
	const color = TONE_COLOR[LEVEL_TONE[gate.level]];
	const tone = color ? {color} : {};
	return (
		<Line>
			<Text>{info.label.padEnd(METRIC_COLUMNS.label)}</Text>
			<Text {...tone}>{value.padStart(METRIC_COLUMNS.value - 1)} </Text>
			<Text {...tone}>{gate.latest ? gauge(gate.metric, gate.latest.value, band, gaugeWidth) : ' '.repeat(gaugeWidth)}</Text>
			<Text {...tone} bold> {LEVEL_WORD[gate.level].padEnd(METRIC_COLUMNS.level - 1)}</Text>
			<Text color="gray">{` ${gate.samples}/${gate.minSamples}`.padEnd(METRIC_COLUMNS.samples)}</Text>
			<Text color="cyan">{sparkline(series, sparkWidth)}</Text>
		</Line>
	);
}
