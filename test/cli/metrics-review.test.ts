/**
 * A definition's metrics as a reviewer reads them: `service show`, `lease show`/`verify`/`list`,
 * `trust sign`, `audit list`, in text and JSON. Per metric its label, queries, bands with direction
 * and unit (the lease's plan for the four, the definition's own for a custom metric), failure limit
 * and no-data policy, and the source's address and cadence. A header value written in the
 * definition is never printed (its name is, the value "[not shown]"); a reference to where the
 * engine finds a secret ({env}, {file}) is not one, and is printed as it is.
 */
import {writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {describe, expect, it} from 'vitest';
import {addKeys, sandbox} from './helpers.js';

type Doc = Record<string, any>;
type Box = ReturnType<typeof sandbox>;

/** A header value that must never show: the tests look for it in everything printed. */
const SECRET = 'tenant-7f3a9c-secret';

const definition = {
	name: 'checkout',
	target: {kind: 'simulated'},
	metrics: {
		source: 'prometheus',
		// Nothing listens there: nothing here asks Prometheus.
		prometheus: {address: 'http://127.0.0.1:9', headers: {Authorization: {env: 'PROM_TOKEN'}, 'X-Scope-OrgID': SECRET}, timeout: '3s'},
		interval: '5s',
		window: '30s',
		scrapeInterval: '10s',
		variables: {job: 'api'},
		checks: {
			errorRate: {query: 'sum(rate(http_errors{job="{{job}}"}[{{window}}]))', failureLimit: 2},
			tesDelta: {canary: 'sum(ok{v="{{canary}}"})', stable: 'sum(ok{v="{{stable}}"})', noData: 'fail'},
		},
		custom: [{name: 'heap', label: 'heap used', query: 'sum(heap_bytes{job="{{job}}"}) / 1e6', direction: 'above', warning: 500, critical: 800, unit: 'MB', interval: '30s'}],
	},
};

async function applied(): Promise<Box> {
	const s = sandbox();
	expect((await s.calyx(['init'])).code).toBe(0);
	const file = join(s.root, 'checkout.json');
	writeFileSync(file, JSON.stringify(definition));
	expect((await s.calyx(['service', 'apply', '-f', file, '--reason', 'gate from Prometheus'])).code).toBe(0);
	return s;
}

/** Everything a command printed, for the secret: stdout and stderr. */
const printed = (run: {stdout: string; stderr: string}) => `${run.stdout}\n${run.stderr}`;

describe('a definition\'s metrics, per metric, header values hidden', () => {
	it('service show: the source, its cadence and each metric; the four\'s bands left to the lease\'s plan', async () => {
		const s = await applied();
		const run = await s.calyx(['service', 'show', 'checkout']);
		expect(run.code).toBe(0);
		expect(printed(run)).not.toContain(SECRET);
		const text = run.stdout;
		expect(text).toContain(
			[
				'metrics:  from Prometheus at http://127.0.0.1:9',
				'          headers: Authorization: {"env":"PROM_TOKEN"}, X-Scope-OrgID: [not shown]',
				'          polled every 5s, window 30s, warm-up 50s (window + 2 scrapes of 10s) after each tier, query timeout 3s, 4 query errors in a row halt',
				'          variables: job=api',
				'          - TES: bands from the lease\'s plan (lower is worse, in %); failure limit 1, no data counts as a critical reading',
				'              canary: sum(ok{v="{{canary}}"})',
				'              stable: sum(ok{v="{{stable}}"})',
				'          - error rate: bands from the lease\'s plan (higher is worse, in %); failure limit 2, no data holds the gate',
				'              query:  sum(rate(http_errors{job="{{job}}"}[{{window}}]))',
				'          - heap used (custom: heap): warning > 500MB, critical > 800MB (its own); failure limit 1, no data holds the gate, polled every 30s',
				'              query:  sum(heap_bytes{job="{{job}}"}) / 1e6',
				'digest:   ',
			].join('\n'),
		);
		// The signed document, as it is, but for the header's value.
		expect(text).toContain('"X-Scope-OrgID": "[not shown]"');
	});

	it('service show --json: the metrics as data, the definition without the header value; service list and audit list the same', async () => {
		const s = await applied();
		const run = await s.json<Doc>(['service', 'show', 'checkout']);
		expect(printed(run)).not.toContain(SECRET);
		const {metrics} = run.doc;
		expect(metrics).toMatchObject({
			source: 'prometheus',
			prometheus: {address: 'http://127.0.0.1:9', headers: {Authorization: {env: 'PROM_TOKEN'}, 'X-Scope-OrgID': '[not shown]'}, timeoutMs: 3000},
			intervalMs: 5000,
			window: '30s',
			warmUpMs: 50_000,
			warmUpDefault: true,
			errorLimit: 4,
			variables: {job: 'api'},
		});
		expect(metrics.metrics).toEqual([
			{key: 'tesDelta', label: 'TES', custom: false, source: 'prometheus', queries: {canary: 'sum(ok{v="{{canary}}"})', stable: 'sum(ok{v="{{stable}}"})'}, direction: 'below', unit: '%', bandsFrom: 'lease plan', failureLimit: 1, noData: 'fail', intervalMs: 5000},
			expect.objectContaining({key: 'errorRate', direction: 'above', failureLimit: 2, noData: 'hold'}),
			expect.objectContaining({key: 'heap', label: 'heap used', custom: true, bands: {warning: 500, critical: 800}, bandsFrom: 'definition', unit: 'MB', intervalMs: 30_000}),
		]);
		expect(metrics.metrics[1].bands).toBeUndefined();
		expect(run.doc.definition.metrics.prometheus.headers).toEqual({Authorization: {env: 'PROM_TOKEN'}, 'X-Scope-OrgID': '[not shown]'});
		for (const args of [['service', 'list'], ['audit', 'list']]) {
			const other = await s.json<Doc>(args);
			expect(other.code).toBe(0);
			expect(printed(other)).not.toContain(SECRET);
			expect(other.stdout).toContain('[not shown]');
		}
	});

	it('trust sign: the admin reads the metrics per metric, without the header value', async () => {
		const s = await applied();
		const request = join(s.root, 'req.json');
		const file = join(s.root, 'next.json');
		writeFileSync(file, JSON.stringify({...definition, metrics: {...definition.metrics, window: '1m'}}));
		expect((await s.calyx(['service', 'apply', '-f', file, '--reason', 'a longer window', '--request-out', request])).code).toBe(0);
		const signed = await s.calyx(['trust', 'sign', request, '--admin-key', 'demo-admin']);
		expect(signed.code).toBe(0);
		expect(printed(signed)).not.toContain(SECRET);
		expect(signed.stdout).toContain('  metrics:  from Prometheus at http://127.0.0.1:9\n            headers: Authorization: {"env":"PROM_TOKEN"}, X-Scope-OrgID: [not shown]\n');
		expect(signed.stdout).toContain('polled every 5s, window 1m, warm-up 1m 20s (window + 2 scrapes of 10s)');
	});

	it('lease show, verify and list: the four judged by the lease\'s plan\'s bands, no header value in text or JSON', async () => {
		const s = await applied();
		await addKeys(s);
		const intent = (await s.json<Doc>(['intent', 'create', '--service', 'checkout', '--from', '1.4.0', '--to', '1.5.0', '--key', 'ci-bot'])).doc;
		expect((await s.calyx(['intent', 'approve', intent.id, '--key', 'alice'])).code).toBe(0);
		const lease = (await s.json<Doc>(['lease', 'issue', intent.id])).doc.id as string;
		const json = await s.json<Doc>(['lease', 'show', lease]);
		expect(printed(json)).not.toContain(SECRET);
		const {tesDelta, errorRate} = json.doc.plan.thresholds;
		expect(json.doc.service.metrics.metrics.slice(0, 2)).toEqual([
			expect.objectContaining({key: 'tesDelta', bands: tesDelta, bandsFrom: 'lease plan'}),
			expect.objectContaining({key: 'errorRate', bands: errorRate, bandsFrom: 'lease plan'}),
		]);
		expect(json.doc.service.metrics.prometheus.headers).toEqual({Authorization: {env: 'PROM_TOKEN'}, 'X-Scope-OrgID': '[not shown]'});
		const show = await s.calyx(['lease', 'show', lease]);
		expect(printed(show)).not.toContain(SECRET);
		expect(show.stdout).toContain(`          - TES: warning < ${tesDelta.warning}%, critical < ${tesDelta.critical}% (the lease's plan); failure limit 1, no data counts as a critical reading\n`);
		expect(show.stdout).toContain(`          - error rate: warning > ${errorRate.warning}%, critical > ${errorRate.critical}% (the lease's plan); failure limit 2, no data holds the gate\n`);
		expect(show.stdout).toContain('          headers: Authorization: {"env":"PROM_TOKEN"}, X-Scope-OrgID: [not shown]\n');
		const verify = await s.calyx(['lease', 'verify', lease]);
		expect(verify.code).toBe(1);
		expect(printed(verify)).not.toContain(SECRET);
		expect(verify.stdout).toContain('X-Scope-OrgID: [not shown]');
		const list = await s.json<Doc>(['lease', 'list']);
		expect(printed(list)).not.toContain(SECRET);
		expect(list.doc.leases[0].service.metrics.prometheus.headers['X-Scope-OrgID']).toBe('[not shown]');
	});
});
