import {describe, expect, it} from 'vitest';
import {addKeys, sandbox} from './helpers.js';

type Doc = Record<string, any>;

describe('deadlines from the CLI', () => {
	it('a lease shows how long its second key has; a plan carries its progress deadline; a bad one is refused naming the field', async () => {
		const s = sandbox();
		expect((await s.calyx(['init'])).code).toBe(0);
		await addKeys(s);
		const intent = (await s.json<Doc>(['intent', 'create', '--service', 'checkout', '--from', '1.0.0', '--to', '1.1.0', '--key', 'ci-bot'])).doc.id;
		expect((await s.calyx(['intent', 'approve', intent, '--key', 'alice'])).code).toBe(0);
		const bad = await s.calyx(['lease', 'issue', intent, '--progress-deadline', '0s']);
		expect([bad.code, bad.stderr]).toEqual([2, expect.stringContaining('plan.progressDeadlineMs')]);
		const lease = (await s.json<Doc>(['lease', 'issue', intent, '--progress-deadline', '20m'])).doc.id;
		const text = (await s.calyx(['lease', 'show', lease])).stdout;
		expect(text).toMatch(/halts after 20m past a bake without progress/);
		// An untitled intent's title is its change: said once.
		expect(text).toMatch(/^intent: {3}INT-\S+ checkout 1\.0\.0 → 1\.1\.0$/m);
		expect((await s.calyx(['lease', 'sign', lease, '--key', 'alice'])).code).toBe(0);
		const shown = (await s.json<Doc>(['lease', 'show', lease])).doc;
		// The default approval deadline, from the first key's signature.
		expect(Date.parse(shown.secondKey.by)).toBe(Date.parse(shown.signers[0].signedAt) + 30 * 60_000);
		expect((await s.calyx(['lease', 'show', lease])).stdout).toMatch(/^missing: {2}agent key \(by .+: .+ left\)$/m);
	});
});
