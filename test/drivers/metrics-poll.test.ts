import {describe, expect, it} from 'vitest';
import type {QueryAnswer} from '../../src/core/index.js';
import {pollCommands, type Query} from '../../src/drivers/metrics/poll.js';
import type {PrometheusSettings} from '../../src/drivers/metrics/prometheus.js';
import {promCanary, WARM_UP} from '../core/prometheus-fixture.js';

/** A Prometheus stand-in that records what it was asked and answers from a table by query. */
function recorder(table: Record<string, QueryAnswer>) {
	const calls: Array<{settings: PrometheusSettings; query: string}> = [];
	const query: Query = async (settings, q) => {
		calls.push({settings, query: q});
		return table[q] ?? {ok: false, kind: 'no_data', message: 'empty result (no series matched)'};
	};
	return {calls, query};
}

const TABLE: Record<string, QueryAnswer> = {
	'sr{v="1.5.0"}': {ok: true, value: 98},
	'sr{v="1.4.0"}': {ok: true, value: 99},
	'rate(err{job="shop",v="1.5.0"}[30s])': {ok: true, value: 0.4},
	'cpu{v="1.5.0"}': {ok: true, value: 55},
};

describe('the engine\'s polls of Prometheus', () => {
	it('asks nothing before the warm-up; then each query once, with the definition\'s address, headers and timeout', async () => {
		const {f, id} = promCanary();
		const early = recorder(TABLE);
		expect(await pollCommands(f.state, f.trust, {clock: f.clock, query: early.query})).toEqual([]);
		expect(early.calls).toEqual([]);
		f.wait(WARM_UP);
		const {calls, query} = recorder(TABLE);
		process.env.CALYX_TEST_PROM_TOKEN = 'Bearer s3cret-token';
		const [cmd] = await pollCommands(f.state, f.trust, {clock: f.clock, query}).finally(() => delete process.env.CALYX_TEST_PROM_TOKEN);
		expect(calls.map(c => c.query).sort()).toEqual([...Object.keys(TABLE), 'p99{service="checkout"}'].sort());
		// The credential is read from the engine's environment when it asks, never from the definition.
		expect(calls[0]!.settings).toEqual({address: 'http://127.0.0.1:9090', headers: {Authorization: 'Bearer s3cret-token', 'X-Scope-OrgID': 'shop'}, timeoutMs: 5000});
		expect(cmd).toMatchObject({
			type: 'metrics.record',
			id,
			source: 'prometheus',
			polled: ['tesDelta', 'errorRate', 'cpu', 'p99'],
			sample: {errorRate: 0.4, cpu: 55, tes: {canary: 98, stable: 99}},
			missing: [{metric: 'p99', kind: 'no_data', message: 'empty result (no series matched)', query: 'p99{service="checkout"}'}],
		});
		f.run(cmd!);
		expect(f.dep(id).feeds!.p99!.missing!.kind).toBe('no_data');
	});

	it('an engine without the credential asks nothing: the gate holds saying why, and no error limit is spent (it halts nothing)', async () => {
		const {f, id} = promCanary();
		f.wait(WARM_UP);
		const {calls, query} = recorder(TABLE);
		for (let i = 0; i < 10; i++) {
			const [cmd] = await pollCommands(f.state, f.trust, {clock: f.clock, query});
			expect(cmd).toMatchObject({id, missing: expect.arrayContaining([expect.objectContaining({metric: 'cpu', kind: 'unasked', message: expect.stringMatching(/^not asked: header Authorization: the environment variable CALYX_TEST_PROM_TOKEN is not set in this process/)})])});
			f.run(cmd!);
			f.tick();
			f.wait(10_000);
		}
		expect(calls).toEqual([]);
		expect(f.dep(id).status).toBe('holding');
		expect(f.dep(id).hold!.reason).toMatch(/^no data from TES since .* UTC: not asked: header Authorization: the environment variable CALYX_TEST_PROM_TOKEN is not set/);
		// Said once per metric, when its streak began, not once per poll.
		expect(f.kinds(id).filter(k => k === 'metrics.unasked')).toHaveLength(4);
	});

	it('a definition edited into the document is not queried: every metric says why, and the error budget halts', async () => {
		const {f, id} = promCanary();
		f.wait(WARM_UP);
		const dep = f.state.deployments.find(d => d.id === id)!;
		const forged = {...dep, definition: {...dep.definition!, metrics: {...dep.definition!.metrics!, prometheus: {address: 'http://evil.example:9090'}}}};
		const state = {...f.state, deployments: [forged]};
		const {calls, query} = recorder(TABLE);
		const [cmd] = await pollCommands(state, f.trust, {clock: f.clock, query});
		expect(calls).toEqual([]);
		expect(cmd).toMatchObject({missing: expect.arrayContaining([expect.objectContaining({metric: 'cpu', kind: 'error', message: expect.stringContaining('is not the one lease')})])});
		expect(cmd).not.toHaveProperty('sample');
	});
});
