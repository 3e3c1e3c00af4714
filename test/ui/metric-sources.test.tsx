import {cleanup} from 'ink-testing-library';
import {afterEach, describe, expect, it} from 'vitest';
import {iso} from '../../src/core/index.js';
import {clockTime} from '../../src/ui/model/format.js';
import {frameOf, KEY, press, selectRow, settled, waitForFrame} from './helpers/ink.js';
import {mount, type Mounted} from './helpers/mount.js';
import {ERROR_QUERY, onPrometheus, type PrometheusOpts} from './helpers/prometheus-deployment.js';

afterEach(() => cleanup());

const SIZE = {columns: 140, rows: 90};
const lineOf = (frame: string, head: RegExp) => frame.split('\n').find(l => head.test(l)) ?? '';
/** The line under a metric's line: where its value comes from. */
const feedOf = (frame: string, head: RegExp) => {
	const lines = frame.split('\n');
	return lines[lines.findIndex(l => head.test(l)) + 1] ?? '';
};

/** Puts the running canary (checkout 1.0.0 → 1.1.0) on Prometheus readings (see onPrometheus). */
function toPrometheus(m: Mounted, opts: PrometheusOpts = {}): string {
	const id = m.fx.dep.running;
	const deployments = m.store.state.deployments.map(d => (d.id === id ? onPrometheus(d, m.clock.now(), opts) : d));
	m.store.state = {...m.store.state, rev: m.store.state.rev + 1, deployments};
	m.store.notify({state: true, audit: false, metrics: false});
	return id;
}

async function detail(m: Mounted, id: string): Promise<string> {
	await selectRow(m.r, id);
	await press(m.r, KEY.enter);
	return waitForFrame(m.r, /^p99 latency/m);
}

describe('the detail view on a Prometheus source', () => {
	it('says per metric where the value comes from, how old the last reading is, and the value the gate judged', async () => {
		const m = await mount({size: SIZE});
		const id = toPrometheus(m);
		const frame = await detail(m, id);
		// CPU: the window's worst, the one the hold names, beside WARN; the calmer latest after it.
		expect(lineOf(frame, /^CPU /)).toMatch(/^CPU +112\.41% [█·¦‖]+ WARN +3\/3 +now 61\.02% /);
		expect(frame).toMatch(/WARNING: CPU > 110% in the last 3 samples — CPU 112\.41% /);
		expect(feedOf(frame, /^CPU /).trim()).toBe('from Prometheus · last reading 10s ago');
		// TES Δ: the canary's and the stable version's readings it was computed from.
		expect(lineOf(frame, /^TES /)).toMatch(/^TES +-3\.12% [█·¦‖]+ WARN +3\/3/);
		expect(feedOf(frame, /^TES /).trim()).toBe('from Prometheus · last reading 10s ago: TES Δ -3.12% (canary 96.2 / stable 99.3)');
		// No data: no judged value, the level in its own word, since when, and the last reading's age.
		const since = clockTime(iso(m.clock.now() - 65_000), m.clock.now());
		expect(lineOf(frame, /^error rate /)).toMatch(/^error rate +— +NO DATA 1\/3 +last 0\.4% /);
		expect(feedOf(frame, /^error rate /).trim()).toBe(`from Prometheus · no data since ${since}: empty result · last reading 30s ago`);
		// The age runs on the console's clock.
		m.clock.advance(5_000);
		await waitForFrame(m.r, f => feedOf(f, /^CPU /).trim() === 'from Prometheus · last reading 15s ago');
		expect(feedOf(frameOf(m.r), /^error rate /)).toContain('last reading 35s ago');
	});

	it('shows a custom metric with its own label, unit and bands', async () => {
		const m = await mount({size: SIZE});
		const frame = await detail(m, toPrometheus(m));
		expect(lineOf(frame, /^p99 latency /)).toMatch(/^p99 latency +201\.5ms [█·¦‖]+ ok +3\/3/);
		expect(feedOf(frame, /^p99 latency /).trim()).toBe('from Prometheus · last reading 10s ago');
		expect(frame).toContain('samples TES 3 · error rate 1 · CPU 3 · p99 latency 3 (3 needed each)');
		// The metrics the definition has no query for are not judged: no memory line.
		expect(lineOf(frame, /^memory /)).toBe('');
	});

	it('while a tier warms up, says so instead of the age of a reading from the tier before; names metrics by label', async () => {
		const m = await mount({size: SIZE});
		const id = m.fx.dep.running;
		const now = m.clock.now();
		const started = iso(now - 3_000);
		const deployments = m.store.state.deployments.map(d => {
			if (d.id !== id) return d;
			const p = onPrometheus(d, now, {errorMissing: null, samples: []});
			// Each metric's last reading came 6 s ago, in the tier before: this one began and was confirmed 3 s ago.
			const feeds = Object.fromEntries(Object.entries(p.feeds!).map(([k, f]) => [k, {...f, at: iso(now - 6_000)}]));
			return {...p, tierStartedAt: started, observed: {...p.observed!, at: started}, feeds};
		});
		m.store.state = {...m.store.state, rev: m.store.state.rev + 1, deployments};
		m.store.notify({state: true, audit: false, metrics: false});
		const frame = await detail(m, id);
		// Warm-up: window 1m + 2 scrapes of 15s after the confirmation 3s ago.
		for (const head of [/^TES /, /^error rate /, /^CPU /, /^p99 latency /]) expect(feedOf(frame, head).trim()).toBe('from Prometheus · warming up: first reading in 1m 27s');
		expect(frame).not.toContain('6s ago');
		// The gate's reasons and the samples name each metric by its label, never by its key.
		expect(frame).toContain('why TES warming up: first reading in 1m 27s (the query window must hold this tier only)');
		expect(frame).toContain('why p99 latency warming up: first reading in 1m 27s');
		expect(frame).toContain('samples TES 0 · error rate 0 · CPU 0 · p99 latency 0 (3 needed each)');
		expect(frame).not.toMatch(/tesDelta|errorRate|latency_p99/);
		// Warmed up and still nothing of this tier: no age of the old reading either.
		m.clock.advance(90_000);
		const later = await waitForFrame(m.r, f => feedOf(f, /^CPU /).trim() === 'from Prometheus · no reading of this tier yet');
		expect(later).toContain('why TES inconclusive: 0/3 samples');
		expect(later).not.toMatch(/tesDelta|last reading/);
	});

	it('shows the queries only on demand (m), rendered as Prometheus is asked them, and hides them again', async () => {
		const m = await mount({size: SIZE});
		const frame = await detail(m, toPrometheus(m));
		expect(frame).toMatch(/^Metrics m: show the queries · judged value/m);
		expect(frame).not.toContain('avg(cpu_percent');
		expect(frame.split('\n').at(-1)).toContain('m queries');
		await press(m.r, 'm');
		const shown = await waitForFrame(m.r, 'avg(cpu_percent');
		expect(shown).toMatch(/^Metrics m: hide the queries · judged value/m);
		expect(feedOf(shown, /^ +from Prometheus · last reading 10s ago$/).trim()).toBe('query    avg(cpu_percent{service="checkout",version="1.1.0"})');
		expect(shown).toMatch(/^ +canary +sum\(rate\(ok\{service="checkout",version="1\.1\.0"\}\[1m\]\)\)$/m);
		expect(shown).toMatch(/^ +stable +sum\(rate\(ok\{service="checkout",version="1\.0\.0"\}\[1m\]\)\)$/m);
		expect(shown).toMatch(/^ +query +histogram_quantile\(0\.99, .*\{service="checkout"\}\[1m\]\)\)\) \* 1000$/m);
		// The error rate's query is the one that found no data, as it was asked.
		expect(feedOf(shown, /^ +from Prometheus · no data since/).trim()).toBe(`asked    ${ERROR_QUERY}`);
		await press(m.r, 'm');
		await waitForFrame(m.r, f => !f.includes('avg(cpu_percent') && /^Metrics m: show the queries/m.test(f));
	});

	it('wraps a long query on a small terminal, and a query cut at the edge of the pane stays under the "more below" hint', async () => {
		const m = await mount({size: {columns: 80, rows: 24}});
		await detail(m, toPrometheus(m));
		await press(m.r, 'm');
		const frame = await waitForFrame(m.r, 'avg(cpu_percent');
		const lines = frame.split('\n');
		// The error rate's query is longer than the row: its end continues under its start.
		const asked = lines.findIndex(l => /^ +asked +100 \* sum/.test(l));
		expect(`${lines[asked]!.replace(/^ +asked +/, '')}${lines[asked + 1]!.trim()}`).toBe(ERROR_QUERY);
		const hint = lines.findIndex(l => l.startsWith('↓ more below'));
		expect(lines[hint]!.trimEnd()).toBe('↓ more below (j/↓ scrolls, G to the end)');
	});

	it('keeps the choice for the next deployment opened; a simulated canary says it has no queries', async () => {
		const m = await mount({size: SIZE});
		const id = toPrometheus(m);
		await detail(m, id);
		await press(m.r, 'm');
		await waitForFrame(m.r, 'avg(cpu_percent');
		await press(m.r, KEY.esc);
		await waitForFrame(m.r, f => f.includes('DEPLOYMENT'));
		// A simulated canary has no query to show: it says so rather than show nothing.
		await selectRow(m.r, m.fx.dep.holding);
		await press(m.r, KEY.enter);
		const frame = await waitForFrame(m.r, /^TES /m);
		expect(frame).toContain("no queries: this canary's readings are simulated");
		expect(feedOf(frame, /^CPU /).trim()).toMatch(/^simulated · last reading \d+s ago$/);
	});

	it('escapes a query: it is drawn, never played to the terminal', async () => {
		const m = await mount({size: SIZE});
		const frame = await detail(m, toPrometheus(m, {errorMissing: {query: 'up\u001b[2J\u001b[32mALL CLEAR\u0007'}}));
		expect(frame).not.toMatch(/[\u0007\u001b]/);
		await press(m.r, 'm');
		const shown = await waitForFrame(m.r, 'avg(cpu_percent');
		expect(shown).toMatch(/^ +asked +up\\x1b\[2J\\x1b\[32mALL CLEAR\\x07$/m);
		expect(shown).not.toMatch(/[\u0007\u001b]/);
	});
});
