import {LEVEL_RANK, METRIC_INFO, METRICS, type Band, type Level, type MetricName, type Sample, type Thresholds} from './model/index.js';

/** What judging a value needs: a label, a side that is bad, the bands, a unit. */
export interface MetricBands {
	key: string;
	label: string;
	direction: 'above' | 'below';
	band: Band;
	unit: string;
}

export interface MetricReading {
	/** A gate metric's key: one of the four, or a custom metric's name. */
	metric: string;
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

/** A standard metric judged against a plan's thresholds. */
export const standardBands = (metric: MetricName, thresholds: Thresholds): MetricBands => {
	const {label, direction, unit} = METRIC_INFO[metric];
	return {key: metric, label, direction, unit, band: thresholds[metric]};
};

/** The words of a band breach; TES is a drop (a percent floor), the others are ceilings. */
export function bandText(m: MetricBands, bound: number): string {
	if (m.direction === 'below' && m.unit === '%' && bound <= 0) return `${m.label} drop > ${fmt(Math.abs(bound))}%`;
	return `${m.label} ${m.direction === 'below' ? '<' : '>'} ${fmt(bound)}${m.unit}`;
}

/** The level of any value of one metric: the bands are looked up once, for a scan over a window. */
export function levelsWith(m: MetricBands): (value: number) => Level {
	const {warning, critical} = m.band;
	if (m.direction === 'below') return value => (value < critical ? 'critical' : value < warning ? 'warning' : 'ok');
	return value => (value > critical ? 'critical' : value > warning ? 'warning' : 'ok');
}

export function readWith(m: MetricBands, value: number): MetricReading {
	const level = levelsWith(m)(value);
	const {band, unit} = m;
	const cmp = m.direction === 'below' ? '<' : '>';
	const reason = level === 'ok' ? '' : `${level.toUpperCase()}: ${bandText(m, level === 'critical' ? band.critical : band.warning)}`;
	const detail = `${m.label} ${fmt(value)}${unit} (warning ${cmp} ${fmt(band.warning)}${unit}, critical ${cmp} ${fmt(band.critical)}${unit})`;
	return {metric: m.key, value, level, reason, detail};
}

export const levelsOf = (metric: MetricName, thresholds: Thresholds) => levelsWith(standardBands(metric, thresholds));
export const levelOf = (metric: MetricName, value: number, thresholds: Thresholds): Level => levelsOf(metric, thresholds)(value);
export const readMetric = (metric: MetricName, value: number, thresholds: Thresholds): MetricReading => readWith(standardBands(metric, thresholds), value);

export const worst = (levels: Iterable<Level>): Level => {
	let w: Level = 'ok';
	for (const l of levels) if (LEVEL_RANK[l] > LEVEL_RANK[w]) w = l;
	return w;
};

/** The seed's CP19 check of one sample. The sample must already be validated (finite, in range). */
export function evaluateSample(sample: Omit<Sample, 'at'>, thresholds: Thresholds): Evaluation {
	return evaluateReadings(METRICS.flatMap(m => (sample[m] === undefined ? [] : [readMetric(m, sample[m], thresholds)])));
}

/** One sample against a deployment's gate metrics (its custom ones included). */
export function evaluateWith(metrics: readonly MetricBands[], value: (key: string) => number | undefined): Evaluation {
	return evaluateReadings(metrics.flatMap(m => {
		const v = value(m.key);
		return v === undefined ? [] : [readWith(m, v)];
	}));
}

function evaluateReadings(readings: MetricReading[]): Evaluation {
	const level = worst(readings.map(r => r.level));
	return {
		level,
		verdict: level === 'critical' ? 'HALT' : level === 'warning' ? 'WARNING' : 'OK',
		readings,
		reasons: readings.filter(r => r.level !== 'ok').sort((a, b) => LEVEL_RANK[b.level] - LEVEL_RANK[a.level]).map(r => r.reason),
		recommendation: RECOMMENDATION[level],
	};
}
