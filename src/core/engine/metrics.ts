import {ms} from '../clock.js';
import {formatDuration} from '../duration.js';
import {invalid, refused} from '../errors.js';
import {gateMetrics, metricsTiming, valueOf, type GateMetric} from '../metric-specs.js';
import {Sample, type Deployment, type MetricFeed} from '../model/index.js';
import {evaluateWith, levelsWith, type Evaluation} from '../monitor.js';
import type {CommandOf, MissingReading} from './commands.js';
import {plain, type Ctx} from './context.js';
import {haltDeployment, settle} from './canary.js';
import {ACTIVE} from './transitions.js';
import {awaitingTarget} from '../target.js';
import {textProblem} from '../text.js';
import {statusWord} from '../view/words.js';

/**
 * How far a sample's own time may lie from the engine's: a clock a little off, or a batch pushed
 * late, is fine; a sample from tomorrow would count in a window it was never part of, and one from
 * last year is a mistake (a wrong field, a replayed file).
 */
export const SAMPLE_SKEW = {aheadMs: 60_000, behindMs: 3_600_000} as const;

function checkSkew(at: string, now: string): void {
	const off = ms(at) - ms(now);
	if (off <= SAMPLE_SKEW.aheadMs && -off <= SAMPLE_SKEW.behindMs) return;
	const how = off > 0 ? `${formatDuration(off)} ahead of` : `${formatDuration(-off)} behind`;
	throw invalid('SAMPLE_SKEW', `at: ${at} is ${how} the engine's clock (${now}); allowed: from ${formatDuration(SAMPLE_SKEW.behindMs)} behind to ${formatDuration(SAMPLE_SKEW.aheadMs)} ahead`);
}

/**
 * -0 as 0: JSON writes it so, and a sample held as -0 by the process that recorded it would be
 * another value (to Object.is) than the one every reader reads back.
 */
const signedZero = (v: unknown): boolean => Object.is(v, -0) || (v !== null && typeof v === 'object' && Object.values(v).some(signedZero));
const zeroed = <T>(v: T): T => (typeof v === 'number' ? v + 0 : v !== null && typeof v === 'object' ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, zeroed(x)])) : v) as T;
/** Copied only when it holds a -0: logs are read through here, line by line. */
const signedZeroless = <T>(v: T): T => (signedZero(v) ? zeroed(v) : v);

/** Validates a raw sample; the message names the field and what is allowed. */
export function parseSample(raw: Partial<Sample>, at: string): Sample {
	const parsed = Sample.safeParse({...raw, at: raw.at ?? at});
	if (parsed.success) return signedZeroless(parsed.data);
	const issue = parsed.error.issues[0]!;
	const field = issue.path.join('.') || 'sample';
	throw invalid('INVALID_SAMPLE', `${field}: ${issue.message}`);
}

export interface SampleOutcome {
	evaluation: Evaluation;
	/** `rolling_back`: a critical halted and the plan rolls back; the target's report of the revert ends it. */
	action: 'recorded' | 'held' | 'halted' | 'rolling_back';
	status: Deployment['status'];
}

/** A new tier, a resume, a watch gap: the window and the tier's failures start again (on resume, the error streaks too). */
export function freshWindow(dep: Deployment, opts: {streaks?: boolean} = {}): void {
	dep.window = [];
	for (const feed of Object.values(dep.feeds ?? {})) {
		delete feed.failures;
		if (opts.streaks) delete feed.missing;
	}
}

/** The gate metrics of a draft deployment, reading only what they depend on (a whole deployment copied per sample was its cost). */
const metricsOf = (dep: Deployment) => gateMetrics({plan: plain(dep.plan), target: dep.target, percent: dep.percent, ...(dep.definition ? {definition: plain(dep.definition)} : {})});

const feedOf = (dep: Deployment, m: GateMetric): MetricFeed => {
	dep.feeds ??= {};
	return (dep.feeds[m.key] ??= {source: m.source});
};

/** The metrics whose failure budget this tier has spent, with why (the halt's reason). */
function spentBudgets(dep: Deployment, metrics: readonly GateMetric[], extra: (m: GateMetric) => number): string[] {
	const window = plain(dep.window);
	return metrics.flatMap(m => {
		const level = levelsWith(m);
		const used = window.filter(s => {
			const v = valueOf(s, m.key);
			return v !== undefined && level(v) === 'critical';
		}).length + (dep.feeds?.[m.key]?.failures ?? 0) + extra(m);
		return used >= m.failureLimit ? [m] : [];
	}).map(m => m.key);
}

/**
 * Records a sample against a deployment and acts on it at once: a critical that spends its metric's
 * failure budget (one, unless the definition allows more) halts before this returns.
 */
export function recordSample(ctx: Ctx, dep: Deployment, sample: Sample, source: MetricFeed['source'], metrics: readonly GateMetric[]): SampleOutcome {
	ctx.samples.push({deploymentId: dep.id, sample});
	dep.sampleCount += 1;
	// Read plain, and the window replaced rather than edited through the draft: the gate reads every
	// sample of it right after, and through a draft that was most of a sample's cost.
	const plan = plain(dep.plan);
	// A back-dated sample from before this tier began belongs to the log, not to this tier's gate.
	// So does one taken while the target has not confirmed the tier: it measured the split before.
	const counted = !awaitingTarget(dep) && ms(sample.at) >= ms(dep.tierStartedAt);
	if (counted) {
		// Never fewer than the gate needs: a window smaller than minSamples would hold the tier forever.
		const cap = Math.max(ctx.base.config.sampleWindow, plan.minSamples);
		dep.window = [...plain(dep.window), sample].slice(-cap);
	}
	for (const m of metrics) {
		if (valueOf(sample, m.key) === undefined) continue;
		const feed = feedOf(dep, m);
		Object.assign(feed, {source, at: sample.at});
		if (feed.missing) {
			// The end of a streak is said as its start was: the trail shows how long the gate went without.
			const {kind, since, count} = feed.missing;
			const why = kind === 'error' ? 'query errors' : kind === 'unasked' ? 'not asked' : 'no data';
			ctx.emit('metrics.resumed', dep.id, `${m.label}: a reading again after ${count} poll${count === 1 ? '' : 's'} without one (${why})`, {metric: m.key, since, count, kind});
			delete feed.missing;
		}
	}
	const evaluation = evaluateWith(metrics, key => valueOf(sample, key));
	if (evaluation.level === 'critical') {
		const critical = new Set(evaluation.readings.filter(r => r.level === 'critical').map(r => r.metric));
		// A critical outside the window (the tier unconfirmed) still counts once.
		const spent = spentBudgets(dep, metrics.filter(m => critical.has(m.key)), () => (counted ? 0 : 1));
		if (spent.length > 0) {
			// The band, the value that crossed it and, where more than one was allowed, the budget spent.
			const reasons = evaluation.readings
				.filter(r => spent.includes(r.metric))
				.map(r => {
					const m = metrics.find(x => x.key === r.metric)!;
					return `${r.reason} (read ${Number(r.value.toFixed(2))}${m.unit}${m.failureLimit > 1 ? `; failure budget of ${m.failureLimit} spent` : ''})`;
				});
			haltDeployment(ctx, dep, 'critical', reasons.join('; '));
			return {evaluation, action: dep.status === 'halted' ? 'halted' : 'rolling_back', status: dep.status};
		}
	}
	settle(ctx, dep);
	return {evaluation, action: dep.status === 'holding' ? 'held' : 'recorded', status: dep.status};
}

/**
 * A poll's metrics that had no value: no data (an empty result, NaN, ±Inf) holds the gate, or
 * counts as a critical reading under `noData: fail`; a query error counts towards the source's
 * consecutive error limit, and the limit halts (no rollback: the canary is not known to be bad).
 */
function recordMissing(ctx: Ctx, dep: Deployment, missing: readonly MissingReading[], at: string, metrics: readonly GateMetric[]): void {
	const {errorLimit} = metricsTiming(plain(dep.definition)?.metrics);
	for (const miss of missing) {
		const m = metrics.find(x => x.key === miss.metric)!;
		const feed = feedOf(dep, m);
		const streak = feed.missing?.kind === miss.kind ? feed.missing : undefined;
		feed.missing = {kind: miss.kind, since: streak?.since ?? at, message: miss.message, ...(miss.query ? {query: miss.query} : {}), count: (streak?.count ?? 0) + 1};
		if (!streak) ctx.emit(`metrics.${miss.kind}`, dep.id, `${m.label}: ${miss.message}`, {metric: m.key, ...(miss.query ? {query: miss.query} : {})});
		if (miss.kind === 'no_data' && m.noData === 'fail') feed.failures = (feed.failures ?? 0) + 1;
	}
	if (!ACTIVE.includes(dep.status)) return;
	const failed = spentBudgets(dep, metrics.filter(m => missing.some(x => x.metric === m.key && x.kind === 'no_data') && m.noData === 'fail'), () => 0);
	if (failed.length > 0) {
		const m = metrics.find(x => x.key === failed[0])!;
		return haltDeployment(ctx, dep, 'critical', `no data from ${m.label} counts as failing (noData: fail): ${dep.feeds![m.key]!.missing!.message}`);
	}
	const broken = metrics.find(m => dep.feeds?.[m.key]?.missing?.kind === 'error' && dep.feeds[m.key]!.missing!.count >= errorLimit);
	if (broken) {
		const miss = dep.feeds![broken.key]!.missing!;
		return haltDeployment(ctx, dep, 'metrics', `${broken.label}: the query failed ${miss.count} times in a row (limit ${errorLimit}): ${miss.message}; the canary is not known to be bad: resume or roll back`);
	}
	settle(ctx, dep);
}

function checkMissing(dep: Deployment, missing: readonly MissingReading[], metrics: readonly GateMetric[]): void {
	const keys = new Set(metrics.map(m => m.key));
	for (const [i, miss] of missing.entries()) {
		if (!keys.has(miss.metric)) throw invalid('INVALID_SAMPLE', `missing.${i}.metric: ${dep.id} has no metric ${miss.metric} (it has ${[...keys].join(', ')})`);
		if (!['no_data', 'error', 'unasked'].includes(miss.kind)) throw invalid('INVALID_SAMPLE', `missing.${i}.kind: no_data, error or unasked`);
		const problem = textProblem(miss.message, 500) ?? (miss.query === undefined ? undefined : textProblem(miss.query, 2000));
		if (problem) throw invalid('INVALID_SAMPLE', `missing.${i}: ${problem}`);
	}
}

export function recordMetrics(ctx: Ctx, cmd: CommandOf<'metrics.record'>) {
	const missing = cmd.missing ?? [];
	if (cmd.sample === undefined && missing.length === 0) throw invalid('INVALID_SAMPLE', 'sample: a reading needs a sample or the metrics it missed');
	const sample = cmd.sample === undefined ? undefined : parseSample(cmd.sample, ctx.at);
	if (sample) checkSkew(sample.at, ctx.at);
	const dep = ctx.deployment(cmd.id);
	if (!ACTIVE.includes(dep.status)) {
		throw refused('NOT_ACTIVE', `${dep.id} is ${statusWord(dep.status)}: samples are taken only while a canary runs`);
	}
	const metrics = metricsOf(dep);
	checkMissing(dep, missing, metrics);
	// A custom value no gate metric judges would be recorded and never looked at: refused instead.
	const unknown = Object.keys(sample?.custom ?? {}).filter(k => !metrics.some(m => m.custom && m.key === k));
	if (unknown.length > 0) {
		const known = metrics.filter(m => m.custom).map(m => m.key);
		throw invalid('INVALID_SAMPLE', `custom.${unknown[0]}: ${dep.id} has no custom metric ${unknown[0]} (${known.length ? `it has ${known.join(', ')}` : 'its service definition declares none'})`);
	}
	const source = cmd.source ?? 'push';
	const at = sample?.at ?? ctx.at;
	// Every metric the poll asked about was polled now, with a value or without.
	if (source === 'prometheus') {
		for (const key of cmd.polled ?? []) {
			const m = metrics.find(x => x.key === key);
			if (m) feedOf(dep, m).polledAt = at;
		}
	}
	const outcome = sample ? recordSample(ctx, dep, sample, source, metrics) : undefined;
	if (missing.length > 0 && ACTIVE.includes(dep.status)) recordMissing(ctx, dep, missing, at, metrics);
	const evaluation = outcome?.evaluation ?? evaluateWith([], () => undefined);
	const action = outcome?.action === 'halted' || outcome?.action === 'rolling_back' ? outcome.action : dep.status === 'halted' ? 'halted' : dep.status === 'rolling_back' ? 'rolling_back' : dep.status === 'holding' ? 'held' : 'recorded';
	return {id: dep.id, evaluation, action, status: dep.status};
}
