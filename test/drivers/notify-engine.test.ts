import {describe, expect, it} from 'vitest';
import {startEngineLoop} from '../../src/drivers/engine-loop.js';
import {NOTIFY_POLICY, startNotifier} from '../../src/drivers/notify/index.js';
import {initStore} from '../../src/store/index.js';
import {clockAt, seedCanary, tempDir, until} from '../store/helpers.js';
import {ClockTimers, deadAddress} from './notify-fixture.js';

/** A store with a live canary and one webhook sink, for halts, whose address answers nothing. */
async function withDeadSink() {
	const clock = clockAt();
	const {store} = await initStore(tempDir());
	const {deploymentId} = await seedCanary(store, clock);
	const config = (await store.read()).config;
	await store.run({type: 'config.set', actor: 'human:alice', config: {...config, notify: {sinks: {ops: {kind: 'webhook', url: await deadAddress(), events: ['halted'], minSeverity: 'info'}}, deadlineNearMs: 600_000}}}, {clock});
	return {clock, store, deploymentId};
}

describe('notifications beside a running engine', () => {
	it('a sink that is down leaves the engine ticking while its delivery retries, then is recorded as failed', async () => {
		const {clock, store, deploymentId} = await withDeadSink();
		// Retries wait on the test's clock; the engine runs on the wall clock, every 50 ms.
		const timers = new ClockTimers(clock);
		const notifier = startNotifier({store, clock, timers, random: () => 1, policy: {...NOTIFY_POLICY, timeoutMs: 999_999}});
		let ticks = 0;
		const engine = await startEngineLoop(store, {intervalMs: 50, onTick: () => (ticks++, notifier.ticked())});
		try {
			notifier.follow(engine);
			await until(() => ticks > 0, 'a first tick');
			await store.run({type: 'canary.halt', actor: 'human:alice', id: deploymentId, reason: 'pager'}, {clock});
			await until(() => timers.pending.includes(NOTIFY_POLICY.backoffMs), 'the first attempt refused, its retry waiting');
			const before = ticks;
			await until(() => ticks >= before + 5, 'five more ticks while the delivery waits to retry');
			expect(notifier.counts).toMatchObject({failed: 0, waiting: 1});
			await until(async () => {
				const next = timers.pending.find(ms => ms !== 999_999);
				if (next !== undefined) await timers.advance(next);
				return notifier.counts.failed === 1;
			}, 'the delivery to fail after its retries');
			const after = ticks;
			await until(() => ticks >= after + 3, 'ticks after the failure');
			await notifier.settled();
			const failed = (await store.audit({subject: deploymentId})).filter(e => e.kind === 'notify.failed');
			expect(failed).toHaveLength(1);
			expect(failed[0]!.data).toMatchObject({sink: 'ops', event: 'halted', attempts: NOTIFY_POLICY.retries + 1});
		} finally {
			await engine.stop();
			await notifier.close();
		}
	});

	it('deliveries still retrying when the notifier closes are each recorded as failed', async () => {
		const {clock, store, deploymentId} = await withDeadSink();
		const timers = new ClockTimers(clock);
		const notifier = startNotifier({store, clock, timers, random: () => 1});
		notifier.follow({role: 'leader', onRoleChange: () => () => undefined});
		await notifier.settled();
		await store.run({type: 'canary.halt', actor: 'human:alice', id: deploymentId, reason: 'pager'}, {clock});
		notifier.ticked();
		await until(() => timers.pending.includes(NOTIFY_POLICY.backoffMs), 'a retry waiting');
		await notifier.close();
		const failed = (await store.audit({subject: deploymentId})).filter(e => e.kind === 'notify.failed');
		expect(failed.map(e => e.reason)).toEqual([expect.stringMatching(/^notification halted to sink ops not delivered after 1 attempt: .*cancelled/)]);
	});
});
