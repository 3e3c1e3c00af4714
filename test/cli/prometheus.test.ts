/**
 * The CLI against a real Prometheus (Debian's 2.42, scraping its own /metrics). `calyx service
 * check`: the definition in force and a file not yet applied, each query asked once through the
 * built CLI; the values, TES Δ's pair and delta, Prometheus' own parse error for bad PromQL, "no
 * data" for 0/0; the versions from the latest intent, the live deployment, or the flags. `calyx
 * canary status`: per metric where its value comes from, its level (NO DATA), the value judged,
 * the last reading's age and the gate's explanation, after the engine polled.
 */
import {mkdtemp, rm} from 'node:fs/promises';
import {writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {prometheusAbsent, startPrometheus, waitForSeries, type RunningPrometheus} from '../prometheus-harness.js';
import {sandbox, signedLease, snapshot} from './helpers.js';

type Doc = Record<string, any>;
type Box = ReturnType<typeof sandbox>;

const absent = prometheusAbsent();
// CI installs Prometheus (.ci/run sets CALYX_TEST_REQUIRE): there, a missing binary is a broken setup, not a reason to skip.
const required = Boolean(process.env.CI) || (process.env.CALYX_TEST_REQUIRE ?? '').split(',').includes('prometheus');
if (absent && required) throw new Error(`the Prometheus tests are required here: ${absent}`);
if (absent) console.log(`skipping the real-Prometheus service check tests: ${absent}`);

/**
 * Queries over Prometheus' own metrics, each naming a variable: {{job}} (declared), {{service}},
 * {{canary}}, {{stable}}, {{window}}. `instance!="…"` matches its one series whatever the value:
 * the rendered text shows what was put in.
 */
const goodDefinition = (address: string, timing: Record<string, string> = {}) =>
	JSON.stringify({
		name: 'checkout',
		target: {kind: 'simulated'},
		metrics: {
			source: 'prometheus',
			prometheus: {address, timeout: '3s'},
			window: '30s',
			...timing,
			variables: {job: 'prometheus'},
			checks: {
				errorRate: {query: 'sum(up{job="{{job}}", instance!="{{service}}"}) - 1'},
				cpu: {query: '100 * sum(rate(process_cpu_seconds_total{job="{{job}}"}[{{window}}]))'},
				tesDelta: {canary: 'sum(up{job="{{job}}", instance!="{{canary}}"}) * 99', stable: 'sum(up{job="{{job}}", instance!="{{stable}}"}) * 100'},
			},
			custom: [{name: 'heap', label: 'heap', query: 'sum(go_memstats_heap_alloc_bytes{job="{{job}}"}) / 1e6', direction: 'above', warning: 500, critical: 800, unit: 'MB'}],
		},
	});

const badDefinition = (address: string) =>
	JSON.stringify({
		name: 'checkout',
		target: {kind: 'simulated'},
		metrics: {source: 'prometheus', prometheus: {address}, checks: {errorRate: {query: 'sum(rate(up{job="{{service}}"}['}, memory: {query: '0/0'}}},
	});

describe.skipIf(absent !== undefined)('calyx service check, against a real Prometheus', () => {
	let dir: string;
	let prom: RunningPrometheus;
	let s: Box;
	let intentId: string;
	const file = (name: string, content: string) => {
		const path = join(s.root, name);
		writeFileSync(path, content);
		return path;
	};

	beforeAll(async () => {
		dir = await mkdtemp(join(tmpdir(), 'calyx-prom-check-'));
		prom = await startPrometheus({targets: [], self: true, dir});
		// The CPU query needs two scrapes in its window: asked once it answers, as a poll would be.
		await waitForSeries(prom.url, 'rate(process_cpu_seconds_total{job="prometheus"}[30s])', 20_000);
		s = sandbox();
		({intentId} = await signedLease(s));
		expect((await s.calyx(['service', 'apply', '-f', file('good.json', goodDefinition(prom.url)), '--reason', 'gate from Prometheus'])).code).toBe(0);
	}, 60_000);

	afterAll(async () => {
		await prom?.stop();
		if (dir) await rm(dir, {recursive: true, force: true});
	});

	it('asks every query of the definition in force once: the values, TES Δ with both readings, the rendered queries; exit 0', async () => {
		const before = snapshot(s.data);
		const run = await s.calyx(['service', 'check', 'checkout']);
		expect(run.stderr).toBe('');
		expect(run.code).toBe(0);
		const lines = run.stdout.split('\n');
		expect(lines[0]).toMatch(/^service checkout: definition in force [0-9a-f]{12}$/);
		expect(lines[1]).toMatch(new RegExp(`^source: +Prometheus 2\\.\\S+ at ${prom.url.replace(/\./g, '\\.')}$`));
		// No flags, no live deployment: the versions are the latest intent's.
		expect(lines[2]).toBe(`versions: canary 1.5.0, stable 1.4.0 (from the latest intent ${intentId}); window 30s`);
		expect(run.stdout).toMatch(/\n {2}TES +Δ -1% \(canary 99, stable 100\)\n/);
		expect(run.stdout).toContain('    canary: sum(up{job="prometheus", instance!="1.5.0"}) * 99  → 99');
		expect(run.stdout).toContain('    stable: sum(up{job="prometheus", instance!="1.4.0"}) * 100  → 100');
		expect(run.stdout).toMatch(/\n {2}error rate +0%\n {4}query: {2}sum\(up\{job="prometheus", instance!="checkout"\}\) - 1\n/);
		expect(run.stdout).toMatch(/\n {2}CPU +[\d.]+(e-\d+)?%\n {4}query: {2}100 \* sum\(rate\(process_cpu_seconds_total\{job="prometheus"\}\[30s\]\)\)\n/);
		expect(run.stdout).toMatch(/\n {2}heap +[\d.]+MB\n/);
		expect(lines.at(-2)).toBe('4 of 4 answered a value');
		// A dry run: nothing recorded, nothing audited.
		expect(snapshot(s.data)).toEqual(before);
	});

	it('--json: one document with each metric\'s queries and answer; the flags name the versions', async () => {
		const run = await s.json<Doc>(['service', 'check', 'checkout', '--canary', '2.0.0-rc.1', '--stable', '1.9.0']);
		expect(run.code).toBe(0);
		const doc = run.doc;
		expect(doc).toMatchObject({ok: true, service: 'checkout', definition: {kind: 'in force'}, versions: {canary: '2.0.0-rc.1', stable: '1.9.0'}, answered: 4, noData: 0, failed: 0, window: '30s'});
		expect(doc.versions.from).toBeUndefined();
		expect(doc.prometheus).toMatchObject({ok: true, detail: expect.stringContaining(prom.url)});
		const by = Object.fromEntries(doc.metrics.map((m: Doc) => [m.metric, m]));
		expect(Object.keys(by)).toEqual(['tesDelta', 'errorRate', 'cpu', 'heap']);
		expect(by.tesDelta).toMatchObject({
			canary: 'sum(up{job="prometheus", instance!="2.0.0-rc.1"}) * 99',
			stable: 'sum(up{job="prometheus", instance!="1.9.0"}) * 100',
			answer: {ok: true, value: -1},
			sides: {canary: {ok: true, value: 99}, stable: {ok: true, value: 100}},
		});
		expect(by.errorRate).toMatchObject({query: 'sum(up{job="prometheus", instance!="checkout"}) - 1', answer: {ok: true, value: 0}, unit: '%', custom: false});
		expect(by.heap).toMatchObject({label: 'heap', unit: 'MB', custom: true, answer: {ok: true, value: expect.any(Number)}});
		expect(by.heap.answer.value).toBeGreaterThan(0);
		expect(by.cpu.answer).toMatchObject({ok: true});
	});

	it('a file before it is applied: bad PromQL in Prometheus\' own words, 0/0 as no data; exit 1, nothing written', async () => {
		const path = file('bad.json', badDefinition(prom.url));
		const before = snapshot(s.data);
		const run = await s.calyx(['service', 'check', '-f', path]);
		expect(run.code).toBe(1);
		expect(run.stdout).toMatch(new RegExp(`^service checkout: ${path.replace(/[.]/g, '\\.')} \\(not applied; digest [0-9a-f]{12}\\)\n`));
		expect(run.stdout).toMatch(/\n {2}error rate +ERROR: bad_data: .*parse error.*\(HTTP 400 Bad Request\)\n {4}query: {2}sum\(rate\(up\{job="checkout"\}\[\n/);
		expect(run.stdout).toMatch(/\n {2}memory +NO DATA: NaN \(0\/0: no traffic in the window\?\)\n {4}query: {2}0\/0\n/);
		expect(run.stdout).toContain('0 of 2 answered a value; 1 without data; 1 failed\n1 of 2 had no data (memory): expected before the canary takes traffic');
		const json = await s.json<Doc>(['service', 'check', '-f', path]);
		expect(json.code).toBe(1);
		expect(json.doc).toMatchObject({ok: false, definition: {kind: 'file', file: path}, answered: 0, noData: 1, failed: 1});
		expect(json.doc.metrics.map((m: Doc) => [m.metric, m.answer.kind])).toEqual([['errorRate', 'error'], ['memory', 'no_data']]);
		expect(json.doc.metrics[0].answer.message).toMatch(/^bad_data: .*parse error/);
		// Only what the file names runs: the definition in force is unchanged, nothing was registered.
		expect(snapshot(s.data)).toEqual(before);
		expect((await s.json<Doc>(['service', 'list'])).doc.services).toHaveLength(1);
	});

	it('no data alone is no failure (a canary without traffic yet): exit 0, NO DATA printed; --strict exits 1', async () => {
		const definition = JSON.parse(badDefinition(prom.url));
		definition.metrics.checks.errorRate.query = 'sum(up{job="prometheus"}) - 1';
		const path = file('nodata.json', JSON.stringify(definition));
		const run = await s.calyx(['service', 'check', '-f', path]);
		expect(run.code).toBe(0);
		expect(run.stdout).toMatch(/\n {2}memory +NO DATA: NaN \(0\/0: no traffic in the window\?\)\n/);
		expect(run.stdout).toContain('1 of 2 answered a value; 1 without data\n1 of 2 had no data (memory): expected before the canary takes traffic; during a canary no data holds the gate; not a failure here (--strict makes it one)\n');
		expect((await s.calyx(['service', 'check', '-f', path, '--strict'])).code).toBe(1);
	});

	/** A sandbox whose definition in force reads this Prometheus, and a signed lease issued after it. */
	async function leaseOn(content: string, to: string) {
		const t = sandbox();
		await signedLease(t);
		const path = join(t.root, `${to}.json`);
		writeFileSync(path, content);
		expect((await t.calyx(['service', 'apply', '-f', path, '--reason', 'gate from Prometheus'])).code).toBe(0);
		const intent = (await t.json<Doc>(['intent', 'create', '--service', 'checkout', '--from', '1.4.0', '--to', to, '--key', 'ci-bot'])).doc;
		expect((await t.calyx(['intent', 'approve', intent.id, '--key', 'alice'])).code).toBe(0);
		const id = (await t.json<Doc>(['lease', 'issue', intent.id, '--bake', '15m', '--min-samples', '1'])).doc.id as string;
		expect((await t.calyx(['lease', 'sign', id, '--key', 'alice'])).code).toBe(0);
		expect((await t.json<Doc>(['lease', 'sign', id], {env: {CALYX_KEY: 'ci-bot'}})).doc.activated).toBe(true);
		// The start probes this Prometheus (the pre-check of a prometheus source), then the canary runs.
		const started = await t.calyx(['canary', 'start', id]);
		expect(started.code).toBe(0);
		return {t, dep: started.stdout.split('\n')[0]!};
	}

	it('the live deployment\'s versions come before a later intent\'s', async () => {
		const {t, dep} = await leaseOn(goodDefinition(prom.url), '1.6.0');
		await t.json<Doc>(['intent', 'create', '--service', 'checkout', '--from', '1.4.0', '--to', '1.7.0', '--key', 'ci-bot']);
		const run = await t.json<Doc>(['service', 'check', 'checkout']);
		expect(run.code).toBe(0);
		expect(run.doc.versions).toEqual({canary: '1.6.0', stable: '1.4.0', from: `the live deployment ${dep}`});
		// A flag names one version; the other still comes from the deployment.
		const mixed = await t.json<Doc>(['service', 'check', 'checkout', '--stable', '1.3.9']);
		expect(mixed.doc.versions).toEqual({canary: '1.6.0', stable: '1.3.9', from: `the live deployment ${dep}`});
	});

	it('canary status: per metric its source, level (NO DATA), judged value, last reading\'s age and the explanation', async () => {
		// Polled a second after the target confirms the tier, every second; memory asks 0/0.
		const definition = JSON.parse(goodDefinition(prom.url, {initialDelay: '1s', interval: '1s'}));
		definition.metrics.checks.memory = {query: '0/0'};
		delete definition.metrics.checks.cpu;
		const {t, dep} = await leaseOn(JSON.stringify(definition), '1.6.0');
		// One engine cycle at a time, until every metric was polled: no sleep, a deadline.
		const deadline = Date.now() + 30_000;
		const polled = async () => ((await t.json<Doc>(['canary', 'status', dep])).doc.gate?.metrics ?? []).filter((m: Doc) => m.feed?.polledAt).length;
		while ((await polled()) < 4 && Date.now() < deadline) expect((await t.calyx(['engine', '--once'])).code).toBe(0);
		expect(await polled()).toBe(4);
		const status = await t.json<Doc>(['canary', 'status', dep]);
		const by = Object.fromEntries(status.doc.gate.metrics.map((m: Doc) => [m.metric, m]));
		expect(by.memory).toMatchObject({level: 'no_data', feed: {source: 'prometheus', missing: {kind: 'no_data', query: '0/0'}}});
		expect(by.heap).toMatchObject({level: 'ok', spec: {label: 'heap', unit: 'MB', custom: true}, judged: {value: expect.any(Number)}});
		const text = (await t.calyx(['canary', 'status', dep])).stdout;
		const rows = text.split('\n');
		const header = rows.findIndex(l => /^ {2}METRIC +SOURCE +LEVEL +JUDGED +LAST READING +SAMPLES +WHY$/.test(l));
		expect(header).toBeGreaterThan(0);
		const row = (label: string) => rows.slice(header + 1, header + 5).find(l => l.startsWith(`  ${label} `)) ?? '';
		expect(row('TES')).toMatch(/^ {2}TES +Prometheus +ok +-1% +\d+s ago \(canary 99 \/ stable 100\) +1 \(1 needed\) +ok: TES -1%/);
		expect(row('error rate')).toMatch(/^ {2}error rate +Prometheus +ok +0% +\d+s ago +1 \(1 needed\) +ok: error rate 0%/);
		// A custom metric: its own label and unit, its own bands (no entry among the four).
		expect(row('heap')).toMatch(/^ {2}heap +Prometheus +ok +[\d.]+MB +\d+s ago +1 \(1 needed\) +ok: heap [\d.]+MB \(warning > 500MB, critical > 800MB\)/);
		expect(row('memory')).toMatch(/^ {2}memory +Prometheus +NO DATA +- +- +0 \(1 needed\) +no data from memory since \d\d:\d\d:\d\d UTC: NaN \(0\/0: no traffic in the window\?\) — 0\/0$/);
		expect(text).toMatch(/\ngate: +HOLD: gate holding: no data from memory since/);
	});
});
