import type {Key} from 'ink';
import {describe, expect, it} from 'vitest';
import {deploymentView, evaluateGate, type Deployment, type State} from '../../src/core/index.js';
import {KEYMAP} from '../../src/ui/keymap.js';
import {consoleReducer, initialConsoleState, type ConsoleState, type KeyContext} from '../../src/ui/model/console-state.js';
import {openDialog} from '../../src/ui/model/dialog.js';
import {gauge, GAUGE} from '../../src/ui/model/format.js';
import {ageText, feedSegments, queryRows, renderedQueries, tesPair, tierSince} from '../../src/ui/model/metric-feed.js';
import {reviewedFacts} from '../../src/ui/model/review.js';
import {deploymentRow} from '../../src/ui/views/deployment-rows.js';
import {FakeStore} from './helpers/fake-store.js';
import {fixture} from './helpers/mount.js';
import {ERROR_QUERY, onPrometheus, type PrometheusOpts} from './helpers/prometheus-deployment.js';

const NOW = Date.parse('2026-11-25T10:05:00Z');
const at = (ago: number) => new Date(NOW - ago).toISOString();

/** The fixture's running canary on Prometheus readings, in a state of its own. */
function prometheusState(opts: PrometheusOpts = {}): {state: State; dep: Deployment; trust: FakeStore['trust']} {
	const fx = fixture();
	const store = new FakeStore(fx, fx.clock);
	const dep = onPrometheus(store.state.deployments.find(d => d.id === fx.dep.running)!, NOW, opts);
	const state = {...store.state, deployments: store.state.deployments.map(d => (d.id === dep.id ? dep : d))};
	return {state, dep, trust: store.trust};
}

describe('a metric feed in words', () => {
	it('says how old a reading is on the console clock, none as —, and a reading stamped ahead of it', () => {
		expect(ageText(undefined, NOW)).toBe('—');
		expect(ageText(at(4_000), NOW)).toBe('4s ago');
		expect(ageText(at(-3_000), NOW)).toBe('3s ahead of this clock');
	});

	it('pairs TES Δ with its two readings only when the last TES reading carries them', () => {
		const polled = {at: at(10_000), tesDelta: -3.1, tes: {canary: 96.2, stable: 99.3}};
		expect(tesPair([polled])).toBe('TES Δ -3.1% (canary 96.2 / stable 99.3)');
		// A push after the poll gives the delta alone: the older pair is not the reading shown.
		expect(tesPair([polled, {at: at(5_000), tesDelta: -1}])).toBeUndefined();
		expect(tesPair([polled, {at: at(5_000), cpu: 50}])).toBe('TES Δ -3.1% (canary 96.2 / stable 99.3)');
	});

	it('names where a last reading came from when it is not the source of the definition', () => {
		const {dep} = prometheusState({errorMissing: null});
		const pushed = {...dep, feeds: {...dep.feeds, cpu: {source: 'push' as const, at: at(2_000)}}};
		const cpu = evaluateGate(pushed, NOW).metrics.find(m => m.metric === 'cpu')!;
		expect(feedSegments(cpu, pushed.window, NOW).map(s => s.text)).toEqual(['from Prometheus', 'last reading 2s ago (pushed)']);
	});
});

describe('a reading of another tier', () => {
	/** The canary's tier began (and was confirmed) `ago` ms before NOW; every metric's last reading, `readAgo` before NOW, in the tier before. */
	function newTier(ago: number, readAgo: number) {
		const {dep} = prometheusState({errorMissing: null, samples: []});
		const begun = at(ago);
		const feeds = Object.fromEntries(Object.entries(dep.feeds!).map(([k, f]) => [k, {...f, at: at(readAgo)}]));
		const next = {...dep, tierStartedAt: begun, observed: {...dep.observed!, at: begun}, feeds};
		return {dep: next, gate: evaluateGate(next, NOW), view: deploymentView(prometheusState().state, next, NOW)};
	}

	it('while the tier warms up: says so, with no age of the reading before it', () => {
		const {dep, gate, view} = newTier(3_000, 6_000);
		const since = tierSince(view, NOW);
		expect(since).toBe(NOW - 3_000);
		const cpu = gate.metrics.find(m => m.metric === 'cpu')!;
		expect(feedSegments(cpu, dep.window, NOW, since).map(s => s.text)).toEqual(['from Prometheus', 'warming up: first reading in 1m 27s']);
	});

	it('after the warm-up, with nothing of this tier yet: says that, not the old reading\'s age', () => {
		const {dep, gate, view} = newTier(100_000, 120_000);
		const cpu = gate.metrics.find(m => m.metric === 'cpu')!;
		expect(cpu.explanation).toBe('inconclusive: 0/3 samples');
		expect(feedSegments(cpu, dep.window, NOW, tierSince(view, NOW)).map(s => s.text)).toEqual(['from Prometheus', 'no reading of this tier yet']);
	});

	it('a reading of this tier keeps its age', () => {
		const {dep} = prometheusState({errorMissing: null});
		const view = deploymentView(prometheusState().state, dep, NOW);
		const cpu = evaluateGate(dep, NOW).metrics.find(m => m.metric === 'cpu')!;
		expect(feedSegments(cpu, dep.window, NOW, tierSince(view, NOW)).map(s => s.text)).toEqual(['from Prometheus', 'last reading 10s ago']);
	});
});

describe('the queries on demand', () => {
	it('renders each metric\'s queries as the poller does, and none for a canary without a Prometheus source', () => {
		const {dep} = prometheusState();
		const rendered = renderedQueries(dep);
		expect(rendered.errorRate).toEqual([{part: 'query', text: ERROR_QUERY}]);
		expect(rendered.tesDelta!.map(r => r.part)).toEqual(['canary', 'stable']);
		expect(rendered.latency_p99![0]!.text).toContain('{service="checkout"}[1m]');
		expect(renderedQueries({...dep, definition: undefined})).toEqual({});
	});

	it('shows the templates and why when a value cannot go into a query', () => {
		const {dep} = prometheusState();
		const rows = renderedQueries({...dep, service: 'check"out'}).cpu!;
		expect(rows[0]).toEqual({part: 'template', text: 'avg(cpu_percent{service="{{service}}",version="{{canary}}"})'});
		expect(rows[1]!.part).toBe('problem');
		expect(rows[1]!.text).toMatch(/^\{\{service\}\} is "check\\"out": only letters/);
	});

	it('escapes what it shows', () => {
		const {dep} = prometheusState();
		const cpu = evaluateGate(dep, NOW).metrics.find(m => m.metric === 'cpu')!;
		expect(queryRows(cpu, {cpu: [{part: 'query', text: 'up\u001b[2J'}]})).toEqual([{part: 'query', text: 'up\\x1b[2J'}]);
	});
});

describe('a metric of the definition\'s own, and no data, elsewhere on screen', () => {
	it('draws a floor on a positive value (a success rate) filling as it drops', () => {
		const band = {warning: 99, critical: 95};
		const fill = (s: string) => [...s].filter(c => c === GAUGE.fill).length;
		const healthy = gauge('below', 99.9, band, 20);
		expect(healthy.indexOf(GAUGE.warning)).toBeLessThan(healthy.indexOf(GAUGE.critical));
		expect(fill(healthy)).toBeLessThan(healthy.indexOf(GAUGE.warning));
		const bad = gauge('below', 94, band, 20);
		expect(bad.lastIndexOf(GAUGE.fill)).toBeGreaterThan(bad.indexOf(GAUGE.critical));
	});

	it('names no data in the list when nothing warns, and a custom metric by its label (cut to the column) when it does', () => {
		const clean = Array.from({length: 3}, (_, i) => ({ago: 30_000 - i * 10_000, tesDelta: 0.1, cpu: 50, custom: {latency_p99: 100}}));
		const quiet = prometheusState({samples: clean});
		expect(deploymentRow(deploymentView(quiet.state, quiet.dep, NOW)).cells.worst).toEqual({text: 'NO DATA', tone: 'warning'});
		const slow = prometheusState({errorMissing: null, samples: clean.map(s => ({...s, errorRate: 0.1, custom: {latency_p99: 300}}))});
		expect(deploymentRow(deploymentView(slow.state, slow.dep, NOW)).cells.worst).toEqual({text: 'WARN p99…', tone: 'warning'});
	});

	it('takes a custom metric\'s level and no data into what a promotion rests on', () => {
		const {state, dep, trust} = prometheusState();
		const facts = reviewedFacts(openDialog('forcePromote', dep.id), state, NOW, trust)!;
		expect(facts).toMatchObject({TES: 'WARN', 'error rate': 'no data', CPU: 'WARN', 'p99 latency': 'ok'});
	});
});

describe('the queries key', () => {
	const K = {upArrow: false, downArrow: false, leftArrow: false, rightArrow: false, pageDown: false, pageUp: false, home: false, end: false, return: false, escape: false, ctrl: false, shift: false, tab: false, backspace: false, delete: false, meta: false} as Key;
	const ctx: KeyContext = {table: KEYMAP, rows: {deployments: ['DEP-1'], leases: [], audit: [], intents: []}, listHeight: {deployments: 10, leases: 10, audit: 10, intents: 10}, confirmable: {}, reviewed: () => undefined, detailMax: 0, eventMax: 0, helpMax: 0, availability: {}};
	let wall = 0;
	const press = (s: ConsoleState, input: string) => consoleReducer(s, {type: 'key', input, key: K, ctx, at: (wall += 1000), now: wall});

	it('toggles the queries in the detail, and does nothing in a list', () => {
		const detail = {...initialConsoleState(), detail: true};
		expect(press(detail, 'm').queries).toBe(true);
		expect(press(press(detail, 'm'), 'm').queries).toBe(false);
		expect(press(initialConsoleState(), 'm')).toEqual(initialConsoleState());
	});
});
