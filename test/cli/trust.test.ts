import {chmodSync, existsSync, readFileSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {describe, expect, it} from 'vitest';
import {addKeys, sandbox, signedLease, snapshot} from './helpers.js';

type Doc = Record<string, any>;
type Box = ReturnType<typeof sandbox>;

/** A production-like trust: one admin key, the trust file named by CALYX_TRUST (as /etc/calyx/trust.json would be). */
async function realTrust(s: Box, extra: string[] = []) {
	const made = await s.json<Doc>(['trust', 'init', '--out', join(s.root, 'trust.json'), '--admin', 'root-admin', ...extra]);
	expect(made.code).toBe(0);
	Object.assign(s.env, {CALYX_TRUST: join(s.root, 'trust.json')});
	return made.doc as {adminKey: string; trust: string};
}

const editState = (s: Box, edit: (state: Doc) => void) => {
	const path = join(s.data, 'state.json');
	const state = JSON.parse(readFileSync(path, 'utf8'));
	edit(state);
	writeFileSync(path, JSON.stringify(state));
};

describe('the trust file governs the key registry', () => {
	it('one person cannot hold both roles: an agent key for the owner of a human key is refused', async () => {
		const s = sandbox();
		await s.calyx(['init']);
		expect((await s.calyx(['keys', 'add', '--role', 'human', '--id', 'alice', '--owner', 'alice'])).code).toBe(0);
		const both = await s.calyx(['keys', 'add', '--role', 'agent', '--id', 'alice-bot', '--owner', 'alice']);
		expect(both.code).toBe(1);
		expect(both.stderr).toContain('alice already holds human key alice: one owner cannot hold both a human and an agent key');
		// Nothing registered, and the private key written first was taken back.
		expect((await s.json<Doc>(['keys', 'list'])).doc.keys.map((k: Doc) => k.id)).toEqual(['alice']);
		expect(() => readFileSync(join(s.root, 'config', 'calyx', 'keys', 'alice-bot.pem'))).toThrow();
	});

	it('under a real trust, registering takes an admin signature; without one, exit 2 and nothing changes', async () => {
		const s = sandbox();
		const {adminKey} = await realTrust(s);
		await s.calyx(['init']);
		const before = snapshot(s.data);
		const refused = await s.calyx(['keys', 'add', '--role', 'human', '--id', 'alice', '--owner', 'alice']);
		expect(refused.code).toBe(2);
		expect(refused.stderr).toMatch(/--admin-key: register of key alice carries 0 valid admin signature\(s\) of .*trust\.json; 1 needed/);
		expect(snapshot(s.data)).toEqual(before);
		const added = await s.json<Doc>(['keys', 'add', '--role', 'human', '--id', 'alice', '--owner', 'alice', '--admin-key', adminKey]);
		expect(added.code).toBe(0);
		expect(added.doc).toMatchObject({owner: 'alice', demo: false});
		const shown = await s.calyx(['trust', 'show']);
		expect(shown.stdout).toContain('(1 of 1 admins)');
		expect(shown.stdout).not.toContain('demo trust');
	});

	it('a threshold of two: the request travels to each admin (trust sign), then applies', async () => {
		const s = sandbox();
		const second = await s.json<Doc>(['trust', 'init', '--out', join(s.root, 'second.json'), '--admin', 'bob-admin']);
		const bobPub = join(s.root, 'bob-admin.pub.pem');
		writeFileSync(bobPub, JSON.parse(readFileSync(second.doc.trust, 'utf8')).admins[0].publicKey);
		const {adminKey} = await realTrust(s, ['--threshold', '2', '--add-admin', bobPub]);
		await s.calyx(['init']);
		const request = join(s.root, 'alice.request.json');
		expect((await s.calyx(['keys', 'add', '--role', 'human', '--id', 'alice', '--owner', 'alice', '--request-out', request])).code).toBe(0);
		expect((await s.calyx(['keys', 'apply', request])).code).toBe(1);
		const one = await s.json<Doc>(['trust', 'sign', request, '--admin-key', adminKey]);
		expect(one.doc).toMatchObject({signatures: 1, threshold: 2, ready: false});
		// The same admin twice is still one admin.
		expect((await s.json<Doc>(['trust', 'sign', request, '--admin-key', adminKey])).doc.signatures).toBe(1);
		expect((await s.json<Doc>(['trust', 'sign', request, '--admin-key', second.doc.adminKey])).doc).toMatchObject({signatures: 2, ready: true});
		expect((await s.calyx(['keys', 'apply', request])).code).toBe(0);
		expect((await s.json<Doc>(['keys', 'list'])).doc.keys).toEqual([expect.objectContaining({id: 'alice', trusted: true, status: 'active'})]);
	});

	it('a key written into state.json by hand signs nothing, and keys list says why', async () => {
		const s = sandbox();
		await signedLease(s);
		await s.calyx(['keys', 'add', '--role', 'agent', '--id', 'spare', '--owner', 'spare', '--out', join(s.root, 'spare.pem')]);
		const mallory = join(s.root, 'mallory.pem');
		writeFileSync(mallory, readFileSync(join(s.root, 'spare.pem'), 'utf8').replace('calyx-key-id: spare', 'calyx-key-id: mallory'), {mode: 0o600});
		// Copy the spare key's record under a new id without its statements: a forged registration.
		editState(s, state => {
			const spare = state.keys.find((k: Doc) => k.id === 'spare');
			state.keys = state.keys.filter((k: Doc) => k.id !== 'spare');
			state.keys.push({...spare, id: 'mallory', statements: undefined});
		});
		const audit = await s.calyx(['audit', 'verify']);
		expect(audit.code).toBe(1);
		expect(audit.stdout).toContain('KEY REGISTRY DIFFERS FROM THE AUDIT TRAIL:\n  mallory: in the document, but no registration of it is in the audit trail');
		expect(audit.stdout).toContain('spare: registered in the audit trail, but missing from the document');
		const listed = (await s.json<Doc>(['keys', 'list'])).doc.keys.find((k: Doc) => k.id === 'mallory');
		expect(listed).toMatchObject({trusted: false, status: expect.stringContaining('no admin statement registers it')});
		const intent = (await s.json<Doc>(['intent', 'create', '--service', 'mail', '--from', '1', '--to', '2', '--key', 'ci-bot'])).doc;
		await s.calyx(['intent', 'approve', intent.id, '--key', 'alice']);
		const lease = (await s.json<Doc>(['lease', 'issue', intent.id])).doc;
		const signed = await s.calyx(['lease', 'sign', lease.id, '--key', mallory]);
		expect(signed.code).toBe(1);
		expect(signed.stderr).toContain('key mallory: no admin statement registers it: not a key');
	});

	it('a revoked key revived by deleting revokedAt, then its revocation statement too, stays revoked: nothing it signed verifies or starts', async () => {
		const s = sandbox();
		const {leaseId} = await signedLease(s);
		expect((await s.calyx(['keys', 'revoke', 'ci-bot', '--reason', 'laptop lost'])).code).toBe(0);
		editState(s, state => {
			const key = state.keys.find((k: Doc) => k.id === 'ci-bot');
			delete key.revokedAt;
			delete key.revokeReason;
		});
		const verified = await s.json<Doc>(['lease', 'verify', leaseId]);
		expect(verified.code).toBe(1);
		expect(JSON.stringify(verified.doc.reasons)).toContain('revocation differ from its signed statements');
		expect((await s.calyx(['canary', 'start', leaseId])).code).toBe(1);
		// Dropping the revocation statement too: the record is consistent again, the trail is not,
		// and the trail decides: the key signs nothing, and a read says what a write would refuse.
		editState(s, state => void state.keys.find((k: Doc) => k.id === 'ci-bot').statements.pop());
		const audit = await s.json<Doc>(['audit', 'verify']);
		expect(audit.code).toBe(1);
		expect(audit.doc.registry.differences).toEqual([{keyId: 'ci-bot', problem: 'the document lacks its revoke statement(s)'}]);
		const again = await s.json<Doc>(['lease', 'verify', leaseId]);
		expect(again.code).toBe(1);
		expect(JSON.stringify(again.doc.reasons)).toContain('KEY_NOT_IN_TRAIL');
		const start = await s.calyx(['canary', 'start', leaseId]);
		expect(start.code).toBe(1);
		expect(start.stderr).toMatch(/key ci-bot: the document differs from the audit trail \(see calyx audit verify\): its statements are not the trail's/);
		expect(JSON.stringify((await s.json<Doc>(['canary', 'list'])).doc.deployments)).not.toContain(leaseId);
		const keys = await s.json<Doc>(['keys', 'list']);
		expect(JSON.stringify(keys.doc)).toContain('KEY_NOT_IN_TRAIL');
	});

	it('refuses a trust file others can write, with the chmod that fixes it', async () => {
		const s = sandbox();
		const {trust} = await realTrust(s);
		chmodSync(trust, 0o666);
		const run = await s.calyx(['keys', 'list']);
		expect(run.code).toBe(1);
		expect(run.stderr).toContain(`trust file refused: ${trust} is writable by others (mode 666): run chmod go-w ${trust}`);
	});

	it('init under a trust file that does not exist yet creates nothing, and says how to make one', async () => {
		const s = sandbox();
		const trust = join(s.root, 'trust.json');
		const env = {CALYX_TRUST: trust};
		const run = await s.calyx(['init'], {env});
		expect(run.code).toBe(1);
		expect(run.stderr).toBe(`calyx: trust file ${trust} (CALYX_TRUST) does not exist: make one with calyx trust init --out ${trust}, or set CALYX_TRUST=demo for your own demo trust (not for production); nothing was created\n`);
		expect(existsSync(s.data)).toBe(false);
		// A trust file that is there but refused: the same, with the store's reason.
		await realTrust(s);
		chmodSync(trust, 0o666);
		const refused = await s.json<Doc>(['init'], {env});
		expect(refused.doc.error).toMatchObject({code: 'UNSAFE', exitCode: 1, message: expect.stringMatching(/is writable by others .*; nothing was created$/)});
		expect(existsSync(s.data)).toBe(false);
		chmodSync(trust, 0o644);
		expect((await s.calyx(['init'], {env})).code).toBe(0);
		expect(existsSync(join(s.data, 'state.json'))).toBe(true);
	});

	it('trust init over an existing file writes nothing; a request whose reason holds a control character is refused at entry', async () => {
		const s = sandbox();
		const {adminKey} = await realTrust(s);
		const again = await s.calyx(['trust', 'init', '--out', join(s.root, 'trust.json'), '--admin', 'second-admin']);
		expect(again.code).toBe(2);
		expect(again.stderr).toContain('an existing trust file is never overwritten); nothing was written');
		expect(existsSync(join(s.root, 'config', 'calyx', 'keys', 'second-admin.pem'))).toBe(false);
		await s.calyx(['init']);
		const request = join(s.root, 'bob.json');
		expect((await s.calyx(['keys', 'add', '--role', 'human', '--id', 'bob', '--owner', 'bob', '--request-out', request])).code).toBe(0);
		const doc = JSON.parse(readFileSync(request, 'utf8'));
		doc.statement.reason = 'fine\u001b[2Jsigned';
		writeFileSync(request, JSON.stringify(doc));
		const signed = await s.calyx(['trust', 'sign', request, '--admin-key', adminKey]);
		expect(signed.code).toBe(2);
		expect(signed.stderr).toMatch(/statement\.reason: contains a control character \(\\x1b at character 5\)/);
	});

	it('names the demo trust wherever it is shown', async () => {
		const s = sandbox();
		await s.calyx(['init']);
		await addKeys(s);
		expect((await s.calyx(['keys', 'list'])).stdout.split('\n')[0]).toBe('demo trust: not for production');
		expect((await s.calyx(['trust', 'show'])).stdout).toMatch(/^demo trust: not for production\n/);
		expect((await s.calyx(['keys', 'add', '--role', 'human', '--id', 'bob', '--owner', 'bob'])).stdout).toContain('under the demo trust: not for production');
	});
});

describe('identities are signed, labels are labels', () => {
	it('the proposer cannot approve their own intent (separation of duties)', async () => {
		const s = sandbox();
		await s.calyx(['init']);
		await addKeys(s);
		const intent = (await s.json<Doc>(['intent', 'create', '--service', 'checkout', '--from', '1.0', '--to', '1.1', '--key', 'alice'])).doc;
		expect(intent.proposal).toEqual({keyId: 'alice', owner: 'alice'});
		const self = await s.calyx(['intent', 'approve', intent.id, '--key', 'alice']);
		expect(self.code).toBe(1);
		expect(self.stderr).toContain(`alice proposed ${intent.id}: separation of duties needs another person to approve it`);
		const unsigned = await s.calyx(['intent', 'create', '--service', 'checkout', '--from', '1.0', '--to', '1.2']);
		expect(unsigned.code).toBe(1);
		expect(unsigned.stderr).toContain('separation of duties: an intent is proposed with a key');
		const byAgent = await s.calyx(['intent', 'approve', intent.id, '--key', 'ci-bot']);
		expect(byAgent.stderr).toContain('an approval is signed by a human key');
	});

	it('CALYX_ACTOR cannot claim a key it does not hold', async () => {
		const s = sandbox();
		await s.calyx(['init']);
		await addKeys(s);
		const claimed = await s.calyx(['intent', 'list'], {env: {CALYX_ACTOR: 'human:alice'}});
		expect(claimed.code).toBe(0);
		const write = await s.calyx(['intent', 'create', '--service', 'a', '--from', '1', '--to', '2', '--key', 'ci-bot'], {env: {CALYX_ACTOR: 'human:alice'}});
		expect(write.code).toBe(2);
		expect(write.stderr).toContain('CALYX_ACTOR: "human:alice" names a key, and only that key\'s holder (CALYX_KEY) may act under it');
		const held = await s.calyx(['intent', 'create', '--service', 'a', '--from', '1', '--to', '2', '--key', 'ci-bot'], {env: {CALYX_ACTOR: 'agent:ci-bot', CALYX_KEY: 'ci-bot'}});
		expect(held.code).toBe(0);
		expect((await s.calyx(['intent', 'create', '--service', 'b', '--from', '1', '--to', '2', '--key', 'ci-bot'], {env: {CALYX_ACTOR: 'release-train'}})).code).toBe(0);
	});
});
