import {readFileSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {describe, expect, it} from 'vitest';
import {cosign, type Clock, type Sink} from '../../src/core/index.js';
import type {Store} from '../../src/store/index.js';
import {approval, HOLDERS} from '../trust.js';
import {NOTIFY_POLICY} from '../../src/drivers/notify/index.js';
import {settleAllTargets} from '../target.js';
import {tempDir, until} from '../store/helpers.js';
import {deadAddress, notifyRig, receiver} from './notify-fixture.js';

type Doc = Record<string, any>;
/** The policy's pauses, with an attempt's own timeout set apart from them: a pending timer of that length is an attempt in flight. */
const policy = {...NOTIFY_POLICY, timeoutMs: 999_999};
const pause = (timers: {pending: number[]}) => timers.pending.find(ms => ms !== policy.timeoutMs);

/** A lease for payments that the human key has signed: it waits for the agent key until secondKeyBy. */
async function halfSignedLease(store: Store, clock: Clock) {
	const {result: intent} = await store.run<{id: string}>({type: 'intent.create', fromVersion: '2.0.0', actor: 'human:alice', service: 'payments', toVersion: '2.1.0'}, {clock});
	await store.run(approval(await store.read(), intent.id), {clock});
	const {result: issued} = await store.run<{id: string}>({type: 'lease.issue', actor: 'human:alice', intentId: intent.id, plan: {}}, {clock});
	const state = await store.read();
	const signature = cosign(state.leases.find(l => l.id === issued.id)!, state.intents.find(i => i.id === intent.id)!, 'human', 'alice', HOLDERS.human.privateKey);
	await store.run({type: 'lease.cosign', actor: 'human:alice', leaseId: issued.id, role: 'human', keyId: 'alice', signature}, {clock});
	const lease = (await store.read()).leases.find(l => l.id === issued.id)!;
	return {id: lease.id, secondKeyBy: lease.secondKeyBy!};
}
const webhook = (url: string, more: Partial<Sink> = {}): Sink => ({kind: 'webhook', url, events: ['halted', 'rolled_back', 'rollback_failed', 'awaiting_cosign', 'deadline_near', 'completed'], minSeverity: 'info', ...more});

describe('notifications: what a sink receives', () => {
	it('a halt reaches a JSON webhook with what happened, why, who, and the command to act', async () => {
		const hook = await receiver();
		const rig = await notifyRig();
		await rig.configure({audit: webhook(hook.url)});
		await rig.store.run({type: 'canary.halt', actor: 'human:alice', id: rig.deploymentId, reason: 'pager: checkout latency'}, {clock: rig.clock});
		await rig.tick();
		expect(hook.received).toHaveLength(1);
		expect(hook.received[0]!.headers['content-type']).toBe('application/json');
		const doc = JSON.parse(hook.received[0]!.body) as Doc;
		expect(doc).toMatchObject({source: 'calyx', event: 'halted', severity: 'critical', subject: rig.deploymentId, service: 'checkout', title: `${rig.deploymentId} halted at 5% (manual)`, actor: 'human:alice'});
		expect(doc.why).toContain('pager: checkout latency');
		expect(doc.act).toEqual([`calyx rollback ${rig.deploymentId} --reason "…"`, `calyx canary resume ${rig.deploymentId} --reason "…"`]);
		expect(doc.text).toContain(`To act: calyx rollback ${rig.deploymentId}`);
		// Read once: another tick sends nothing again.
		await rig.tick();
		expect(hook.received).toHaveLength(1);
	});

	it('Slack gets mrkdwn with a reason\'s &, < and > escaped and its length bounded', async () => {
		const slack = await receiver();
		const rig = await notifyRig({env: {CALYX_SLACK_URL: slack.url}});
		await rig.configure({ops: {kind: 'slack', url: {env: 'CALYX_SLACK_URL'}, events: ['halted'], minSeverity: 'info'}});
		const reason = `<!channel> R&D says <http://evil.example|click> ${'x'.repeat(1900)}`;
		await rig.store.run({type: 'canary.halt', actor: 'human:alice', id: rig.deploymentId, reason}, {clock: rig.clock});
		await rig.tick();
		const {text} = JSON.parse(slack.received[0]!.body) as {text: string};
		expect(Object.keys(JSON.parse(slack.received[0]!.body) as Doc)).toEqual(['text']);
		expect(text).toContain('*CRITICAL* · halted · checkout');
		expect(text).toContain('&lt;!channel&gt; R&amp;D says &lt;http://evil.example|click&gt;');
		expect(text).not.toMatch(/<!channel>|<http/);
		expect(text).toContain(`\`calyx rollback ${rig.deploymentId} --reason "…"\``);
		expect(text).toMatch(/… \(\d+ characters in all\)/);
		expect(text.length).toBeLessThan(1600);
	});

	it('a sink gets only the events it asked for, at or above its severity', async () => {
		const critical = await receiver();
		const completedOnly = await receiver();
		const everything = await receiver();
		const rig = await notifyRig();
		await rig.configure({
			pager: webhook(critical.url, {minSeverity: 'critical'}),
			done: webhook(completedOnly.url, {events: ['completed']}),
			all: webhook(everything.url),
		});
		await rig.store.run({type: 'rollback', actor: 'human:alice', id: rig.deploymentId, reason: 'drill'}, {clock: rig.clock});
		await settleAllTargets(rig.store, rig.clock);
		await rig.tick();
		// Rolled back is a warning: the pager (critical) and the completed-only sink hear nothing.
		expect(everything.received.map(r => (JSON.parse(r.body) as Doc).event)).toEqual(['rolled_back']);
		expect(JSON.parse(everything.received[0]!.body)).toMatchObject({severity: 'warning', act: ['calyx history checkout']});
		expect(critical.received).toEqual([]);
		expect(completedOnly.received).toEqual([]);
	});
});

describe('notifications: delivery', () => {
	it('retries with backoff on the injected clock, and delivers once the sink answers', async () => {
		const hook = await receiver();
		hook.answers.push(503, 500);
		const rig = await notifyRig({policy});
		await rig.configure({audit: webhook(hook.url, {events: ['halted']})});
		await rig.store.run({type: 'canary.halt', actor: 'human:alice', id: rig.deploymentId, reason: 'drill'}, {clock: rig.clock});
		rig.notifier.ticked();
		// The first pause is the policy's backoff (jitter pinned at its top): nothing is sent before it passes.
		await until(() => hook.received.length === 1 && pause(rig.timers) === policy.backoffMs, 'the first attempt, then a pause of the backoff');
		await rig.timers.advance(policy.backoffMs - 1);
		expect(hook.received).toHaveLength(1);
		await rig.timers.advance(1);
		await until(() => hook.received.length === 2 && pause(rig.timers) === policy.backoffMs * 2, 'the second attempt, then a doubled pause');
		await rig.timers.advance(policy.backoffMs * 2);
		await rig.notifier.settled();
		expect(hook.received).toHaveLength(3);
		expect(new Set(hook.received.map(r => r.body)).size).toBe(1);
		expect(rig.notifier.counts).toEqual({delivered: 1, failed: 0, waiting: 0});
	});

	it('a sink that is down is recorded as failed in the audit trail after the retries, naming the sink, never its address', async () => {
		const down = await deadAddress();
		const file = join(tempDir(), 'slack-url');
		writeFileSync(file, `${down}\n`, {mode: 0o600});
		const rig = await notifyRig({policy});
		await rig.configure({ops: {kind: 'slack', url: {file}, events: ['halted'], minSeverity: 'info'}});
		await rig.store.run({type: 'canary.halt', actor: 'human:alice', id: rig.deploymentId, reason: 'drill'}, {clock: rig.clock});
		rig.notifier.ticked();
		const pauses: number[] = [];
		await until(async () => {
			const next = pause(rig.timers);
			if (next !== undefined) (pauses.push(next), await rig.timers.advance(next));
			return rig.notifier.counts.failed === 1;
		}, 'the delivery to fail after its retries');
		expect(pauses).toEqual([5_000, 10_000, 20_000, 40_000]);
		await rig.notifier.settled();
		expect(rig.notifier.counts).toEqual({delivered: 0, failed: 1, waiting: 0});
		const [failed] = await rig.store.audit({subject: rig.deploymentId}).then(es => es.filter(e => e.kind === 'notify.failed'));
		expect(failed).toMatchObject({actor: 'engine', data: {sink: 'ops', event: 'halted', severity: 'critical', attempts: NOTIFY_POLICY.retries + 1}});
		expect(failed!.reason).toMatch(/^notification halted to sink ops not delivered after 5 attempts: cannot reach the sink \(ECONNREFUSED\)/);
		// Host and port together: the port's digits alone turn up in a hash now and then.
		expect(readFileSync(rig.store.paths.audit, 'utf8')).not.toContain(new URL(down).host);
	});

	it('health: a sink is failing from its first failed attempt, and stays so, counting what it never got, after the retries', async () => {
		const rig = await notifyRig({policy});
		await rig.configure({ops: webhook(await deadAddress(), {events: ['halted']})});
		const changes: number[] = [];
		rig.notifier.health.subscribe(() => changes.push(rig.notifier.health.get().length));
		const since = rig.clock.now();
		await rig.store.run({type: 'canary.halt', actor: 'human:alice', id: rig.deploymentId, reason: 'drill'}, {clock: rig.clock});
		rig.notifier.ticked();
		await until(() => pause(rig.timers) !== undefined, 'the first attempt failed');
		expect(rig.notifier.health.get()).toEqual([{sink: 'ops', since, error: 'cannot reach the sink (ECONNREFUSED)', undelivered: 1}]);
		await until(async () => {
			const next = pause(rig.timers);
			if (next !== undefined) await rig.timers.advance(next);
			return rig.notifier.counts.failed === 1;
		}, 'the delivery to fail after its retries');
		await rig.notifier.settled();
		expect(rig.notifier.health.get()).toMatchObject([{sink: 'ops', since, undelivered: 1}]);
		expect(rig.notifier.health.get()[0]!.error).toMatch(/^cannot reach the sink \(ECONNREFUSED\) \(attempt 5 of 5\)$/);
		// The same array between changes, as a React external store needs.
		expect(rig.notifier.health.get()).toBe(rig.notifier.health.get());
		expect(changes.every(n => n === 1)).toBe(true);
	});

	it('a reference that cannot be read fails at once (no retry), naming where the address should be', async () => {
		const rig = await notifyRig({env: {}});
		await rig.configure({ops: {kind: 'slack', url: {env: 'CALYX_SLACK_URL'}, events: ['halted'], minSeverity: 'info'}});
		await rig.store.run({type: 'canary.halt', actor: 'human:alice', id: rig.deploymentId, reason: 'drill'}, {clock: rig.clock});
		await rig.tick();
		const [failed] = (await rig.store.audit({subject: rig.deploymentId})).filter(e => e.kind === 'notify.failed');
		expect(failed!.reason).toContain('sink ops url: the environment variable CALYX_SLACK_URL is not set in this process');
		expect(failed!.data.attempts).toBe(1);
	});
});

describe('notifications: which process sends, and what', () => {
	it('a follower sends nothing; a new leader does not send what was committed before it took over', async () => {
		const hook = await receiver();
		const rig = await notifyRig({role: 'follower'});
		await rig.configure({audit: webhook(hook.url)});
		await rig.store.run({type: 'canary.halt', actor: 'human:alice', id: rig.deploymentId, reason: 'before the takeover'}, {clock: rig.clock});
		await rig.tick();
		rig.engine.become('leader');
		await rig.notifier.settled();
		await rig.tick();
		expect(hook.received).toEqual([]);
		await rig.store.run({type: 'canary.resume', actor: 'human:alice', id: rig.deploymentId, reason: 'resumed'}, {clock: rig.clock});
		await rig.store.run({type: 'canary.halt', actor: 'human:alice', id: rig.deploymentId, reason: 'after it'}, {clock: rig.clock});
		await rig.tick();
		expect(hook.received.map(r => (JSON.parse(r.body) as Doc).why)).toEqual(['after it']);
	});

	it('deadline near: a lease one key signed, once, within deadlineNearMs of its second key\'s deadline', async () => {
		const hook = await receiver();
		const rig = await notifyRig();
		await rig.configure({ops: webhook(hook.url, {events: ['deadline_near']})}, 5 * 60_000);
		const lease = await halfSignedLease(rig.store, rig.clock);
		const by = Date.parse(lease.secondKeyBy);
		rig.clock.set(by - 5 * 60_000 - 1000);
		await rig.tick();
		expect(hook.received).toEqual([]);
		rig.clock.set(by - 4 * 60_000);
		await rig.tick();
		await rig.tick();
		expect(hook.received).toHaveLength(1);
		const doc = JSON.parse(hook.received[0]!.body) as Doc;
		expect(doc).toMatchObject({event: 'deadline_near', severity: 'warning', subject: lease.id, service: 'payments', title: `${lease.id}: the agent key must sign within 4 min, or the lease lapses`});
		expect(doc.act).toContain(`calyx lease sign ${lease.id} --key <agent key>`);
	});
});
