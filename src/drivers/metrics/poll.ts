/**
 * The engine's polls of Prometheus: the work core derives from state (`metricsWork`: which
 * deployments' metrics are due, past the tier's warm-up), the queries run here outside any lock,
 * each deployment's in parallel, and the answers returned as `metrics.record` commands for the
 * engine cycle to commit with its tick. A definition that does not prove out against its lease's
 * signatures is not queried (an address edited into the document could answer "healthy"): its
 * metrics are recorded as errors that say why.
 */
import type {Clock} from '../../core/clock.js';
import {systemClock} from '../../core/clock.js';
import {signedDefinition} from '../../core/deployment-definition.js';
import type {Command} from '../../core/engine/commands.js';
import {metricsWork, pollCommand, type PollAnswers, type PollWork, type QueryAnswer} from '../../core/metrics-work.js';
import type {State} from '../../core/model/index.js';
import type {Trust} from '../../core/trust.js';
import {resolveSettings} from './headers.js';
import {queryInstant, type PrometheusSettings} from './prometheus.js';

export type Query = (settings: PrometheusSettings, query: string, opts: {signal?: AbortSignal}) => Promise<QueryAnswer>;

export interface PollOptions {
	clock?: Clock;
	signal?: AbortSignal;
	/** The query function (the bench and unit tests count or fake calls); Prometheus' HTTP API by default. */
	query?: Query;
}

/** Asks every query of a poll at once (TES Δ's two side by side); a query core could not fill is not asked. */
export async function askQueries(settings: PrometheusSettings, queries: PollWork['queries'], query: Query, signal: AbortSignal | undefined): Promise<PollAnswers> {
	const opts = signal ? {signal} : {};
	const ask = (q: string) => query(settings, q, opts);
	type Entry = [string, QueryAnswer | {canary: QueryAnswer; stable: QueryAnswer}];
	const entries = await Promise.all(
		queries
			.filter(q => q.problem === undefined)
			.map(async (q): Promise<Entry> => {
				if (q.query !== undefined) return [q.metric, await ask(q.query)];
				const [canary, stable] = await Promise.all([ask(q.canary!), ask(q.stable!)]);
				return [q.metric, {canary, stable}];
			}),
	);
	return new Map(entries);
}

/** The polls due now, each of a definition proven against its lease's signatures or told why not. */
export function provenWork(state: State, trust: Trust, now: number): PollWork[] {
	// Unproven, nothing is asked, and every metric says why: the gate holds on it, the error budget halts.
	return metricsWork(state, now).map(w => {
		const proven = signedDefinition(state, trust, state.deployments.find(d => d.id === w.id)!);
		return 'problem' in proven ? {...w, queries: w.queries.map(q => ({...q, problem: proven.problem}))} : w;
	});
}

/** The polls due now, asked and awaited; each answer as the command that records it. */
export async function pollCommands(state: State, trust: Trust, opts: PollOptions = {}): Promise<Command[]> {
	const due = provenWork(state, trust, (opts.clock ?? systemClock).now());
	if (due.length === 0) return [];
	const query = opts.query ?? queryInstant;
	return Promise.all(due.map(w => askWork(w, query, opts.signal)));
}

/** One deployment's poll: its headers resolved (a credential read now), then every query asked. */
export async function askWork(work: PollWork, query: Query, signal?: AbortSignal): Promise<Command> {
	const resolved = await resolveSettings(work.prometheus);
	// This process lacks a credential: nothing is known of the source, so the gate holds and says
	// why, and the error limit is not spent (an engine started without it must not halt every canary).
	if (!resolved.ok) return pollCommand({...work, queries: work.queries.map(q => ({...q, unasked: `not asked: ${resolved.problem}`}))}, new Map());
	return pollCommand(work, await askQueries(resolved.settings, work.queries, query, signal));
}
