import {InvalidArgumentError} from 'commander';
import {parseDuration} from '../core/duration.js';
import {METRIC_INFO, type MetricName} from '../core/model/metrics.js';
import {TEXT_LIMITS, textProblem} from '../core/text.js';
import {NAME_PATTERN, NAME_RULE} from '../core/names.js';

/**
 * Option parsers for commander. Each rejects with a message that names what is allowed; commander
 * prefixes the option name, and the CLI maps it to exit 2.
 */
export function number(allowed: {min: number; max: number; integer?: boolean}) {
	return (text: string): number => {
		const value = Number(text);
		const kind = allowed.integer ? 'a whole number' : 'a number';
		if (text.trim() === '' || !Number.isFinite(value) || (allowed.integer && !Number.isInteger(value))) {
			throw new InvalidArgumentError(`"${text}" is not ${kind} (allowed: ${allowed.min} to ${allowed.max}).`);
		}
		if (value < allowed.min || value > allowed.max) {
			throw new InvalidArgumentError(`${text} is out of range (allowed: ${allowed.min} to ${allowed.max}).`);
		}
		return value;
	};
}

export const metricNumber = (metric: MetricName) => number(METRIC_INFO[metric]);

export const count = (max = 10_000_000) => number({min: 0, max, integer: true});

export function duration(text: string): number {
	const value = parseDuration(text);
	if (value === undefined) throw new InvalidArgumentError(`"${text}" is not a duration (write it like 0s, 30s, 15m, 1h).`);
	return value;
}

export function tiers(text: string): number[] {
	const parts = text.split(',').map(p => p.trim());
	const values = parts.map(Number);
	const ok =
		values.length > 0 &&
		values.every((v, i) => parts[i] !== '' && Number.isInteger(v) && v >= 1 && v <= 100 && (i === 0 || v > values[i - 1]!)) &&
		values[values.length - 1] === 100;
	if (!ok) throw new InvalidArgumentError(`"${text}" is not a tier list (increasing percentages from 1 to 100, ending at 100, e.g. 5,25,100).`);
	return values;
}

/** Tiers for per-tier keys: percentages, each one of the plan's tiers after the first (the engine checks that part). */
export function tierKeys(text: string): number[] {
	const parts = text.split(',').map(p => p.trim());
	const values = parts.map(Number);
	if (values.length === 0 || !values.every((v, i) => parts[i] !== '' && Number.isInteger(v) && v >= 1 && v <= 100)) {
		throw new InvalidArgumentError(`"${text}" is not a list of tiers (percentages from 1 to 100 among the plan's tiers after the first, e.g. 100 or 25,100).`);
	}
	return [...new Set(values)].sort((a, b) => a - b);
}

/** A service's name, as intents and definitions hold it (core/names.ts). */
export const SERVICE_NAME = NAME_PATTERN;
export const SERVICE_NAME_RULE = 'must be 1–63 letters, digits, ".", "_" or "-", starting with a letter or digit';

export function isoTime(text: string): string {
	const ms = Date.parse(text);
	if (!/^\d{4}-\d\d-\d\dT/.test(text) || Number.isNaN(ms)) {
		throw new InvalidArgumentError(`"${text}" is not an ISO 8601 time (e.g. 2026-11-26T10:00:00Z).`);
	}
	return new Date(ms).toISOString();
}

/**
 * Free text from a flag: not empty, no control character, within its kind's length (the engine
 * checks the same; refused here, commander names the flag).
 */
export const text =
	(kind: keyof typeof TEXT_LIMITS) =>
	(value: string): string => {
		if (value.trim() === '') throw new InvalidArgumentError('must not be empty.');
		const problem = textProblem(value, TEXT_LIMITS[kind]);
		if (problem) throw new InvalidArgumentError(`${problem}.`);
		return value.trim();
	};

/** A name users give (a key id, an owner): refused at the flag that gave it, not later in what it signs. */
export const name = (value: string): string => {
	const given = text('id')(value);
	if (!NAME_PATTERN.test(given)) throw new InvalidArgumentError(`must be ${NAME_RULE}, starting with a letter or digit.`);
	return given;
};

const METRIC_HELP: Record<MetricName, string> = {
	tesDelta: 'TES delta vs stable, %',
	errorRate: 'error rate, %',
	cpu: 'CPU load, % of request',
	memory: 'memory, %',
};

/** The four metric flags, each checked against its metric's range; shared by `metrics push` and `monitor check`. */
export function metricOptions<C extends {option(flags: string, description: string, parse: (v: string) => number): C}>(command: C): C {
	for (const metric of Object.keys(METRIC_HELP) as MetricName[]) {
		const {flag, min, max} = METRIC_INFO[metric];
		command.option(`${flag} <n>`, `${METRIC_HELP[metric]} (${min} to ${max})`, metricNumber(metric));
	}
	return command;
}
