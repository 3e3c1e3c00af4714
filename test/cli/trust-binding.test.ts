/**
 * A data directory bound to one trust: a group member with a trust file of their own (CALYX_TRUST)
 * writes nothing there, and only the bound trust's admins move the directory to another trust.
 */
import {spawn} from 'node:child_process';
import {readFileSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {describe, expect, it} from 'vitest';
import {execute, generateKeyPair, ManualClock, Signers} from '../../src/core/index.js';
import {initStore} from '../../src/store/index.js';
import {BIN, sandbox, snapshot, waitFor} from './helpers.js';

type Doc = Record<string, any>;

async function twoTrusts() {
	const s = sandbox();
	const made = async (name: string, more: string[] = []) => {
		const out = join(s.root, `${name}.json`);
		const key = join(s.root, `${name}-admin.pem`);
		expect((await s.calyx(['trust', 'init', '--out', out, '--admin-out', key, '--admin', `${name}-admin`, ...more])).code).toBe(0);
		return {env: {CALYX_TRUST: out}, out, key};
	};
	const ops = await made('ops');
	const rogue = await made('rogue');
	// The trust ops moves to: its admin, and a new one (what adding an admin takes).
	const opsPublic = join(s.root, 'ops-admin.pub.pem');
	writeFileSync(opsPublic, (JSON.parse(readFileSync(ops.out, 'utf8')) as {admins: Array<{publicKey: string}>}).admins[0]!.publicKey);
	const next = await made('next', ['--add-admin', opsPublic]);
	expect((await s.calyx(['init'], {env: ops.env})).code).toBe(0);
	const first = await s.calyx(['keys', 'add', '--role', 'human', '--id', 'alice', '--owner', 'alice', '--admin-key', ops.key], {env: ops.env});
	expect(first.code).toBe(0);
	return {s, ops, rogue, next};
}

/** A store as a version before binding left it: alice registered under A's trust file, no binding in the trail. */
async function olderStore() {
	const s = sandbox();
	const admin = generateKeyPair();
	const file = join(s.root, 'a.json');
	writeFileSync(file, JSON.stringify({v: 1, kind: 'calyx.trust', demo: false, threshold: 1, admins: [{id: 'a-admin', publicKey: admin.publicKey}], separationOfDuties: true}));
	const A = new Signers([admin], {source: file});
	const {store} = await initStore(s.data, {trust: A.trust, anchor: {stateHome: join(s.root, 'state-a')}});
	await store.mutate(state => {
		const out = execute(state, A.register({id: 'alice', role: 'human', owner: 'alice', ...generateKeyPair()}, '2026-12-04T10:00:00.000Z'), {clock: new ManualClock(Date.parse('2026-12-04T10:00:00.000Z')), trust: A.trust});
		return {state: out.state, events: out.events, result: undefined};
	});
	await store.close();
	return {s, admin, file};
}

describe('a data directory bound to its trust', () => {
	it('the first key binds it; trust show says to which, and whether it is this process\'s', async () => {
		const {s, ops, rogue} = await twoTrusts();
		const audit = await s.json<Doc>(['audit', 'list'], {env: ops.env});
		expect(audit.doc.events.map((e: Doc) => e.kind)).toEqual(['store.trust_bound', 'key.registered']);
		const mine = await s.json<Doc>(['trust', 'show'], {env: ops.env});
		expect(mine.doc.store).toMatchObject({bound: 'this trust', binding: {trust: mine.doc.id, named: {source: ops.out, admins: ['ops-admin']}}});
		const theirs = await s.calyx(['trust', 'show'], {env: rogue.env});
		// Which file to run with: the trust's id, where its file lay when it bound the store, and its admins.
		expect(theirs.stdout).toContain(`is bound to another trust, trust ${String(mine.doc.id).slice(0, 16)} (bound from ${ops.out}; admin ops-admin)`);
	});

	it('under another trust file nothing is written: no key, no halt, no engine; exit 1 naming both trusts and what to do', async () => {
		const {s, ops, rogue} = await twoTrusts();
		const before = snapshot(s.data);
		const add = await s.calyx(['keys', 'add', '--role', 'agent', '--id', 'mallory-bot', '--owner', 'mallory', '--admin-key', rogue.key], {env: rogue.env});
		expect(add.code).toBe(1);
		expect(add.stderr).toContain(`this store is bound to trust `);
		expect(add.stderr).toContain(`(bound from ${ops.out}; admin ops-admin)`);
		expect(add.stderr).toContain(rogue.out);
		expect(add.stderr).toContain('calyx trust rebind');
		const intent = await s.json<Doc>(['intent', 'create', '--service', 'checkout', '--from', '1.0.0', '--to', '1.1.0'], {env: rogue.env});
		expect(intent.code).toBe(1);
		expect(intent.doc).toMatchObject({ok: false, error: {code: 'TRUST_MISMATCH'}});
		const engine = await s.json<Doc>(['engine', '--once'], {env: rogue.env});
		expect(engine.doc).toMatchObject({ok: false, error: {code: 'TRUST_MISMATCH', message: expect.stringContaining('it does not lead')}});
		expect(snapshot(s.data)).toEqual(before);
		// What it can read, it is told it cannot trust.
		const keys = await s.json<Doc>(['keys', 'list'], {env: rogue.env});
		expect(keys.doc.keys[0]).toMatchObject({id: 'alice', trusted: false, status: expect.stringContaining('this store is bound to trust')});
		expect((await s.calyx(['keys', 'add', '--role', 'agent', '--id', 'ci-bot', '--owner', 'ci-bot', '--admin-key', ops.key], {env: ops.env})).code).toBe(0);
	});

	it('moves to a new trust only with the bound trust\'s admin signature; then the old trust writes nothing', async () => {
		const {s, ops, rogue, next} = await twoTrusts();
		const before = snapshot(s.data);
		// A key of another trust: said so at the flag (exit 2), not counted as a missing signature.
		const forged = await s.json<Doc>(['trust', 'rebind', '--from', ops.out, '--admin-key', next.key, '--reason', 'take over'], {env: next.env});
		expect(forged.code).toBe(2);
		expect(forged.doc.error).toMatchObject({message: expect.stringContaining(`--admin-key: ${next.key} is not an admin of the trust in --from (${ops.out}), whose admins are ops-admin`)});
		const wrongFrom = await s.json<Doc>(['trust', 'rebind', '--from', next.out, '--admin-key', next.key, '--reason', 'take over'], {env: next.env});
		expect(wrongFrom.doc.error).toMatchObject({code: 'WRONG_TRUST', message: expect.stringContaining('--from')});
		// The bound trust's own admin key with another --from: the --from is what is wrong, and said so.
		const rightKey = await s.json<Doc>(['trust', 'rebind', '--from', rogue.out, '--admin-key', ops.key, '--reason', 'take over'], {env: next.env});
		expect(rightKey.doc.error).toMatchObject({code: 'WRONG_TRUST', message: expect.stringContaining('--from')});
		const noReason = await s.calyx(['trust', 'rebind', '--from', ops.out, '--admin-key', ops.key, '--reason', 'a\u001b[2Jb'], {env: next.env});
		expect(noReason.code).toBe(2);
		expect(noReason.stderr).toContain('--reason');
		expect(snapshot(s.data)).toEqual(before);

		const moved = await s.json<Doc>(['trust', 'rebind', '--from', ops.out, '--admin-key', ops.key, '--reason', 'the new trust file'], {env: next.env});
		expect(moved.code).toBe(0);
		expect(moved.doc).toMatchObject({ok: true, trust: next.out});
		expect((await s.calyx(['keys', 'add', '--role', 'agent', '--id', 'ci-bot', '--owner', 'ci-bot', '--admin-key', next.key], {env: next.env})).code).toBe(0);
		const old = await s.json<Doc>(['keys', 'add', '--role', 'agent', '--id', 'bot-2', '--owner', 'bot-2', '--admin-key', ops.key], {env: ops.env});
		expect(old.doc.error).toMatchObject({code: 'TRUST_MISMATCH'});
		const again = await s.json<Doc>(['trust', 'rebind', '--from', ops.out, '--admin-key', ops.key, '--reason', 'again'], {env: next.env});
		expect(again.doc.error).toMatchObject({code: 'ALREADY_BOUND'});
		// The keys the old trust's admin registered stay trusted: that admin is in the new trust too.
		const keys = await s.json<Doc>(['keys', 'list'], {env: next.env});
		expect(keys.doc.keys.map((k: Doc) => [k.id, k.trusted])).toEqual([['alice', true], ['ci-bot', true]]);
		expect((await s.json<Doc>(['audit', 'verify'], {env: next.env})).doc).toMatchObject({ok: true});
		// Under the trust it moved from: told where the store is bound now.
		const fromOld = await s.calyx(['audit', 'verify'], {env: ops.env});
		expect(fromOld.stdout).toContain(`BOUND TO ANOTHER TRUST: the trail binds this store to trust `);
		expect(fromOld.stdout).toContain(`(bound from ${next.out}; admins next-admin, admin-2)`);
	});

	it('a rebind to a trust without the admins who registered the keys says which keys sign nothing from now on', async () => {
		const {s, ops, rogue} = await twoTrusts();
		const moved = await s.calyx(['trust', 'rebind', '--from', ops.out, '--admin-key', ops.key, '--reason', 'new admins'], {env: rogue.env});
		expect(moved.code).toBe(0);
		expect(moved.stdout).toContain('1 key(s) no admin of this trust signed now sign nothing (leases and tiers they cosign are refused) until their holders have new keys registered under it (calyx keys add with a new --id): alice');
		// audit verify under the new trust: alice is the trail's (signed under the trust it moved from), and says what she is now.
		const verify = await s.calyx(['audit', 'verify'], {env: rogue.env});
		expect(verify.code).toBe(0);
		expect(verify.stdout).toContain('1 key(s) signed under a trust the store was rebound from, not by this trust\'s admins (alice)');
	});

	it('trust show on a store an older version made says whether this process would bind it, or writes nothing there', async () => {
		const {s} = await olderStore();
		const rogue = join(s.root, 'rogue.json');
		expect((await s.calyx(['trust', 'init', '--out', rogue, '--admin-out', join(s.root, 'rogue.pem')])).code).toBe(0);
		const shown = await s.calyx(['trust', 'show'], {env: {CALYX_TRUST: rogue}});
		expect(shown.stdout).toContain('is bound to no trust yet, and this process writes nothing there: this store is bound to no trust yet and holds 1 keys and 0 services, none signed by this process\'s trust');
		const before = snapshot(s.data);
		expect((await s.calyx(['config', 'set', 'plan.bakeMs', '1s'], {env: {CALYX_TRUST: rogue}})).code).toBe(1);
		expect(snapshot(s.data)).toEqual(before);
	});

	it('on a store an older version made, a trust listing its admin beside a stranger\'s neither leads an engine nor binds it; its own trust is told it would', async () => {
		const {s, admin, file} = await olderStore();
		const superset = join(s.root, 'superset.json');
		const stranger = generateKeyPair();
		writeFileSync(superset, JSON.stringify({v: 1, kind: 'calyx.trust', demo: false, threshold: 1, admins: [{id: 'a-admin', publicKey: admin.publicKey}, {id: 'mallory', publicKey: stranger.publicKey}], separationOfDuties: true}));
		const before = snapshot(s.data);
		const engine = await s.json<Doc>(['engine', '--once'], {env: {CALYX_TRUST: superset}});
		expect(engine.code).toBe(1);
		expect(engine.doc.error).toMatchObject({code: 'TRUST_MISFIT', message: expect.stringContaining('admin mallory of this process\'s trust')});
		expect(engine.doc.error.message).toContain('An engine here would write nothing: it does not lead');
		expect(snapshot(s.data)).toEqual(before);
		const own = await s.calyx(['trust', 'show'], {env: {CALYX_TRUST: file}});
		expect(own.stdout).toContain('this process\'s next write binds it to this trust, which only this trust\'s admins can move after');
		// Without a trust file: told it has none, and nothing written.
		const none = await s.json<Doc>(['config', 'set', 'plan.bakeMs', '1s'], {env: {CALYX_TRUST: join(s.root, 'nowhere.json')}});
		expect(none.code).not.toBe(0);
		expect(snapshot(s.data)).toEqual(before);
	});

	it('trust show on a trail that does not verify says its binding cannot be checked, as a read says it', async () => {
		const {s, ops} = await twoTrusts();
		const audit = join(s.data, 'audit.ndjson');
		writeFileSync(audit, readFileSync(audit, 'utf8').replace('the data directory is bound', 'the data directory is b0und'));
		const shown = await s.calyx(['trust', 'show'], {env: ops.env});
		expect(shown.stdout).toMatch(/its binding cannot be checked: .*audit\.ndjson does not verify at line 1 .*\(calyx audit verify says more\)/);
		expect(shown.stdout).not.toContain('Nothing was written');
	});

	it('an engine leading under the old trust stops once the store moves on, and lets go of the lead', async () => {
		const {s, ops, next} = await twoTrusts();
		const child = spawn(process.execPath, [BIN, 'engine', '--interval', '200ms'], {env: {...s.env, ...ops.env}, stdio: ['ignore', 'pipe', 'pipe']});
		let out = '';
		let err = '';
		child.stdout!.on('data', d => (out += d));
		child.stderr!.on('data', d => (err += d));
		const exited = new Promise<number>(done => child.on('exit', code => done(code ?? -1)));
		try {
			await waitFor(() => out.includes('leader: driving'));
			expect((await s.calyx(['trust', 'rebind', '--from', ops.out, '--admin-key', ops.key, '--reason', 'new file'], {env: next.env})).code).toBe(0);
			expect(await exited).toBe(1);
			expect(err).toContain('calyx engine: stopping: this store is bound to trust');
			// The lead is free: an engine under the store's trust now leads.
			expect((await s.json<Doc>(['engine', '--once'], {env: next.env})).doc).toMatchObject({ok: true, role: 'leader'});
		} finally {
			child.kill('SIGKILL');
		}
	});
});
