import {describe, expect, it} from 'vitest';
import {dropListRows, sandbox, signedLease} from './helpers.js';

type Doc = Record<string, any>;

/** Runs the engine until the deployment has the status (a few cycles at most). */
async function settle(s: ReturnType<typeof sandbox>, dep: string, status: string) {
	for (let i = 0; i < 12 && (await s.json<Doc>(['canary', 'status', dep])).doc.status !== status; i++) await s.calyx(['engine', '--once']);
	expect((await s.json<Doc>(['canary', 'status', dep])).doc.status).toBe(status);
}

describe('canary list shows the live deployments and the last ones that ended', () => {
	it('--ended n and --all, quick and full alike; a short list says so; bad counts are refused', async () => {
		const s = sandbox();
		const first = (await s.calyx(['canary', 'start', (await signedLease(s)).leaseId])).stdout.split('\n')[0]!;
		await settle(s, first, 'completed');
		// The same change again, once the first is rolled back: a second ended deployment.
		expect((await s.calyx(['rollback', first, '--reason', 'bad build'])).code).toBe(0);
		await settle(s, first, 'rolled_back');
		const intent = (await s.json<Doc>(['intent', 'create', '--service', 'checkout', '--from', '1.4.0', '--to', '1.5.0', '--lines', '40', '--key', 'ci-bot'])).doc.id;
		expect((await s.calyx(['intent', 'approve', intent, '--key', 'alice'])).code).toBe(0);
		const lease = (await s.json<Doc>(['lease', 'issue', intent, '--bake', '0s', '--min-samples', '1', '--ack-risk'])).doc.id;
		expect((await s.calyx(['lease', 'sign', lease, '--key', 'alice'])).code).toBe(0);
		expect((await s.calyx(['lease', 'sign', lease], {env: {CALYX_KEY: 'ci-bot'}})).code).toBe(0);
		const second = (await s.calyx(['canary', 'start', lease])).stdout.split('\n')[0]!;
		await settle(s, second, 'completed');

		const lists = async () => ({
			one: (await s.json<Doc>(['canary', 'list', '--ended', '1'])).doc,
			all: (await s.json<Doc>(['canary', 'list', '--all'])).doc,
			plain: (await s.json<Doc>(['canary', 'list'])).doc,
			table: (await s.calyx(['canary', 'list', '--ended', '1', '--no-color'])).stdout,
		});
		const quick = await lists();
		expect(quick.one).toMatchObject({deployments: [{id: second, status: 'completed'}], olderEnded: true});
		expect(quick.all.deployments.map((d: Doc) => [d.id, d.status])).toEqual([
			[first, 'rolled_back'],
			[second, 'completed'],
		]);
		expect(quick.all.olderEnded).toBe(false);
		expect(quick.plain).toEqual(quick.all);
		expect(quick.table).toMatch(new RegExp(`${second}.*completed[\\s\\S]*older ended deployments not shown: --ended <n> for more, --all for every one`));
		expect(quick.table).not.toContain(first);
		// Without the list's rows (a document an older calyx wrote) the program answers, from the deployments, the same.
		dropListRows(s.data);
		expect(await lists()).toEqual(quick);

		for (const args of [['--ended', 'x'], ['--ended', '-1'], ['--ended', '1', '--all']]) {
			const bad = await s.calyx(['canary', 'list', ...args]);
			expect([bad.code, bad.stdout]).toEqual([2, '']);
			expect(bad.stderr).toMatch(/--ended/);
		}
	});
});
