import {appendFileSync, existsSync, readdirSync, readFileSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {describe, expect, it} from 'vitest';
import {chain} from '../../src/store/audit-log.js';
import {rewriteTrail} from '../store/forge.js';
import {sandbox, snapshot} from './helpers.js';

type Doc = Record<string, any>;

/** A data directory where a key was registered, then revoked, then more was written. */
async function revokedKey() {
	const s = sandbox({suiteTrust: true});
	expect((await s.calyx(['init'])).code).toBe(0);
	expect((await s.calyx(['keys', 'add', '--role', 'agent', '--id', 'mallory', '--owner', 'mallory', '--out', join(s.root, 'mallory.pem')])).code).toBe(0);
	expect((await s.calyx(['keys', 'revoke', 'mallory', '--reason', 'laptop stolen'])).code).toBe(0);
	expect((await s.calyx(['intent', 'create', '--service', 'checkout', '--from', '1.0.0', '--to', '1.1.0'])).code).toBe(0);
	const revoked = (await s.json<{events: Doc[]}>(['audit', 'list'])).doc.events.find(e => e.kind === 'key.revoked')!;
	return {s, revoked};
}

describe('calyx audit verify against witnesses and checkpoints', () => {
	it('reports a trail rewritten whole (a key.revoked removed, every hash and the head recomputed), naming the witnessed head; writes refuse', async () => {
		const {s, revoked} = await revokedKey();
		rewriteTrail(s.data, lines => lines.filter(l => l.kind !== 'key.revoked'));
		const text = await s.calyx(['audit', 'verify']);
		expect(text.code).toBe(1);
		expect(text.stdout).toMatch(new RegExp(`AUDIT TRAIL CONTRADICTS A WITNESSED HEAD.*: seq ${revoked.seq} was ${revoked.hash.slice(0, 12)}… per a witness \\(write\\)`));
		const json = await s.json<Doc>(['audit', 'verify']);
		expect(json.code).toBe(1);
		expect(json.doc.ok).toBe(false);
		expect(json.doc.witnesses.contradicted[0]).toMatchObject({seq: revoked.seq, hash: revoked.hash, source: 'witness', by: 'write'});
		const write = await s.calyx(['intent', 'create', '--service', 'checkout', '--from', '1.1.0', '--to', '1.2.0']);
		expect(write.code).toBe(1);
		expect(write.stderr).toMatch(/audit\.ndjson does not verify .*calyx does not extend a chain that does not verify/);
	});

	it('checks a shipped checkpoint (--json, or a syslog line) and reports a forged one', async () => {
		const {s, revoked} = await revokedKey();
		const signed = await s.json<Doc>(['audit', 'checkpoint']);
		expect(signed.code).toBe(0);
		expect(signed.doc).toMatchObject({v: 1, kind: 'calyx.checkpoint', seq: revoked.seq + 1, signer: expect.stringMatching(/^[0-9a-f]{64}$/)});
		const line = await s.calyx(['audit', 'checkpoint']);
		expect(line.stdout).toMatch(/^calyx-checkpoint \{"v":1,/);
		const shipped = join(s.root, 'head.json');
		const syslog = join(s.root, 'syslog');
		writeFileSync(shipped, signed.stdout);
		writeFileSync(syslog, `Nov 25 10:00:00 box calyx: ${line.stdout}`);
		const checked = await s.json<Doc>(['audit', 'verify', '--witness', shipped, '--witness', syslog]);
		expect(checked.code).toBe(0);
		expect(checked.doc.witnesses.files).toEqual(expect.arrayContaining([shipped, syslog]));
		// Rewritten whole, and judged where none of this user's witnesses are (another box): the shipped checkpoint tells.
		rewriteTrail(s.data, lines => lines.filter(l => l.kind !== 'key.revoked'));
		const elsewhere = {env: {XDG_STATE_HOME: join(s.root, 'other-state')}};
		// Without the checkpoint, only the key registry still shows the revocation the rewrite dropped.
		const alone = await s.calyx(['audit', 'verify'], elsewhere);
		expect(alone.code).toBe(1);
		expect(alone.stdout).toContain("mallory: the trail lacks the document's revoke statement(s)");
		expect(alone.stdout).not.toContain('CONTRADICTS A WITNESSED HEAD');
		const caught = await s.calyx(['audit', 'verify', '--witness', shipped], elsewhere);
		expect(caught.code).toBe(1);
		expect(caught.stdout).toMatch(new RegExp(`seq ${revoked.seq + 1} was .* per a checkpoint signed by ${signed.doc.signer.slice(0, 16)}`));
		const forged = join(s.root, 'forged.json');
		writeFileSync(forged, JSON.stringify({...signed.doc, at: '2026-01-01T00:00:00.000Z'}));
		const refused = await s.calyx(['audit', 'verify', '--witness', forged], elsewhere);
		expect(refused.code).toBe(1);
		expect(refused.stdout).toMatch(/FORGED CHECKPOINT in .*forged\.json: .*its signature does not match its content/);
	});
});

describe('a line appended by hand past the head', () => {
	it('is adopted neither by the next write nor by repair, which moves it aside and says so', async () => {
		const {s} = await revokedKey();
		const state = JSON.parse(readFileSync(join(s.data, 'state.json'), 'utf8')) as {rev: number; auditHead: {seq: number; hash: string}};
		const forged = chain([{at: '2026-11-25T10:00:00.000Z', actor: 'human:alice', kind: 'key.registered', subject: 'eve', reason: 'slipped in', data: {}}], state.rev + 1, state.auditHead);
		appendFileSync(join(s.data, 'audit.ndjson'), forged.bytes);
		const write = await s.calyx(['intent', 'create', '--service', 'checkout', '--from', '1.1.0', '--to', '1.2.0']);
		expect(write.code).toBe(1);
		expect(write.stderr).toMatch(/are not adopted: no calyx commit began them/);
		const dry = await s.calyx(['repair', '--dry-run']);
		expect(dry.stdout).toMatch(/move audit seq \d+–\d+ beside the log, not adopted/);
		expect((await s.calyx(['repair'])).code).toBe(0);
		const events = (await s.json<{events: Doc[]}>(['audit', 'list'])).doc.events;
		expect(events.some(e => e.subject === 'eve')).toBe(false);
		expect(events.at(-1)).toMatchObject({kind: 'audit.unadopted'});
		expect((await s.calyx(['audit', 'verify'])).code).toBe(0);
		expect((await s.calyx(['intent', 'create', '--service', 'checkout', '--from', '1.1.0', '--to', '1.2.0'])).code).toBe(0);
	});
});

describe("this user's witnesses", () => {
	it('are written outside the data directory: reads leave it byte-identical', async () => {
		const {s} = await revokedKey();
		const before = snapshot(s.data);
		for (const args of [['audit', 'list'], ['audit', 'verify'], ['intent', 'list'], ['repair', '--dry-run']]) {
			expect((await s.calyx(args)).code).toBe(0);
			expect(snapshot(s.data), args.join(' ')).toEqual(before);
		}
		expect(readdirSync(join(s.root, 'state', 'calyx', 'witness'))).toHaveLength(1);
	});

	it('that cannot be kept (an unwritable state home) fail neither reads nor writes, and warn once', async () => {
		const {s} = await revokedKey();
		const notADir = join(s.root, 'a-file');
		writeFileSync(notADir, '');
		const env = {env: {XDG_STATE_HOME: join(notADir, 'state')}};
		for (const args of [['audit', 'list'], ['audit', 'verify'], ['intent', 'create', '--service', 'checkout', '--from', '1.1.0', '--to', '1.2.0']]) {
			const run = await s.calyx(args, env);
			expect([args.join(' '), run.code]).toEqual([args.join(' '), 0]);
			expect(run.stderr.split('\n').filter(l => /warning/.test(l)).length).toBeLessThanOrEqual(1);
		}
		expect(existsSync(join(notADir, 'state'))).toBe(false);
	});
});
