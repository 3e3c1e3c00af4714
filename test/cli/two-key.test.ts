import {readFileSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {describe, expect, it} from 'vitest';
import {openStore} from '../../src/store/index.js';
import {sandbox} from './helpers.js';

type Doc = Record<string, any>;
type Box = ReturnType<typeof sandbox>;

async function setup(s: Box, keys: Array<[string, string]> = [['human', 'alice'], ['agent', 'ci-bot']]) {
	await s.calyx(['init']);
	for (const [role, id] of keys) expect((await s.calyx(['keys', 'add', '--role', role, '--id', id, '--owner', id])).code).toBe(0);
	return issue(s);
}

async function issue(s: Box, extra: string[] = []) {
	// ci-bot proposes, alice approves: separation of duties holds in every setup.
	const intent = (await s.json<Doc>(['intent', 'create', '--service', `svc-${Math.random().toString(36).slice(2, 8)}`, '--from', '1.0.0', '--to', '1.1.0', '--key', 'ci-bot'])).doc;
	expect((await s.calyx(['intent', 'approve', intent.id, '--key', 'alice'])).code).toBe(0);
	return (await s.json<Doc>(['lease', 'issue', intent.id, '--bake', '0s', ...extra])).doc.id as string;
}

/** Rewrites the state file by hand: what an attacker with write access to the data dir could do. */
async function tamper(s: Box, edit: (state: Doc) => void) {
	const store = await openStore(s.data);
	const path = store.paths.state;
	await store.close();
	const state = JSON.parse(readFileSync(path, 'utf8'));
	edit(state);
	writeFileSync(path, JSON.stringify(state));
}

/** Exit 1, and the reason code said (stderr for refusals, stdout for a verification report). */
const refusal = async (run: Promise<{code: number; stdout: string; stderr: string}>, code: string) => {
	const r = await run;
	expect(r.code).toBe(1);
	expect(r.stderr + r.stdout).toContain(code);
};

describe('the two-key rule through lease sign, lease verify and canary start', () => {
	it('refuses the same key twice', async () => {
		const s = sandbox();
		const lease = await setup(s);
		expect((await s.calyx(['lease', 'sign', lease, '--key', 'alice'])).code).toBe(0);
		await refusal(s.calyx(['lease', 'sign', lease, '--key', 'alice']), 'DUPLICATE_KEY');
		await refusal(s.calyx(['lease', 'verify', lease]), 'MISSING_AGENT');
		await refusal(s.calyx(['canary', 'start', lease]), 'lease verified');
	});

	it('refuses a key signing under a role it is not registered for', async () => {
		const s = sandbox();
		const lease = await setup(s);
		const path = join(s.root, 'config', 'calyx', 'keys', 'alice.pem');
		writeFileSync(path, readFileSync(path, 'utf8').replace('calyx-key-role: human', 'calyx-key-role: agent'));
		await refusal(s.calyx(['lease', 'sign', lease, '--key', 'alice']), 'ROLE_MISMATCH');
	});

	it('refuses an unknown key and a revoked key, even one that signed before its revocation', async () => {
		const s = sandbox();
		const lease = await setup(s, [['human', 'alice'], ['agent', 'ci-bot'], ['agent', 'old-bot']]);
		await s.calyx(['keys', 'revoke', 'old-bot', '--reason', 'rotated']);
		await refusal(s.calyx(['lease', 'sign', lease, '--key', 'old-bot']), 'REVOKED_KEY');
		const stranger = sandbox();
		await stranger.calyx(['init']);
		await stranger.calyx(['keys', 'add', '--role', 'agent', '--id', 'mallory', '--owner', 'mallory']);
		const keyFile = join(stranger.root, 'config', 'calyx', 'keys', 'mallory.pem');
		await refusal(s.calyx(['lease', 'sign', lease, '--key', keyFile]), 'UNKNOWN_KEY');
		await s.calyx(['lease', 'sign', lease, '--key', 'alice']);
		await s.calyx(['lease', 'sign', lease, '--key', 'ci-bot']);
		expect((await s.calyx(['lease', 'verify', lease])).code).toBe(0);
		await s.calyx(['keys', 'revoke', 'ci-bot', '--reason', 'compromised']);
		await refusal(s.calyx(['lease', 'verify', lease]), 'REVOKED_KEY');
		await refusal(s.calyx(['canary', 'start', lease]), 'REVOKED_KEY');
	});

	it('refuses signatures over other content, and signatures copied from another lease', async () => {
		const s = sandbox();
		const a = await setup(s);
		const b = await issue(s);
		for (const lease of [a, b]) for (const key of ['alice', 'ci-bot']) await s.calyx(['lease', 'sign', lease, '--key', key]);
		await tamper(s, state => {
			state.leases.find((l: Doc) => l.id === a).plan.bakeMs = 1;
		});
		await refusal(s.calyx(['lease', 'verify', a]), 'CONTENT_CHANGED');
		await refusal(s.calyx(['canary', 'start', a]), 'BAD_SIGNATURE');
		await tamper(s, state => {
			const [la, lb] = [a, b].map(id => state.leases.find((l: Doc) => l.id === id));
			lb.cosignatures[0].signature = la.cosignatures[0].signature;
		});
		await refusal(s.calyx(['lease', 'verify', b]), 'REPLAYED_SIGNATURE');
	});

	it('refuses an expired lease at signing, verification and start', async () => {
		const s = sandbox();
		await setup(s);
		const lease = await issue(s, ['--ttl', '1s']);
		await s.calyx(['lease', 'sign', lease, '--key', 'alice']);
		const deadline = Date.now() + 15_000;
		let verify = await s.calyx(['lease', 'verify', lease]);
		while (!verify.stdout.includes('EXPIRED') && Date.now() < deadline) verify = await s.calyx(['lease', 'verify', lease]);
		expect(verify.code).toBe(1);
		expect(verify.stdout).toContain('EXPIRED');
		await refusal(s.calyx(['lease', 'sign', lease, '--key', 'ci-bot']), 'EXPIRED');
		await refusal(s.calyx(['canary', 'start', lease]), 'EXPIRED');
	});

	it('starts one deployment per lease', async () => {
		const s = sandbox();
		const lease = await setup(s);
		for (const key of ['alice', 'ci-bot']) await s.calyx(['lease', 'sign', lease, '--key', key]);
		expect((await s.calyx(['canary', 'start', lease])).code).toBe(0);
		await refusal(s.calyx(['canary', 'start', lease]), 'CONSUMED');
		await refusal(s.calyx(['lease', 'sign', lease, '--key', 'alice']), 'CONSUMED');
	});
});
