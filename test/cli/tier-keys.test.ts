import {describe, expect, it} from 'vitest';
import {sandbox, signedLease} from './helpers.js';

type Doc = Record<string, any>;

describe('per-tier keys through the CLI', () => {
	it('a keyed canary waits in awaiting_cosign (status exit 4), is cosigned by a human and an agent key, and completes', async () => {
		const s = sandbox();
		const {leaseId} = await signedLease(s, ['--bake', '0s', '--min-samples', '1', '--tier-keys', '100']);
		expect((await s.calyx(['lease', 'show', leaseId])).stdout).toMatch(/two keys again before 100%/);
		const dep = (await s.calyx(['canary', 'start', leaseId])).stdout.split('\n')[0]!;
		for (let i = 0; i < 8 && (await s.json<Doc>(['canary', 'status', dep])).doc.status !== 'awaiting_cosign'; i++) await s.calyx(['engine', '--once']);
		const waiting = await s.json<Doc>(['canary', 'status', dep]);
		expect(waiting.code).toBe(4);
		expect(waiting.doc).toMatchObject({status: 'awaiting_cosign', percent: 25, tierCosign: {from: 25, to: 100, cosignatures: []}});
		const req = waiting.doc.tierCosign;
		const text = await s.calyx(['canary', 'status', dep, '--no-color']);
		expect(text.stdout).toContain(`promotion 25% → 100% needs two keys (${req.id}); signed by nobody yet; missing human and agent`);
		expect(text.stdout).toContain(`calyx canary cosign ${dep} --key <key>`);
		expect((await s.calyx(['canary', 'list', '--no-color'])).stdout).toMatch(new RegExp(`${dep}.*awaiting cosign`));
		// One operator cannot pass it alone, forced or not.
		const forced = await s.calyx(['canary', 'promote', dep, '--force', '--reason', 'hurry']);
		expect([forced.code, forced.stderr]).toEqual([1, expect.stringContaining('needs two keys to promote to 100%')]);
		// A request the signer did not review is not signed.
		const stale = await s.calyx(['canary', 'cosign', dep, '--key', 'alice', '--request', 'TK-0000000000000000']);
		expect([stale.code, stale.stderr]).toEqual([2, expect.stringContaining(`is not the promotion asked for now (${req.id}`)]);
		const human = await s.json<Doc>(['canary', 'cosign', dep, '--key', 'alice', '--request', req.id]);
		expect(human.doc).toMatchObject({ok: true, request: req.id, promoted: false, missing: ['agent']});
		const again = await s.calyx(['canary', 'cosign', dep, '--key', 'alice']);
		expect([again.code, again.stderr]).toEqual([1, expect.stringContaining('already signed this promotion')]);
		const agent = await s.calyx(['canary', 'cosign', dep], {env: {CALYX_KEY: 'ci-bot'}});
		expect(agent.code).toBe(0);
		expect(agent.stdout).toContain('both keys signed: promoted to 100%');
		for (let i = 0; i < 8 && (await s.json<Doc>(['canary', 'status', dep])).doc.status !== 'completed'; i++) await s.calyx(['engine', '--once']);
		expect((await s.json<Doc>(['canary', 'status', dep])).code).toBe(0);
		const events = (await s.json<Doc>(['audit', 'list', '--deployment', dep])).doc.events.map((e: Doc) => e.kind);
		expect(events).toEqual(expect.arrayContaining(['tier.cosign_requested', 'tier.cosigned', 'tier.cosign_refused', 'deployment.completed']));
		expect((await s.calyx(['audit', 'verify'])).code).toBe(0);
	});

	it('refuses tier keys that are not among the tiers after the first, naming the flag', async () => {
		const s = sandbox();
		expect((await s.calyx(['init'])).code).toBe(0);
		const bad = await s.calyx(['lease', 'issue', 'INT-20261126-001', '--tier-keys', 'x']);
		expect([bad.code, bad.stderr]).toEqual([2, expect.stringContaining('--tier-keys')]);
	});
});
