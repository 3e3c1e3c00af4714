import {cleanup} from 'ink-testing-library';
import {afterEach, describe, expect, it} from 'vitest';
import {newlyCalling} from '../../src/ui/model/bell.js';
import {frameOf, waitFor, waitForFrame} from './helpers/ink.js';
import {mount} from './helpers/mount.js';

afterEach(() => cleanup());

describe('the bell', () => {
	it('is for a change into a status that calls for a person, once', () => {
		const before = new Map([
			['DEP-1', 'running'],
			['DEP-2', 'halted'],
			['DEP-3', 'holding'],
		]);
		const now = [
			{id: 'DEP-1', status: 'halted' as const},
			{id: 'DEP-2', status: 'halted' as const},
			{id: 'DEP-3', status: 'awaiting_cosign' as const},
			{id: 'DEP-4', status: 'running' as const},
		];
		expect(newlyCalling(before, now)).toEqual(['DEP-1', 'DEP-3']);
		expect(newlyCalling(new Map(now.map(d => [d.id, d.status])), now)).toEqual([]);
	});

	it('rings once per deployment halted by another process, never for what was so at the start, nor for a resume', async () => {
		let rings = 0;
		const {r, store, fx} = await mount({props: {ring: () => rings++}});
		// The fixture already holds a halted deployment: that is not news.
		expect(rings).toBe(0);
		store.external({type: 'canary.halt', actor: 'human:bob', id: fx.dep.running, reason: 'pager'});
		await waitForFrame(r, f => (f.split('\n').find(l => l.includes(fx.dep.running)) ?? '').includes('halted'));
		await waitFor(() => rings === 1, () => `one ring, rang ${rings}`);
		// Each new halt rings once; later changes that leave the first one halted ring nothing for it.
		store.external({type: 'canary.halt', actor: 'human:bob', id: fx.dep.holding, reason: 'pager too'});
		await waitForFrame(r, f => (f.split('\n').find(l => l.includes(fx.dep.holding)) ?? '').includes('halted'));
		await waitFor(() => rings === 2, () => `two rings, rang ${rings}`);
		store.external({type: 'canary.resume', actor: 'human:bob', id: fx.dep.holding, reason: 'fine'});
		await waitForFrame(r, f => !(f.split('\n').find(l => l.includes(fx.dep.holding)) ?? '').includes('halted'));
		expect(rings).toBe(2);
		expect(frameOf(r)).toContain(fx.dep.running);
	});
});
