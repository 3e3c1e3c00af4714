/**
 * Notifications end to end, through the built CLI: `calyx engine` leads a data directory with a
 * JSON webhook and a Slack sink configured; an operator halts the canary with `calyx canary halt`;
 * both sinks receive what happened, why, and the rollback command.
 */
import {spawn, type ChildProcess} from 'node:child_process';
import {afterEach, describe, expect, it} from 'vitest';
import {BIN, sandbox, signedLease} from '../cli/helpers.js';
import {receiver} from '../drivers/notify-fixture.js';
import {until} from '../store/helpers.js';

type Doc = Record<string, any>;

const engines: ChildProcess[] = [];
afterEach(() => {
	for (const child of engines.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
});

describe('calyx engine notifies its sinks', () => {
	it('a canary halted from the CLI reaches a webhook and Slack, with the command to roll it back', async () => {
		const hook = await receiver();
		const slack = await receiver();
		const s = sandbox();
		const {leaseId} = await signedLease(s, ['--bake', '15m', '--min-samples', '1']);
		const dep = (await s.calyx(['canary', 'start', leaseId])).stdout.split('\n')[0]!;
		expect(dep).toMatch(/^DEP-/);
		const set = (path: string, value: unknown) => s.calyx(['config', 'set', path, JSON.stringify(value)]);
		expect((await set('notify.sinks.audit', {kind: 'webhook', url: hook.url, events: ['halted', 'completed']})).code).toBe(0);
		expect((await set('notify.sinks.ops', {kind: 'slack', url: {env: 'CALYX_SLACK_URL'}, events: ['halted'], minSeverity: 'critical'})).code).toBe(0);

		const engine = spawn(process.execPath, [BIN, 'engine', '--interval', '200ms'], {env: {...s.env, CALYX_SLACK_URL: slack.url}, stdio: ['ignore', 'pipe', 'pipe']});
		engines.push(engine);
		let out = '';
		engine.stdout!.on('data', d => (out += d));
		engine.stderr!.on('data', d => (out += d));
		await until(() => engine.exitCode !== null || out.includes('leader: driving'), 'the engine to lead');
		expect(out).toMatch(/^leader: driving/);

		const halt = await s.calyx(['canary', 'halt', dep, '--reason', 'pager: checkout p99 <2s> & climbing']);
		expect(halt.code).toBe(0);
		await until(() => hook.received.length > 0 && slack.received.length > 0, `both sinks to hear of the halt (engine said: ${out})`);

		const doc = JSON.parse(hook.received[0]!.body) as Doc;
		expect(doc).toMatchObject({source: 'calyx', event: 'halted', severity: 'critical', subject: dep, service: 'checkout'});
		expect(doc.why).toContain('pager: checkout p99 <2s> & climbing');
		expect(doc.act).toContain(`calyx rollback ${dep} --reason "…"`);
		const {text} = JSON.parse(slack.received[0]!.body) as {text: string};
		expect(text).toContain('pager: checkout p99 &lt;2s&gt; &amp; climbing');
		expect(text).toContain(`\`calyx rollback ${dep} --reason "…"\``);
		// The Slack address never reaches the trail.
		const trail = (await s.json<Doc>(['audit', 'list'])).stdout;
		expect(trail).not.toContain(new URL(slack.url).port);
		expect(trail).not.toContain('notify.failed');

		engine.kill('SIGTERM');
		await until(() => engine.exitCode !== null, 'the engine to stop');
		expect(engine.exitCode).toBe(0);
		// Nothing but the halt, once each, over the engine's whole run.
		expect(hook.received).toHaveLength(1);
		expect(slack.received).toHaveLength(1);
	});
});
