import {describe, expect, it} from 'vitest';
import {jsonBody, LIMITS, slackBody} from '../../src/drivers/notify/message.js';
import {noticesOf, type Notice} from '../../src/drivers/notify/notice.js';

/** What a hand-edited state or an older calyx may hold: text that entry would have refused. */
const hostile: Notice = {
	event: 'rollback_failed',
	severity: 'critical',
	key: 'seq:9',
	subject: 'DEP-20261125-001',
	service: 'check<out>',
	at: '2026-11-25T10:00:00.000Z',
	seq: 9,
	title: 'DEP-20261125-001: rollback FAILED at 25%',
	why: `router said \u001b[2J\u202eoops\u009b & <@U123> ${'y'.repeat(5000)}`,
	actor: 'agent:`bot`',
	act: ['calyx canary status DEP-20261125-001', 'calyx rollback DEP-20261125-001 --reason "…"'],
};

describe('notification bodies', () => {
	it('JSON: controls written out, DEL/C1/bidi as \\u escapes, each field bounded', () => {
		const body = jsonBody(hostile);
		expect(body).not.toMatch(/[\u0000-\u001f\u007f-\u009f\u202a-\u202e]/);
		const doc = JSON.parse(body) as Record<string, string>;
		expect(doc.why).toContain('router said \\x1b[2J\\u202eoops\\u009b & <@U123>');
		expect(doc.why!.length).toBeLessThan(LIMITS.why + 40);
		expect(doc).toMatchObject({event: 'rollback_failed', severity: 'critical', service: 'check<out>', seq: 9});
	});

	it('Slack: mrkdwn escaped, commands in code spans nothing inside can close', () => {
		const {text} = JSON.parse(slackBody(hostile)) as {text: string};
		expect(text.split('\n')[0]).toBe('*CRITICAL* · rollback failed · check&lt;out&gt;');
		expect(text).toContain('&amp; &lt;@U123&gt;');
		expect(text).toContain("(by agent:`bot`)");
		expect(text).toContain('To act: `calyx canary status DEP-20261125-001`  or  `calyx rollback DEP-20261125-001 --reason "…"`');
		expect(text).not.toMatch(/<@|\u001b/);
	});

	it('a renewed tier request is not news; a fresh one names the request to sign', () => {
		const base = {at: '2026-11-25T10:00:00.000Z', actor: 'engine', prevHash: '', hash: '', subject: 'DEP-20261125-001'};
		const fresh = [
			{...base, seq: 1, rev: 5, kind: 'deployment.awaiting_cosign', reason: 'gate passed', data: {}},
			{...base, seq: 2, rev: 5, kind: 'tier.cosign_requested', reason: 'two keys asked', data: {request: 'TK-0123456789abcdef', from: 25, to: 100}},
			{...base, seq: 3, rev: 9, kind: 'tier.cosign_expired', reason: 'expired', data: {}},
			{...base, seq: 4, rev: 9, kind: 'tier.cosign_requested', reason: 'asked again', data: {request: 'TK-fedcba9876543210', from: 25, to: 100}},
		];
		const notices = noticesOf(fresh, () => 'checkout');
		expect(notices).toHaveLength(1);
		expect(notices[0]).toMatchObject({event: 'awaiting_cosign', severity: 'warning', title: 'DEP-20261125-001 waits for two keys: 25% → 100%'});
		expect(notices[0]!.act).toContain('calyx canary cosign DEP-20261125-001 --key <key> --request TK-0123456789abcdef');
	});
});
