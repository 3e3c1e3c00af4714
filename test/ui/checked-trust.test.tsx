import {cleanup} from 'ink-testing-library';
import {afterEach, describe, expect, it} from 'vitest';
import {ManualClock, type Trust} from '../../src/core/index.js';
import {FakeStore} from './helpers/fake-store.js';
import {waitFor} from './helpers/ink.js';
import {fixture, mount} from './helpers/mount.js';

afterEach(() => cleanup());

describe('the trust the console decides its checks with', () => {
	it('is asked of the store when the trail, the configuration or the registries change, never per sample', async () => {
		const store = new FakeStore(fixture(), new ManualClock(fixture().clock.now()));
		const asked: Trust[] = [];
		Object.assign(store, {checkedTrust: async () => (asked.push(store.trust), store.trust)});
		// As a data directory's store reads: the registries' arrays afresh, each unchanged record the same object.
		const read = store.read.bind(store);
		store.read = async () => {
			const state = await read();
			return {...state, keys: [...state.keys], ...(state.services ? {services: [...state.services]} : {})};
		};
		const m = await mount({store});
		await waitFor(() => asked.length === 1, () => 'the first ask');
		// Samples change the state every second: the trust is not asked again for them.
		for (let i = 0; i < 5; i++) {
			const reads = store.reads;
			m.clock.advance(1000);
			store.report({type: 'metrics.record', actor: 'agent:test', id: m.fx.dep.running, sample: {tesDelta: 0.4, errorRate: 0.2, cpu: 55, memory: 60}});
			await waitFor(() => store.reads > reads, () => `the console to read sample ${i + 1}`);
		}
		expect(asked).toHaveLength(1);
		// A configuration changed is asked about at once.
		store.report({type: 'config.set', actor: 'human:alice', config: {...store.state.config, maxResourceLoad: 80}});
		await waitFor(() => asked.length === 2, () => `a second ask (asked ${asked.length} times)`);
	});
});
