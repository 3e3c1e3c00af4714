import {expect} from 'vitest';
import {metricsWork, pollCommand, type CanaryPlan, type Command, type QueryAnswer, type ServiceDefinition} from '../../src/core/index.js';
import {Fixture, SERVICE} from './helpers.js';
import {applyCmd, signUnderDefinition} from './service-fixtures.js';

/**
 * A service whose gate reads Prometheus: TES Δ from two success rates, the error rate over the
 * window, CPU with a failure budget of two, and a custom latency metric. The target is the
 * simulator (it confirms each tier at once), so only the metrics differ from the other core tests.
 */
export const PROM: ServiceDefinition = {
	name: SERVICE,
	target: {kind: 'simulated'},
	metrics: {
		source: 'prometheus',
		prometheus: {address: 'http://127.0.0.1:9090', headers: {Authorization: {env: 'CALYX_TEST_PROM_TOKEN'}, 'X-Scope-OrgID': 'shop'}},
		window: '30s',
		scrapeInterval: '5s',
		interval: '10s',
		variables: {job: 'shop'},
		checks: {
			tesDelta: {canary: 'sr{v="{{canary}}"}', stable: 'sr{v="{{stable}}"}'},
			errorRate: {query: 'rate(err{job="{{job}}",v="{{canary}}"}[{{window}}])'},
			cpu: {query: 'cpu{v="{{canary}}"}', failureLimit: 2},
		},
		custom: [{name: 'p99', label: 'p99 latency', query: 'p99{service="{{service}}"}', direction: 'above', warning: 300, critical: 500, unit: 'ms'}],
	},
};

/** window 30 s + two scrapes of 5 s. */
export const WARM_UP = 40_000;
export const INTERVAL = 10_000;
export const PLAN: Partial<CanaryPlan> = {bakeMs: 60_000, minSamples: 2};

export type Answers = Record<string, QueryAnswer | {canary: QueryAnswer; stable: QueryAnswer}>;
export const value = (v: number): QueryAnswer => ({ok: true, value: v});
export const nodata = (message = 'NaN (0/0: no traffic in the window?)'): QueryAnswer => ({ok: false, kind: 'no_data', message});
export const failure = (message = 'ECONNREFUSED 127.0.0.1:9090'): QueryAnswer => ({ok: false, kind: 'error', message});
export const HEALTHY: Answers = {tesDelta: {canary: value(99.5), stable: value(99.6)}, errorRate: value(0.2), cpu: value(40), p99: value(120)};

/** A running canary of `definition`, its start carrying a Prometheus probe that answered (or `probe`). */
export function promCanary(definition: ServiceDefinition = PROM, opts: {plan?: Partial<CanaryPlan>; probe?: {ok: boolean; detail: string} | null} = {}): {f: Fixture; id: string} {
	const f = new Fixture().registerKeys();
	f.run(applyCmd(f, definition));
	const leaseId = f.issue(f.intent(), {plan: opts.plan ?? PLAN});
	signUnderDefinition(f, leaseId, 'human', 'agent');
	return {f, id: f.run<{id: string}>(startWithProbe(f, leaseId, opts.probe)).id};
}

export function startWithProbe(f: Fixture, leaseId: string, probe: {ok: boolean; detail: string} | null = {ok: true, detail: 'Prometheus 2.42.0 at http://127.0.0.1:9090'}): Command {
	const cmd = f.startCmd(leaseId) as Extract<Command, {type: 'canary.start'}>;
	return {...cmd, reading: {...cmd.reading!, ...(probe ? {metrics: probe} : {})}};
}

/**
 * The poll due now, answered with `answers` (a metric left out: no answer), recorded and followed
 * by a tick as an engine cycle does.
 */
export function poll(f: Fixture, answers: Answers = HEALTHY) {
	const work = metricsWork(f.state, f.clock.now());
	expect(work, 'a poll is due').toHaveLength(1);
	const result = f.run<{status: string; action: string}>(pollCommand(work[0]!, new Map(Object.entries(answers))));
	f.tick();
	return result;
}
