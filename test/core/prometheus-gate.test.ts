import {describe, expect, it} from 'vitest';
import {evaluateGate, metricsWork, worstLevel, type ServiceDefinition} from '../../src/core/index.js';
import {START} from './helpers.js';
import {failure, HEALTHY, INTERVAL, nodata, poll, PROM, PLAN, promCanary, startWithProbe, value, WARM_UP} from './prometheus-fixture.js';
import {applyCmd, signUnderDefinition} from './service-fixtures.js';
import {Fixture} from './helpers.js';

const withChecks = (checks: NonNullable<ServiceDefinition['metrics']>['checks'], extra: Partial<NonNullable<ServiceDefinition['metrics']>> = {}): ServiceDefinition => ({
	...PROM,
	metrics: {...PROM.metrics!, checks, custom: [], ...extra},
});

describe('polling: after the warm-up, every interval, with the queries filled in', () => {
	it('asks nothing until the query window can hold the new tier only, then each interval', () => {
		const {f, id} = promCanary();
		expect(metricsWork(f.state, f.clock.now())).toEqual([]);
		const gate = evaluateGate(f.dep(id), f.clock.now());
		expect(gate.metrics.find(m => m.metric === 'errorRate')!.explanation).toBe('warming up: first reading in 40s (the query window must hold this tier only)');
		f.wait(WARM_UP - 1000);
		expect(metricsWork(f.state, f.clock.now())).toEqual([]);
		f.wait(1000);
		const [work] = metricsWork(f.state, f.clock.now());
		expect(work!.prometheus).toEqual({address: 'http://127.0.0.1:9090', headers: {Authorization: {env: 'CALYX_TEST_PROM_TOKEN'}, 'X-Scope-OrgID': 'shop'}, timeoutMs: 5000});
		expect(work!.queries).toEqual([
			{metric: 'tesDelta', label: 'TES', canary: 'sr{v="1.5.0"}', stable: 'sr{v="1.4.0"}'},
			{metric: 'errorRate', label: 'error rate', query: 'rate(err{job="shop",v="1.5.0"}[30s])'},
			{metric: 'cpu', label: 'CPU', query: 'cpu{v="1.5.0"}'},
			{metric: 'p99', label: 'p99 latency', query: 'p99{service="checkout"}'},
		]);
		poll(f);
		expect(metricsWork(f.state, f.clock.now())).toEqual([]);
		f.wait(INTERVAL - 1);
		expect(metricsWork(f.state, f.clock.now())).toEqual([]);
		f.wait(1);
		expect(metricsWork(f.state, f.clock.now())).toHaveLength(1);
	});

	it('judges only what the source has queries for, and completes on clean readings', () => {
		const {f, id} = promCanary();
		f.wait(WARM_UP);
		poll(f);
		f.wait(INTERVAL);
		poll(f);
		const gate = evaluateGate(f.dep(id), f.clock.now());
		expect(gate.metrics.map(m => m.metric)).toEqual(['tesDelta', 'errorRate', 'cpu', 'p99']);
		expect(gate.metrics.every(m => m.level === 'ok' && m.spec.source === 'prometheus')).toBe(true);
		expect(f.dep(id).window.at(-1)).toMatchObject({tes: {canary: 99.5, stable: 99.6}, custom: {p99: 120}, errorRate: 0.2, cpu: 40});
		expect(f.dep(id).window.at(-1)!.tesDelta).toBeCloseTo(-0.1004, 3);
		expect(f.dep(id).feeds!.errorRate).toMatchObject({source: 'prometheus', at: f.dep(id).window.at(-1)!.at});
		f.wait(PLAN.bakeMs! - WARM_UP - INTERVAL);
		expect(f.tick().actions[0]).toMatchObject({action: 'promoted', percent: 25});
		// The next tier warms up again from its own confirmation.
		expect(metricsWork(f.state, f.clock.now())).toEqual([]);
	});

	it('at 100 % the stable version serves nothing to compare with: TES Δ is no longer asked nor judged, and the canary completes', () => {
		const {f, id} = promCanary();
		for (const percent of [5, 25, 100]) {
			expect(f.dep(id).percent).toBe(percent);
			f.wait(WARM_UP);
			const [work] = metricsWork(f.state, f.clock.now());
			expect(work!.queries.some(q => q.metric === 'tesDelta')).toBe(percent < 100);
			poll(f, percent < 100 ? HEALTHY : {...HEALTHY, tesDelta: {canary: value(99), stable: nodata()}});
			f.wait(INTERVAL);
			poll(f);
			f.wait(PLAN.bakeMs! - WARM_UP - INTERVAL);
			if (percent === 100) expect(evaluateGate(f.dep(id), f.clock.now()).metrics.map(m => m.metric)).toEqual(['errorRate', 'cpu', 'p99']);
			f.tick();
		}
		expect(f.dep(id).status).toBe('completed');
	});

	it('a version that could end a PromQL string is not put into a query: the start is refused naming it; were it running, that metric errs and the others are asked', () => {
		const f = new Fixture().registerKeys();
		f.run(applyCmd(f, PROM));
		const leaseId = f.issue(f.intent({toVersion: '1.5"} or vector(0) #'}), {plan: PLAN});
		signUnderDefinition(f, leaseId, 'human', 'agent');
		expect(f.refuse(startWithProbe(f, leaseId)).message).toContain('metrics source (the TES query cannot be made for this intent: {{canary}} is "1.5\\"} or vector(0) #": only letters');
		const {f: g, id} = promCanary();
		g.wait(WARM_UP);
		const state = {...g.state, deployments: g.state.deployments.map(d => (d.id === id ? {...d, toVersion: '1.5"} or vector(0) #'} : d))};
		const [work] = metricsWork(state, g.clock.now());
		expect(work!.queries.find(q => q.metric === 'cpu')!.problem).toMatch(/^\{\{canary\}\} is "1\.5\\"\} or vector\(0\) #": only letters/);
		expect(work!.queries.find(q => q.metric === 'p99')).toEqual({metric: 'p99', label: 'p99 latency', query: 'p99{service="checkout"}'});
	});
});

describe('no data is not healthy', () => {
	for (const [what, answer] of [
		['NaN', nodata('NaN (0/0: no traffic in the window?)')],
		['an empty result', nodata('empty result (no series matched)')],
		['+Inf', nodata('+Inf')],
	] as const) {
		it(`${what} holds the gate, says since when and with which query, and never passes nor halts by itself`, () => {
			const {f, id} = promCanary();
			f.wait(WARM_UP);
			const at = f.clock.now();
			for (let i = 0; i < 12; i++) {
				poll(f, {...HEALTHY, errorRate: answer});
				f.wait(INTERVAL);
				f.tick();
			}
			const dep = f.dep(id);
			expect(dep.status).toBe('holding');
			const since = new Date(at).toISOString().slice(11, 19);
			expect(dep.hold!.reason).toBe(`no data from error rate since ${since} UTC: ${answer.ok ? '' : answer.message} — rate(err{job="shop",v="1.5.0"}[30s])`);
			expect(dep.percent).toBe(5);
			expect(f.kinds(id).filter(k => k === 'metrics.no_data')).toHaveLength(1);
			// A reading again lifts the hold, and the trail says so.
			poll(f);
			expect(f.dep(id).feeds!.errorRate!.missing).toBeUndefined();
			expect(f.events.filter(e => e.kind === 'metrics.resumed').map(e => e.reason)).toEqual(['error rate: a reading again after 12 polls without one (no data)']);
			expect(evaluateGate(f.dep(id), f.clock.now()).noData).toBe(false);
		});
	}

	it('TES Δ has no baseline when the stable version reads 0, and says which side has no data', () => {
		const {f, id} = promCanary();
		f.wait(WARM_UP);
		poll(f, {...HEALTHY, tesDelta: {canary: value(99), stable: value(0)}});
		expect(f.dep(id).feeds!.tesDelta!.missing).toMatchObject({kind: 'no_data', message: 'the stable version reads 0: no baseline to compare with'});
		f.wait(INTERVAL);
		poll(f, {...HEALTHY, tesDelta: {canary: nodata('empty result (no series matched)'), stable: value(99)}});
		expect(f.dep(id).feeds!.tesDelta!.missing).toMatchObject({kind: 'no_data', message: 'canary: empty result (no series matched)', count: 2, query: 'canary: sr{v="1.5.0"} / stable: sr{v="1.4.0"}'});
	});

	it('noData: fail counts a reading without data as a critical one (Flagger\'s way): it halts and rolls back', () => {
		const {f, id} = promCanary(withChecks({errorRate: {query: 'err', noData: 'fail'}}));
		f.wait(WARM_UP);
		poll(f, {errorRate: nodata()});
		expect(f.dep(id).halt).toMatchObject({trigger: 'critical', reason: 'no data from error rate counts as failing (noData: fail): NaN (0/0: no traffic in the window?)'});
		expect(f.dep(id).status).toBe('rolled_back');
	});
});

describe('query errors: counted, and the limit halts without rolling back', () => {
	it('holds on the first errors, halts at the fourth in a row with the last error, keeps the target where it is', () => {
		const {f, id} = promCanary();
		f.wait(WARM_UP);
		for (let i = 1; i <= 3; i++) {
			poll(f, {...HEALTHY, cpu: failure(`connection refused #${i}`)});
			f.wait(INTERVAL);
		}
		expect(f.dep(id).status).toBe('holding');
		expect(f.dep(id).hold!.reason).toMatch(/^no data from CPU since .* UTC: query failed 3× \(connection refused #3\) — cpu\{v="1\.5\.0"\}$/);
		poll(f, {...HEALTHY, cpu: failure('connection refused #4')});
		expect(f.dep(id)).toMatchObject({status: 'halted', percent: 5, halt: {trigger: 'metrics'}});
		expect(f.dep(id).halt!.reason).toBe('CPU: the query failed 4 times in a row (limit 4): connection refused #4; the canary is not known to be bad: resume or roll back');
		expect(f.dep(id).rollback).toBeUndefined();
		expect(worstLevel(f.dep(id))).toBe('warning');
		// Resumed, the source gets its budget back.
		f.run({type: 'canary.resume', actor: 'human:alice', id, reason: 'Prometheus is back'});
		expect(f.dep(id).feeds!.cpu!.missing).toBeUndefined();
	});

	it('a value between errors ends the streak; consecutiveErrorLimit is the definition\'s', () => {
		const {f, id} = promCanary(withChecks({cpu: {query: 'cpu'}}, {consecutiveErrorLimit: 2}));
		f.wait(WARM_UP);
		poll(f, {cpu: failure()});
		f.wait(INTERVAL);
		poll(f, {cpu: value(30)});
		f.wait(INTERVAL);
		poll(f, {cpu: failure()});
		expect(f.dep(id).status).not.toBe('halted');
		f.wait(INTERVAL);
		poll(f, {cpu: failure()});
		expect(f.dep(id).status).toBe('halted');
	});

	it('a value outside the metric\'s range is a query error, not a reading', () => {
		const {f, id} = promCanary();
		f.wait(WARM_UP);
		poll(f, {...HEALTHY, cpu: value(4000)});
		expect(f.dep(id).feeds!.cpu!.missing).toMatchObject({kind: 'error', message: 'CPU read 4000: outside 0–1000 (is the query\'s unit percent?)'});
		expect(f.dep(id).status).not.toBe('halted');
	});
});

describe('failure budgets', () => {
	it('a critical within the budget holds and says what is left; the budget spent halts', () => {
		const {f, id} = promCanary();
		f.wait(WARM_UP);
		poll(f, {...HEALTHY, cpu: value(130)});
		expect(f.dep(id).status).toBe('holding');
		const cpu = evaluateGate(f.dep(id), f.clock.now()).metrics.find(m => m.metric === 'cpu')!;
		expect(cpu.level).toBe('warning');
		expect(cpu.explanation).toBe('CRITICAL: CPU > 120% in the last 2 samples — CPU 130% (warning > 110%, critical > 120%); failure budget: 1 of 2 used, 1 left; waiting for a clean window');
		f.wait(INTERVAL);
		poll(f, {...HEALTHY, cpu: value(125)});
		expect(f.dep(id).halt).toMatchObject({trigger: 'critical', reason: 'CRITICAL: CPU > 120% (read 125%; failure budget of 2 spent)'});
		expect(f.dep(id).status).toBe('rolled_back');
	});

	it('a spike within the budget is tolerated once a clean window follows: the tier promotes', () => {
		const {f, id} = promCanary();
		f.wait(WARM_UP);
		poll(f, {...HEALTHY, cpu: value(130)});
		for (let i = 0; i < 2; i++) {
			f.wait(INTERVAL);
			poll(f);
		}
		f.wait(PLAN.bakeMs!);
		expect(f.dep(id)).toMatchObject({percent: 25, status: 'running'});
		expect(f.kinds(id)).toContain('canary.promoted');
	});

	it('the default budget is one: a custom metric\'s critical halts at once, in its own words', () => {
		const {f, id} = promCanary();
		f.wait(WARM_UP);
		poll(f, {...HEALTHY, p99: value(650)});
		expect(f.dep(id).halt).toMatchObject({trigger: 'critical', reason: 'CRITICAL: p99 latency > 500ms (read 650ms)'});
	});

	it('TES Δ is the canary against the stable version, in percent', () => {
		const {f, id} = promCanary();
		f.wait(WARM_UP);
		poll(f, {...HEALTHY, tesDelta: {canary: value(93), stable: value(99)}});
		expect(f.dep(id).halt!.reason).toBe('CRITICAL: TES drop > 5% (read -6.06%)');
		expect(f.samples.at(-1)!.sample).toMatchObject({tes: {canary: 93, stable: 99}});
	});
});

describe('pushed samples', () => {
	it('a custom value is taken where the definition declares the metric, refused where nothing would judge it', () => {
		const {f, id} = promCanary();
		f.record(id, {custom: {p99: 200}});
		expect(f.dep(id).feeds!.p99).toMatchObject({source: 'push'});
		const plain = new Fixture();
		const other = plain.canary();
		expect(plain.refuse({type: 'metrics.record', actor: 'agent:ci-bot', id: other, sample: {custom: {p99: 200}}}).message).toBe(`custom.p99: ${other} has no custom metric p99 (its service definition declares none)`);
		expect(f.refuse({type: 'metrics.record', actor: 'agent:ci-bot', id, sample: {custom: {p95: 1}}}).message).toBe(`custom.p95: ${id} has no custom metric p95 (it has p99)`);
	});
});

describe('pre-checks', () => {
	it('a start without a Prometheus that answered is refused, naming it', () => {
		const f = new Fixture({start: START}).registerKeys();
		f.run(applyCmd(f, PROM));
		const leaseId = f.issue(f.intent(), {plan: PLAN});
		signUnderDefinition(f, leaseId, 'human', 'agent');
		const down = f.refuse(startWithProbe(f, leaseId, {ok: false, detail: 'Prometheus unreachable: ECONNREFUSED 127.0.0.1:9090'}));
		expect(down.message).toContain('metrics source (Prometheus unreachable: ECONNREFUSED 127.0.0.1:9090)');
		const unprobed = f.refuse(startWithProbe(f, leaseId, null));
		expect(unprobed.message).toContain('metrics source (Prometheus at http://127.0.0.1:9090 was not probed)');
	});
});
