import {describe, expect, it} from 'vitest';
import type {Sink} from '../../src/core/index.js';
import {NOTIFY_POLICY} from '../../src/drivers/notify/index.js';
import {notifyTroubleText} from '../../src/ui/model/notify-trouble.js';
import {until} from '../store/helpers.js';
import {notifyRig, receiver} from '../drivers/notify-fixture.js';
import {waitForFrame} from './helpers/ink.js';
import {mount} from './helpers/mount.js';
import {PAYLOADS} from '../untrusted.js';

// An attempt's own timeout set apart from the pauses: a pending timer of that length is an attempt in flight.
const policy = {...NOTIFY_POLICY, timeoutMs: 999_999};
const pause = (timers: {pending: number[]}) => timers.pending.find(ms => ms !== policy.timeoutMs);
const slack: Sink = {kind: 'slack', url: {env: 'CALYX_SLACK_URL'}, events: ['halted'], minSeverity: 'info'};

describe('a notification sink that fails, on the leading console', () => {
	it('is in the header from its first failed attempt (503), and gone once the retry is delivered (200)', async () => {
		const hook = await receiver();
		hook.answers.push(503);
		const rig = await notifyRig({policy, env: {CALYX_SLACK_URL: hook.url}});
		await rig.configure({slack});
		const {r} = await mount({size: {columns: 160, rows: 30}, props: {notifyHealth: rig.notifier.health}});
		expect(r.lastFrame()).not.toContain('notify:');
		await rig.store.run({type: 'canary.halt', actor: 'human:alice', id: rig.deploymentId, reason: 'drill'}, {clock: rig.clock});
		rig.notifier.ticked();
		const failing = await waitForFrame(r, /notify: sink slack failing since \S+ UTC \(the sink answered HTTP 503\), 1 undelivered/);
		// The second line of the header, first on it: before the counts and the data directory.
		expect(failing.split('\n')[1]).toMatch(/^notify: sink slack failing/);
		await until(() => pause(rig.timers) !== undefined, 'the pause before the retry');
		await rig.timers.advance(pause(rig.timers)!);
		await waitForFrame(r, f => !f.includes('notify:'));
		await rig.notifier.settled();
		expect(hook.received).toHaveLength(2);
		expect(rig.notifier.counts).toEqual({delivered: 1, failed: 0, waiting: 0});
		expect(rig.notifier.health.get()).toEqual([]);
		r.unmount();
	});

	it('says what the sink and the delivery said escaped and bounded: a sink name or error cannot paint the screen', () => {
		const text = notifyTroubleText([{sink: `ops${PAYLOADS.clear}`, since: Date.parse('2026-11-26T03:12:00Z'), error: `the sink answered ${PAYLOADS.title}${'x'.repeat(500)}`, undelivered: 3}], Date.parse('2026-11-26T04:00:00Z'))!;
		expect(text).toMatch(/^notify: sink ops\\x1b\[2J failing since 03:12:00 UTC \(the sink answered \\x1b\]0;pwned\\x07x+… \(\d+ characters in all\)\), 3 undelivered$/);
		expect(text).not.toMatch(/[\u0000-\u001f]/);
		expect(text.length).toBeLessThan(220);
		expect(notifyTroubleText([], 0)).toBeUndefined();
	});
});
