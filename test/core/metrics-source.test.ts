import {describe, expect, it} from 'vitest';
import {gateMetrics, metricsTiming, renderQuery, ServiceDefinition, tesDelta, type MetricsSpec} from '../../src/core/index.js';
import {DEFAULT_PLAN} from '../../src/core/model/config.js';
import {PROM} from './prometheus-fixture.js';

const spec = (over: Partial<MetricsSpec>): unknown => ({...PROM, metrics: {...PROM.metrics!, ...over}});

/** The first problem a definition has, as `service apply` reports it: the path and the message. */
function problem(definition: unknown): string | undefined {
	const parsed = ServiceDefinition.safeParse(definition);
	if (parsed.success) return undefined;
	const issue = parsed.error.issues[0]!;
	return `${issue.path.join('.')}: ${issue.message}`;
}

describe('a metrics source in a service definition', () => {
	it('accepts the Prometheus source of the fixture', () => {
		expect(problem(PROM)).toBeUndefined();
	});

	it('refuses a query naming a variable the definition does not declare, naming it and what is allowed', () => {
		expect(problem(spec({checks: {errorRate: {query: 'err{pod="{{pod}}"}'}}}))).toBe(
			'metrics.checks.errorRate.query: unknown variable {{pod}}: allowed are {{service}}, {{canary}}, {{stable}}, {{window}}, {{job}} (declare it under variables)',
		);
		expect(problem(spec({custom: [{name: 'lat', query: 'x{a="{{ nope }}"}', direction: 'above', warning: 1, critical: 2}]}))).toMatch(/^metrics\.custom\.0\.query: unknown variable \{\{nope\}\}/);
	});

	it('TES Δ takes two queries; every other metric one', () => {
		expect(problem(spec({checks: {tesDelta: {query: 'sr'}}}))).toBe('metrics.checks.tesDelta: TES Δ compares two queries: give canary and stable (the delta is computed in percent), not query');
		expect(problem(spec({checks: {cpu: {canary: 'a', stable: 'b'}}}))).toBe('metrics.checks.cpu: cpu needs query (canary and stable are TES Δ\'s)');
	});

	it('a prometheus source needs an address and a query; the others run none', () => {
		expect(problem(spec({prometheus: undefined}))).toBe('metrics.prometheus: a prometheus source needs prometheus.address');
		expect(problem(spec({checks: {}, custom: []}))).toBe('metrics.checks: a prometheus source needs at least one query (checks or custom)');
		expect(problem({...PROM, metrics: {source: 'push', checks: {cpu: {query: 'cpu'}}}})).toBe('metrics.checks.cpu: a push source runs no query: only failureLimit and noData apply');
		expect(problem({...PROM, metrics: {source: 'push', checks: {cpu: {failureLimit: 3}}}})).toBeUndefined();
		expect(problem({...PROM, metrics: {source: 'simulated', prometheus: {address: 'http://x'}}})).toBe('metrics.prometheus: only a prometheus source has prometheus settings (source is simulated)');
		expect(problem({...PROM, metrics: {source: 'graphite'}})).toBe('metrics.source: must be one of prometheus, push, simulated');
	});

	it('refuses bad addresses, header names, durations, names and bands', () => {
		expect(problem(spec({prometheus: {address: 'file:///etc/passwd'}}))).toBe('metrics.prometheus.address: an http:// or https:// address');
		expect(problem(spec({prometheus: {address: 'http://ops:hunter2@p:9090'}}))).toBe('metrics.prometheus.address: must not carry credentials (user:password@): give an Authorization header by reference ({env} or {file})');
		expect(problem(spec({prometheus: {address: 'http://p:9090', headers: {'X Bad': 'v'}}}))).toMatch(/^metrics\.prometheus\.headers\.X Bad: /);
		expect(problem(spec({prometheus: {address: 'http://p:9090', headers: {'X-Scope-OrgID': 'a\r\nX-Injected: 1'}}}))).toMatch(/^metrics\.prometheus\.headers\.X-Scope-OrgID: /);
		expect(problem(spec({prometheus: {address: 'http://p:9090', timeout: '1m'}}))).toBe('metrics.prometheus.timeout: at most 30s');
	});

	it('a credential is given by reference (an environment variable or a file of the engine\'s host), never written into the definition', () => {
		expect(problem(spec({prometheus: {address: 'http://p:9090', headers: {authorization: 'Bearer abc'}}}))).toBe(
			"metrics.prometheus.headers.authorization: a credential is not written into a definition (every signer sees it, the data directory keeps it): give {env: NAME} or {file: /path} for the engine's host",
		);
		expect(problem(spec({prometheus: {address: 'http://p:9090', headers: {Authorization: {env: 'PROM_TOKEN'}, 'X-Api-Key': {file: '/etc/calyx/prom.key'}}}}))).toBeUndefined();
		for (const name of ['X-Api-Key', 'X-Auth-Token', 'Cookie', 'X-Vault-Secret', 'Proxy-Authorization']) {
			expect(problem(spec({prometheus: {address: 'http://p:9090', headers: {[name]: 'abc'}}}))).toMatch(new RegExp(`^metrics\\.prometheus\\.headers\\.${name}: a credential is not written`));
		}
		expect(problem(spec({prometheus: {address: 'http://p:9090', headers: {'X-Scope-OrgID': 'shop'}}}))).toBeUndefined();
		expect(problem(spec({prometheus: {address: 'http://p:9090', headers: {Authorization: {file: 'relative/key'}}}}))).toMatch(/^metrics\.prometheus\.headers\.Authorization/);
		expect(problem(spec({window: '5 minutes'}))).toBe('metrics.window: a duration like 5s, 1m or 1m30s (units ms, s, m, h, d)');
		expect(problem(spec({variables: {canary: 'x'}}))).toBe('metrics.variables.canary: canary is built in: choose another name');
		expect(problem(spec({custom: [{name: 'cpu', query: 'x', direction: 'above', warning: 1, critical: 2}]}))).toBe('metrics.custom.0.name: cpu is taken (by a gate metric or another custom metric)');
		expect(problem(spec({custom: [{name: 'lat', query: 'x', direction: 'above', warning: 5, critical: 2}]}))).toBe("metrics.custom.0.critical: critical must lie beyond warning in the metric's direction");
	});
});

describe('templates, timing and the gate metrics of a definition', () => {
	it('fills variables, refuses what it does not know, and keeps built-in values to names', () => {
		const builtins = new Set(['canary']);
		expect(renderQuery('a{v="{{canary}}",j="{{ job }}"}[{{window}}]', {canary: '1.5.0', job: 'shop', window: '30s'}, builtins)).toEqual({query: 'a{v="1.5.0",j="shop"}[30s]'});
		expect(renderQuery('a{{{x}}}', {}, builtins)).toEqual({problem: 'unknown variable {{x}}'});
		expect(renderQuery('a{v="{{canary}}"}', {canary: 'v1\\"'}, builtins)).toMatchObject({problem: expect.stringMatching(/^\{\{canary\}\} is /)});
	});

	it('defaults: a 10 s interval, a 1 m window, a warm-up of the window plus two scrapes, 4 errors, a 5 s timeout', () => {
		expect(metricsTiming(undefined)).toEqual({intervalMs: 10_000, window: '1m', windowMs: 60_000, scrapeMs: 15_000, initialDelayMs: 90_000, timeoutMs: 5_000, errorLimit: 4});
		expect(metricsTiming(PROM.metrics).initialDelayMs).toBe(40_000);
		expect(metricsTiming({...PROM.metrics!, initialDelay: '1m'}).initialDelayMs).toBe(60_000);
	});

	it('a deployment without a definition keeps today\'s four metrics from the simulator or pushes', () => {
		expect(gateMetrics({plan: DEFAULT_PLAN, target: 'simulated'}).map(m => [m.key, m.source, m.failureLimit])).toEqual([
			['tesDelta', 'simulated', 1],
			['errorRate', 'simulated', 1],
			['cpu', 'simulated', 1],
			['memory', 'simulated', 1],
		]);
		expect(gateMetrics({plan: DEFAULT_PLAN, target: 'haproxy'})[0]!.source).toBe('push');
	});

	it('TES Δ is the relative change of the canary against the stable version, bounded to ±100 %', () => {
		expect(tesDelta(97, 100)).toEqual({ok: true, value: -3});
		expect(tesDelta(100, 40)).toEqual({ok: true, value: 100});
		expect(tesDelta(5, 0)).toMatchObject({ok: false, kind: 'no_data'});
	});
});
