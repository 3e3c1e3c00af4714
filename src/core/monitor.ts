import {LEVEL_RANK, METRIC_INFO, METRICS, type Level, type MetricName, type Sample, type Thresholds} from './model/index.js';

export interface MetricReading {
	metric: MetricName;
	value: number;
	level: Level;
	/** e.g. "CRITICAL: TES drop > 5%"; empty when ok. */
	reason: string;
	/** The value against its bands, readable without colour. */
	detail: string;
}

export interface Evaluation {
	level: Level;
	verdict: 'OK' | 'WARNING' | 'HALT';
	readings: MetricReading[];
	reasons: string[];
	recommendation: string;
}

const RECOMMENDATION: Record<Level, string> = {
	ok: 'PROCEED: within thresholds',
	warning: 'HOLD promotion until a clean window of samples',
	critical: 'HALT deployment and initiate rollback',
};

const fmt = (n: number) => `${Number(n.toFixed(2))}`;

/** The words of a band breach; TES is a drop, the others are ceilings. */
export function bandText(metric: MetricName, bound: number): string {
	const info = METRIC_INFO[metric];
	return info.direction === 'below' ? `${info.label} drop > ${fmt(Math.abs(bound))}%` : `${info.label} > ${fmt(bound)}%`;
}

/** The level of any value of one metric: the bands are looked up once, for a scan over a window. */
export function levelsOf(metric: MetricName, thresholds: Thresholds): (value: number) => Level {
	const {warning, critical} = thresholds[metric];
	if (METRIC_INFO[metric].direction === 'below') return value => (value < critical ? 'critical' : value < warning ? 'warning' : 'ok');
	return value => (value > critical ? 'critical' : value > warning ? 'warning' : 'ok');
}

export function levelOf(metric: MetricName, value: number, thresholds: Thresholds): Level {
	return levelsOf(metric, thresholds)(value);
}

export function readMetric(metric: MetricName, value: number, thresholds: Thresholds): MetricReading {
	const level = levelOf(metric, value, thresholds);
	const band = thresholds[metric];
	const cmp = METRIC_INFO[metric].direction === 'below' ? '<' : '>';
	const reason =
		level === 'ok' ? '' : `${level.toUpperCase()}: ${bandText(metric, level === 'critical' ? band.critical : band.warning)}`;
	const detail = `${METRIC_INFO[metric].label} ${fmt(value)}% (warning ${cmp} ${fmt(band.warning)}%, critical ${cmp} ${fmt(band.critical)}%)`;
	return {metric, value, level, reason, detail};
}

export const worst = (levels: Iterable<Level>): Level => {
	let w: Level = 'ok';
	for (const l of levels) if (LEVEL_RANK[l] > LEVEL_RANK[w]) w = l;
	return w;
};

/** The seed's CP19 check of one sample. The sample must already be validated (finite, in range). */
export function evaluateSample(sample: Omit<Sample, 'at'>, thresholds: Thresholds): Evaluation {
	const readings = METRICS.flatMap(m => (sample[m] === undefined ? [] : [readMetric(m, sample[m], thresholds)]));
	const level = worst(readings.map(r => r.level));
	return {
		level,
		verdict: level === 'critical' ? 'HALT' : level === 'warning' ? 'WARNING' : 'OK',
		readings,
		reasons: readings.filter(r => r.level !== 'ok').sort((a, b) => LEVEL_RANK[b.level] - LEVEL_RANK[a.level]).map(r => r.reason),
		recommendation: RECOMMENDATION[level],
	};
}
