import {describe, expect, it} from 'vitest';
import type {Sink} from '../../src/core/index.js';
import type {CallResult} from '../../src/drivers/call.js';
import type {Notice} from '../../src/drivers/notify/notice.js';
import {DeliveryQueue, type Failure} from '../../src/drivers/notify/queue.js';
import {until} from '../store/helpers.js';

const sink: Sink = {kind: 'webhook', url: 'http://127.0.0.1:1/', events: ['halted'], minSeverity: 'info'};
const notice = (n: number): Notice => ({event: 'halted', severity: 'critical', key: `seq:${n}`, subject: 'DEP-20261125-001', at: '2026-11-25T10:00:00.000Z', seq: n, title: 't', why: 'w', act: []});

describe('the delivery queue', () => {
	it('keeps each sink\'s order, lets another sink past one that hangs, and records what does not fit', async () => {
		const order: string[] = [];
		let release!: () => void;
		const hung = new Promise<void>(resolve => (release = resolve));
		const send = async (name: string, _sink: Sink, n: Notice): Promise<CallResult<void>> => {
			if (name === 'slow') await hung;
			order.push(`${name}:${n.seq}`);
			return {ok: true, value: undefined, attempts: []};
		};
		const failures: Failure[] = [];
		const queue = new DeliveryQueue(send, async f => void failures.push(f), 2);
		for (const n of [1, 2, 3]) queue.push('slow', sink, notice(n));
		for (const n of [1, 2]) queue.push('fast', sink, notice(n));
		// The slow sink holds two; the third is recorded at once, not queued behind them.
		expect(failures.map(f => [f.sink, f.notice.seq, f.attempts])).toEqual([['slow', 3, 0]]);
		expect(failures[0]!.error).toBe('2 deliveries already wait for this sink: not queued');
		await until(() => order.length === 2, 'the fast sink\'s deliveries');
		expect(order).toEqual(['fast:1', 'fast:2']);
		release();
		await queue.drain();
		expect(order).toEqual(['fast:1', 'fast:2', 'slow:1', 'slow:2']);
		expect(queue.counts).toEqual({delivered: 4, failed: 1, waiting: 0});
	});
});
