import {describe, expect, it} from 'vitest';
import type {KeyContext} from '../../src/ui/model/console-state.js';
import {KeyContextRef} from '../../src/ui/model/key-context-ref.js';

const base = {table: [], rows: [], listHeight: {deployments: 0, leases: 0, audit: 0, intents: 0}, detailMax: 0, eventMax: 0, helpMax: 0, availability: {}, confirmable: {}, reviewed: () => undefined} as unknown as KeyContext;

describe('what the keys act on, deferred', () => {
	it('works out a deferred update only when read, once, the last one deferred over the context as it is then', () => {
		const ref = new KeyContextRef(base);
		let worked = 0;
		ref.defer(() => (worked++, {detailMax: 1}));
		ref.defer(() => (worked++, {detailMax: 2}));
		expect(worked).toBe(0);
		expect(ref.current.detailMax).toBe(2);
		expect(ref.current.eventMax).toBe(0);
		expect(worked).toBe(1);
		void ref.current;
		expect(worked).toBe(1);
	});

	it('drops what was deferred when a render sets the context (it drew a newer state)', () => {
		const ref = new KeyContextRef(base);
		ref.defer(() => ({detailMax: 7}));
		ref.current = {...base, helpMax: 3};
		expect(ref.current.detailMax).toBe(0);
		expect(ref.current.helpMax).toBe(3);
	});
});
