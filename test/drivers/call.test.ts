import {describe, expect, it} from 'vitest';
import {callDriver, DEFAULT_POLICY, worstCaseMs, type CallResult, type Timers} from '../../src/drivers/call.js';
import {DriverError} from '../../src/drivers/targets/driver.js';

/** Timers that fire only when the test advances time: no sleeping, no flakiness. */
class ManualTimers implements Timers {
	now = 0;
	#next = 0;
	#pending: Array<{id: number; at: number; fn: () => void}> = [];
	setTimeout(fn: () => void, ms: number): unknown {
		const id = ++this.#next;
		this.#pending.push({id, at: this.now + ms, fn});
		return id;
	}
	clearTimeout(handle: unknown): void {
		this.#pending = this.#pending.filter(t => t.id !== handle);
	}
	/** Moves time forward, firing due timers in order and letting promise callbacks run after each. */
	async advance(ms: number): Promise<void> {
		const target = this.now + ms;
		for (;;) {
			await flush();
			const due = this.#pending.filter(t => t.at <= target).sort((a, b) => a.at - b.at)[0];
			if (!due) break;
			this.clearTimeout(due.id);
			this.now = due.at;
			due.fn();
		}
		this.now = target;
		await flush();
	}
}

const flush = () => new Promise<void>(resolve => setImmediate(resolve));

function track<T>(promise: Promise<CallResult<T>>) {
	const box: {result?: CallResult<T>} = {};
	void promise.then(r => (box.result = r));
	return box;
}

const policy = {timeoutMs: 1000, retries: 2, backoffMs: 200, maxBackoffMs: 300};

describe('callDriver', () => {
	it('returns the value and one attempt when the call answers', async () => {
		const timers = new ManualTimers();
		const result = await callDriver('t', async () => 42, policy, {timers, now: () => timers.now});
		expect(result).toMatchObject({ok: true, value: 42, attempts: [{n: 1}]});
	});

	it('fails with a timeout when the call never answers, even if it ignores its signal', async () => {
		const timers = new ManualTimers();
		let seen: AbortSignal | undefined;
		const box = track(
			callDriver(
				'haproxy read app',
				signal => {
					seen = signal;
					return new Promise<never>(() => undefined);
				},
				{...policy, retries: 0},
				{timers, now: () => timers.now},
			),
		);
		await timers.advance(999);
		expect(box.result).toBeUndefined();
		await timers.advance(1);
		expect(box.result).toMatchObject({ok: false, attempts: [{n: 1, ms: 1000, error: {code: 'timeout'}}]});
		expect(box.result!.ok || box.result!.error.message).toBe('haproxy read app: no answer within 1000 ms');
		// The driver is told to stop, with the same reason.
		expect(seen?.aborted).toBe(true);
		expect((seen?.reason as DriverError).code).toBe('timeout');
	});

	it('retries a retryable failure after a doubling, capped backoff, then succeeds', async () => {
		const timers = new ManualTimers();
		const starts: number[] = [];
		const box = track(
			callDriver(
				't',
				async () => {
					starts.push(timers.now);
					if (starts.length < 3) throw new DriverError('unreachable', 'no socket');
					return 'ok';
				},
				policy,
				{timers, now: () => timers.now, random: () => 1},
			),
		);
		await timers.advance(10_000);
		expect(box.result).toMatchObject({ok: true, value: 'ok'});
		expect(starts).toEqual([0, 200, 500]); // 200, then 400 capped at 300
		expect(box.result!.attempts.map(a => a.error?.code)).toEqual(['unreachable', 'unreachable', undefined]);
	});

	it('gives up after the last attempt, saying how many there were', async () => {
		const timers = new ManualTimers();
		const box = track(callDriver('t', () => Promise.reject(new DriverError('unreachable', 'no socket')), policy, {timers, now: () => timers.now, random: () => 0}));
		await timers.advance(10_000);
		expect(box.result).toMatchObject({ok: false, attempts: [{n: 1}, {n: 2}, {n: 3}]});
		expect(box.result!.ok || box.result!.error.message).toBe('no socket (attempt 3 of 3)');
	});

	it('does not retry what retrying cannot fix', async () => {
		const timers = new ManualTimers();
		let calls = 0;
		const result = await callDriver(
			't',
			async () => {
				calls++;
				throw new DriverError('rejected', 'No such server.');
			},
			policy,
			{timers},
		);
		expect(calls).toBe(1);
		expect(result).toMatchObject({ok: false, error: {code: 'rejected', message: 'No such server.'}});
	});

	it('an unexpected exception becomes a failure with its message', async () => {
		const result = await callDriver('t', () => Promise.reject(new TypeError('boom')), {...policy, retries: 0});
		expect(result).toMatchObject({ok: false, error: {code: 'protocol', message: 'boom'}});
	});

	it("stops at once, without retrying, when the caller's signal aborts during a backoff", async () => {
		const timers = new ManualTimers();
		const caller = new AbortController();
		let calls = 0;
		const box = track(
			callDriver(
				't',
				async () => {
					calls++;
					throw new DriverError('unreachable', 'no socket');
				},
				policy,
				{timers, signal: caller.signal, random: () => 1},
			),
		);
		await timers.advance(100);
		caller.abort();
		await flush();
		expect(box.result).toMatchObject({ok: false, error: {code: 'aborted'}});
		expect(calls).toBe(1);
	});

	it('bounds the worst case of the default policy below 20 s', () => {
		expect(worstCaseMs(DEFAULT_POLICY)).toBe(5000 * 3 + 200 + 400);
		expect(worstCaseMs(policy)).toBe(3000 + 200 + 300);
	});
});
