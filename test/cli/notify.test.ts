import {describe, expect, it} from 'vitest';
import {sandbox, snapshot} from './helpers.js';

type Doc = Record<string, any>;
const SLACK = 'https://hooks.slack.com/services/T000/B000/secret-part';

describe('calyx config set notify.sinks.<name>', () => {
	it('adds a sink by reference, changes one field, removes it: each audited, the reference shown, never a secret', async () => {
		const s = sandbox();
		expect((await s.calyx(['init'])).code).toBe(0);
		const sink = {kind: 'slack', url: {env: 'CALYX_SLACK_URL'}, events: ['halted', 'rollback_failed'], minSeverity: 'warning'};
		const added = await s.json(['config', 'set', 'notify.sinks.ops', JSON.stringify(sink)]);
		expect(added).toMatchObject({code: 0, doc: {ok: true, path: 'notify.sinks.ops', value: sink}});
		expect((await s.calyx(['config', 'set', 'notify.sinks.ops.minSeverity', 'critical'])).stdout).toBe('notify.sinks.ops.minSeverity = "critical"\n');
		expect((await s.calyx(['config', 'set', 'notify.deadlineNearMs', '5m'])).stdout).toBe('notify.deadlineNearMs = 300000\n');
		const shown = (await s.calyx(['config', 'show'])).stdout;
		expect(shown).toContain('notify.sinks.ops.url.env         "CALYX_SLACK_URL"');
		expect(shown).toContain('notify.sinks.ops.minSeverity     "critical"');
		expect((await s.calyx(['config', 'unset', 'notify.sinks.ops'])).code).toBe(0);
		expect((await s.json<Doc>(['config', 'show'])).doc.notify).toEqual({sinks: {}, deadlineNearMs: 300_000});
		const events = (await s.json<Doc>(['audit', 'list'])).doc.events as Doc[];
		expect(events.filter(e => e.kind === 'config.changed')).toHaveLength(4);
	});

	it('refuses a bad sink with exit 2, naming the field and what is allowed, and writes nothing', async () => {
		const s = sandbox();
		expect((await s.calyx(['init'])).code).toBe(0);
		const before = snapshot(s.data);
		const cases: Array<[string[], string]> = [
			[['notify.sinks.ops', JSON.stringify({kind: 'slack', url: SLACK, events: ['halted']})], 'calyx: config.notify.sinks.ops.url: a Slack webhook address is a secret (anyone who has it posts to the channel): give it by reference, {env: NAME} or {file: /absolute/path}\n'],
			[['notify.sinks.hook', JSON.stringify({kind: 'webhook', url: 'https://user:pw@example.com/h', events: ['halted']})], 'calyx: config.notify.sinks.hook.url: must not carry credentials (user:password@ or a ?query): give the address by reference, {env: NAME} or {file: /path}\n'],
			[['notify.sinks.ops', JSON.stringify({kind: 'mail', url: {env: 'X'}, events: ['halted']})], 'calyx: config.notify.sinks.ops.kind: must be one of webhook, slack\n'],
			[['notify.sinks.ops', JSON.stringify({kind: 'webhook', url: {env: 'X'}, events: ['halt']})], 'calyx: config.notify.sinks.ops.events.0: must be one of halted, rolled_back, rollback_failed, awaiting_cosign, deadline_near, completed\n'],
			[['notify.sinks.ops', JSON.stringify({kind: 'webhook', url: {env: 'X'}, events: ['halted'], minSeverity: 'high'})], 'calyx: config.notify.sinks.ops.minSeverity: must be one of info, warning, critical\n'],
			[['notify.deadlineNearMs', '10s'], 'calyx: config.notify.deadlineNearMs: at least 1m\n'],
		];
		for (const [args, stderr] of cases) {
			const run = await s.calyx(['config', 'set', ...args]);
			expect(run).toMatchObject({code: 2, stdout: '', stderr});
			expect(run.stderr).not.toContain('secret-part');
		}
		expect(snapshot(s.data)).toEqual(before);
	});
});
