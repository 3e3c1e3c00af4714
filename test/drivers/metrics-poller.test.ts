import {describe, expect, it} from 'vitest';
import {EngineError, type Command, type QueryAnswer} from '../../src/core/index.js';
import {MetricsPoller} from '../../src/drivers/metrics/poller.js';
import type {Query} from '../../src/drivers/metrics/poll.js';
import type {Store} from '../../src/store/api.js';
import {promCanary, WARM_UP} from '../core/prometheus-fixture.js';
import type {Fixture} from '../core/helpers.js';

/** A Prometheus whose answers the test releases: each query waits until `release()`. */
function gated(answer: QueryAnswer = {ok: true, value: 1}) {
	let open!: () => void;
	const opened = new Promise<void>(resolve => (open = resolve));
	const asked: string[] = [];
	const query: Query = async (_settings, q) => {
		asked.push(q);
		await opened;
		return answer;
	};
	return {query, asked, release: () => open()};
}

/** The store as the poller uses it: the fixture's trust, and commands run against the fixture's state. */
function storeOf(f: Fixture, refuse?: EngineError) {
	const committed: Command[] = [];
	const store = {
		trust: f.trust,
		run: async (cmd: Command) => {
			if (refuse) throw refuse;
			committed.push(cmd);
			return f.run(cmd);
		},
	} as unknown as Store;
	return {store, committed};
}

process.env.CALYX_TEST_PROM_TOKEN = 'Bearer t0ken-for-tests';

describe('the leading engine\'s poller: a slow Prometheus never holds up the tick', () => {
	it('a poll still out after the wait is committed alone when it answers; its deployment is not asked twice meanwhile', async () => {
		const {f, id} = promCanary();
		f.wait(WARM_UP);
		const {store, committed} = storeOf(f);
		const slow = gated();
		const poller = new MetricsPoller(store, {clock: f.clock, waitMs: 20, query: slow.query});
		expect(await poller.due(f.state)).toEqual([]);
		expect(poller.inflight).toEqual([id]);
		const asked = slow.asked.length;
		expect(asked).toBeGreaterThan(0);
		f.wait(60_000);
		expect(await poller.due(f.state)).toEqual([]);
		expect(slow.asked).toHaveLength(asked);
		slow.release();
		await poller.drain();
		expect(committed).toMatchObject([{type: 'metrics.record', id, source: 'prometheus'}]);
		expect(poller.inflight).toEqual([]);
		expect(f.dep(id).feeds!.cpu!.at).toBeDefined();
	});

	it('answers within the wait come back for the cycle\'s own commit, none alone', async () => {
		const {f, id} = promCanary();
		f.wait(WARM_UP);
		const {store, committed} = storeOf(f);
		const quick = gated();
		quick.release();
		const poller = new MetricsPoller(store, {clock: f.clock, waitMs: 5_000, query: quick.query});
		expect(await poller.due(f.state)).toMatchObject([{type: 'metrics.record', id}]);
		await poller.drain();
		expect(committed).toEqual([]);
	});

	it('a late answer for a deployment that moved on is dropped; any other failure is reported', async () => {
		const {f} = promCanary();
		f.wait(WARM_UP);
		const errors: unknown[] = [];
		for (const [refusal, reported] of [[new EngineError('refused', 'NOT_ACTIVE', 'halted meanwhile'), 0], [new EngineError('invalid', 'INVALID_SAMPLE', 'broken'), 1]] as const) {
			errors.length = 0;
			const slow = gated();
			const poller = new MetricsPoller(storeOf(f, refusal).store, {clock: f.clock, waitMs: 1, query: slow.query, onError: e => errors.push(e)});
			await poller.due(f.state);
			slow.release();
			await poller.drain();
			expect(errors).toHaveLength(reported);
		}
	});
});
