import type {TierView} from '../../core/view/tiers.js';
import {formatDuration, formatTime, localZone, shortTime, zoneLabel, type Band, type MetricName} from '../../core/index.js';

const BARS = '▁▂▃▄▅▆▇█';

/** The last `width` values as block glyphs, scaled between the series' own minimum and maximum. */
export function sparkline(values: readonly number[], width: number): string {
	const recent = values.slice(-Math.max(0, width));
	if (recent.length === 0) return '';
	const lo = Math.min(...recent);
	const hi = Math.max(...recent);
	const span = hi - lo;
	return recent.map(v => BARS[span === 0 ? 0 : Math.round(((v - lo) / span) * (BARS.length - 1))]).join('');
}

export const GAUGE = {fill: '█', empty: '·', warning: '¦', critical: '‖'} as const;

/**
 * Where a gauge's bar is empty: zero for the four (a ceiling above zero, TES a drop below it), so
 * CPU 55% fills about half the way to its critical mark. A band on the other side of zero (a floor
 * on a success rate at 99, say) has no such point: the bar starts one warning-to-critical gap before
 * the warning mark (a healthy 99.9% then shows short of it, 100% still a little fill).
 */
function gaugeOrigin(direction: 'above' | 'below', band: Band): number {
	const natural = direction === 'above' ? band.critical > 0 && band.warning >= 0 : band.critical < 0 && band.warning <= 0;
	return natural ? 0 : band.warning - (band.critical - band.warning);
}

/**
 * A threshold gauge: the bar fills with how bad the value is, on a linear scale where the critical
 * mark sits at four fifths of the width, so a breach still has room to show how far past the mark
 * it went. For a floor (TES Δ, a custom metric whose bad side is below) the scale runs on the size
 * of the drop. The marks stay visible inside the fill: the reader sees the value pass them without
 * colour.
 */
export function gauge(direction: 'above' | 'below', value: number, band: Band, width: number): string {
	if (width < 5) return '';
	const origin = gaugeOrigin(direction, band);
	const magnitude = (v: number) => (direction === 'below' ? origin - v : v - origin);
	const scale = Math.abs(magnitude(band.critical)) / 0.8 || 1;
	const pos = (v: number) => Math.min(width - 1, Math.max(0, Math.round((magnitude(v) / scale) * (width - 1))));
	const filled = magnitude(value) <= 0 ? 0 : pos(value) + 1;
	const warnAt = pos(band.warning);
	const critAt = pos(band.critical);
	let out = '';
	for (let i = 0; i < width; i++) {
		if (i === critAt) out += GAUGE.critical;
		else if (i === warnAt) out += GAUGE.warning;
		else out += i < filled ? GAUGE.fill : GAUGE.empty;
	}
	return out;
}

/**
 * Remaining time at list resolution: whole minutes above a minute, seconds in the last one. The
 * list then changes once a minute per row instead of once a second, which is what keeps an idle
 * console nearly silent over SSH. The detail view shows seconds. Under an hour the minutes are an
 * upper bound and say so (`<2m` with 1m38s left; a plain `2m` read as two minutes more).
 */
export function coarseDuration(ms: number): string {
	if (ms >= 3_600_000) return formatDuration(Math.floor(ms / 60_000) * 60_000);
	if (ms >= 60_000) return ms % 60_000 === 0 ? `${ms / 60_000}m` : `<${Math.ceil(ms / 60_000)}m`;
	return formatDuration(ms);
}

/** The same as a bound after "within": `within 2m`. */
export const withinDuration = (ms: number) => coarseDuration(ms).replace(/^</, '');

/** `5›[25]›100`: the tiers with the current one bracketed, readable without colour. */
export function tierSteps(tiers: ReadonlyArray<{percent: number; state: TierView['state']}>): string {
	const marked = {current: '', applying: '…', failed: '✗', reverted: '↺'} as const;
	return tiers.map(t => (t.state in marked ? `[${t.percent}${marked[t.state as keyof typeof marked]}]` : `${t.percent}`)).join('›');
}

/** A stored (UTC) time as the console shows it, in the process's zone: `10:04:05 UTC` today, `2026-11-30 10:04 UTC` before. */
export const clockTime = (at: string, now: number) => formatTime(at, now, localZone());

/** The compact form for a column titled with `zoneNow`: `10:04:05` today, `11-30 10:04` before. */
export const columnTime = (at: string, now: number) => shortTime(at, now, localZone());

/** The process's zone by name at `now`, for a column title: `UTC`, `EST`, `+01:00`. */
export const zoneNow = (now: number) => zoneLabel(now, localZone());

/** Short forms of the four's labels (TES, error rate, CPU, memory), for the list's WORST column. */
export const METRIC_SHORT: Record<MetricName, string> = {tesDelta: 'tes', errorRate: 'err', cpu: 'cpu', memory: 'mem'};

/**
 * A metric's name for a tight spot: the four's short forms, a custom metric's label (what the
 * operator knows it by, never its key) cut to `max` characters.
 */
export function metricShort(m: {key: string; label: string}, max = 8): string {
	const known = (METRIC_SHORT as Record<string, string | undefined>)[m.key];
	if (known) return known;
	const chars = [...m.label];
	return chars.length > max ? `${chars.slice(0, max - 1).join('').trimEnd()}…` : m.label;
}

/** A reading with its unit, at most two decimals: `112.41%`, `250ms`. */
export const valueText = (value: number, unit: string) => `${Number(value.toFixed(2))}${unit}`;

/** `1.4.0 → 1.5.0` */
export const versions = (from: string, to: string) => `${from} → ${to}`;

/** A checksum shortened for a line, with its algorithm named so nobody mistakes it for an id. */
export const shortSum = (sum: string, n = 12) => (sum.length > n ? `${sum.slice(0, n)}…` : sum);
