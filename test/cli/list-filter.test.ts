import {join} from 'node:path';
import {describe, expect, it} from 'vitest';
import {quickList} from '../../src/cli/quick-list.js';
import {dropListRows, sandbox, signedLease} from './helpers.js';

type Doc = Record<string, any>;
type Sandbox = ReturnType<typeof sandbox>;

/** Runs the engine until the deployment has the status (a few cycles at most). */
async function settle(s: Sandbox, dep: string, status: string) {
	for (let i = 0; i < 12 && (await s.json<Doc>(['canary', 'status', dep])).doc.status !== status; i++) await s.calyx(['engine', '--once']);
	expect((await s.json<Doc>(['canary', 'status', dep])).doc.status).toBe(status);
}

/** The quick path in this process: whether it answered, and what it printed. */
async function quick(s: Sandbox, args: string[]) {
	let out = '';
	const stdout = Object.assign(new (await import('node:stream')).Writable({write: (chunk, _enc, done) => ((out += chunk), done())}), {isTTY: false});
	const answered = await quickList(['canary', 'list', ...args], {stdout, env: s.env});
	return {answered, out};
}

describe('canary list --service --status --since', () => {
	it('filters live and ended rows alike, quick and full give the same rows, bad values are refused naming the flag', async () => {
		const s = sandbox();
		// checkout: completed, then rolled back (archived twice: its newest line alone counts).
		const first = (await s.calyx(['canary', 'start', (await signedLease(s)).leaseId])).stdout.split('\n')[0]!;
		await settle(s, first, 'completed');
		expect((await s.calyx(['rollback', first, '--reason', 'bad build'])).code).toBe(0);
		await settle(s, first, 'rolled_back');
		// payments: live, running.
		const intent = (await s.json<Doc>(['intent', 'create', '--service', 'payments', '--from', '2.0.0', '--to', '2.1.0', '--lines', '40', '--key', 'ci-bot'])).doc.id;
		expect((await s.calyx(['intent', 'approve', intent, '--key', 'alice'])).code).toBe(0);
		const lease = (await s.json<Doc>(['lease', 'issue', intent, '--bake', '1h', '--min-samples', '1', '--ack-risk'])).doc.id;
		expect((await s.calyx(['lease', 'sign', lease, '--key', 'alice'])).code).toBe(0);
		expect((await s.calyx(['lease', 'sign', lease], {env: {CALYX_KEY: 'ci-bot'}})).code).toBe(0);
		const second = (await s.calyx(['canary', 'start', lease])).stdout.split('\n')[0]!;

		const firstEnded = (await s.json<Doc>(['canary', 'list'])).doc.deployments.find((d: Doc) => d.id === first).updatedAt as string;
		const justAfter = new Date(Date.parse(firstEnded) + 1).toISOString();
		const cases: Array<[string[], string[]]> = [
			[[], [first, second]],
			[['--service', 'checkout'], [first]],
			[['--service=payments,checkout'], [first, second]],
			[['--service', 'billing'], []],
			[['--status', 'completed'], []],
			[['--status', 'rolled back'], [first]],
			[['--status', 'Rolled_Back,running'], [first, second]],
			[['--status', 'running', '--service', 'checkout'], []],
			[['--since', '1h'], [first, second]],
			[['--since', justAfter], [second]],
			[['--since', '2999-01-01T00:00:00Z'], []],
			[['--since', '2000-01-01T00:00:00Z', '--all', '--status', 'rolled_back'], [first]],
			[['--ended', '0', '--service', 'checkout'], []],
		];
		const quickRows: Doc[] = [];
		for (const [args, ids] of cases) {
			const run = await quick(s, [...args, '--json']);
			expect(run.answered, args.join(' ')).toBe(true);
			const doc = JSON.parse(run.out) as Doc;
			expect(doc.deployments.map((d: Doc) => d.id), args.join(' ')).toEqual(ids);
			quickRows.push(doc);
		}
		const table = (await quick(s, ['--status', 'rolled back', '--no-color'])).out;
		expect(table).toMatch(new RegExp(`${first}.*rolled back`));
		expect(table).not.toContain(second);

		const refused: Array<[string[], RegExp]> = [
			[['--status', 'stuck'], /--status.*"stuck" is not a status \(allowed: running, holding, awaiting_promotion, awaiting_cosign.*awaiting promotion/],
			[['--status', 'running,'], /--status.*"" is not a status/],
			[['--service', 'check out'], /--service.*"check out" is not a service name \(allowed: 1–63 letters/],
			[['--since', 'yesterday'], /--since: "yesterday" is neither a duration nor a time \(allowed: .*30m.*2026-11-26T10:00:00Z/],
			[['--since', '2026-11-26'], /--since: .*is neither a duration nor a time/],
		];
		for (const [args, message] of refused) {
			expect((await quick(s, args)).answered, args.join(' ')).toBe(false);
			const bad = await s.calyx(['canary', 'list', ...args]);
			expect([bad.code, bad.stdout], args.join(' ')).toEqual([2, '']);
			expect(bad.stderr).toMatch(message);
		}

		// Without the list's rows (a document an older calyx wrote) the program answers, from the deployments, the same.
		dropListRows(s.data);
		for (const [i, [args]] of cases.entries()) expect((await s.json<Doc>(['canary', 'list', ...args])).doc, args.join(' ')).toEqual(quickRows[i]);
		expect((await s.calyx(['canary', 'list', '--status', 'rolled back', '--no-color'])).stdout).toBe(table);
	});
});
