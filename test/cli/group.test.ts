import {describe, expect, it} from 'vitest';
import {addKeys, sandbox} from './helpers.js';

type Doc = Record<string, any>;

/** A live canary on `service`, through the CLI: intent, approval, lease, two keys, start. */
async function liveOn(s: ReturnType<typeof sandbox>, service: string): Promise<string> {
	const intent = (await s.json<Doc>(['intent', 'create', '--service', service, '--from', '1.0.0', '--to', '1.1.0', '--key', 'ci-bot'])).doc.id;
	expect((await s.calyx(['intent', 'approve', intent, '--key', 'alice'])).code).toBe(0);
	const lease = (await s.json<Doc>(['lease', 'issue', intent])).doc.id;
	expect((await s.calyx(['lease', 'sign', lease, '--key', 'alice'])).code).toBe(0);
	expect((await s.calyx(['lease', 'sign', lease], {env: {CALYX_KEY: 'ci-bot'}})).code).toBe(0);
	return (await s.calyx(['canary', 'start', lease])).stdout.split('\n')[0]!;
}

describe('group halt and rollback from the CLI', () => {
	it('halts the live canaries of two services as one group, each halt linked to it, and rolls back --all-live', async () => {
		const s = sandbox();
		expect((await s.calyx(['init'])).code).toBe(0);
		await addKeys(s);
		const [a, b, c] = [await liveOn(s, 'alpha'), await liveOn(s, 'beta'), await liveOn(s, 'gamma')];
		const halted = await s.json<Doc>(['canary', 'halt', '--service', 'alpha,beta', '--reason', 'incident 4411']);
		expect(halted.code).toBe(0);
		expect(halted.doc.outcomes.map((o: Doc) => [o.id, o.ok, o.status])).toEqual([
			[a, true, 'halted'],
			[b, true, 'halted'],
		]);
		const events = (await s.json<Doc>(['audit', 'list'])).doc.events;
		const linked = events.filter((e: Doc) => e.kind === 'deployment.halted').map((e: Doc) => [e.subject, e.data.group]);
		expect(linked).toEqual([
			[a, halted.doc.group],
			[b, halted.doc.group],
		]);
		expect(events.find((e: Doc) => e.kind === 'group.halt')).toMatchObject({subject: halted.doc.group, reason: 'incident 4411'});
		// A selector picks the live ones: alpha is halted already, so only gamma is halted now.
		const again = await s.calyx(['canary', 'halt', '--service', 'alpha,gamma', '--reason', 'again']);
		expect(again.code).toBe(0);
		expect(again.stdout).toMatch(new RegExp(`^halt GRP-\\S+: 1 of 1 done\n  ✓ ${c}: now halted; target: `));
		const back = await s.json<Doc>(['rollback', '--all-live', '--reason', 'bad shared library']);
		expect(back.doc.outcomes.map((o: Doc) => o.status)).toEqual(['rolled_back', 'rolled_back', 'rolled_back']);
	});

	it('needs exactly one selector, and a live deployment to act on', async () => {
		const s = sandbox();
		expect((await s.calyx(['init'])).code).toBe(0);
		for (const [args, message] of [
			[['canary', 'halt', '--reason', 'x'], 'give one of: a deployment id, --service <names>, --all-live'],
			[['canary', 'halt', 'DEP-20260101-001', '--all-live', '--reason', 'x'], 'give one of'],
			[['canary', 'halt', '--service', 'a,,b', '--reason', 'x'], '--service: a comma-separated list'],
			[['rollback', '--all-live', '--reason', 'x'], '--all-live: no live deployment matches'],
		] as const) {
			const run = await s.calyx([...args]);
			expect([run.code, run.stderr]).toEqual([2, expect.stringContaining(message)]);
		}
	});
});
