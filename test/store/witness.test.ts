import {appendFileSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {describe, expect, it} from 'vitest';
import type {Command} from '../../src/core/index.js';
import {Anchor, RECHECK_PERIOD_MS, SCRUB_LINES, type ChainFold} from '../../src/store/anchor.js';
import {ledgerDrift, ledgerFrom, type Ledger} from '../../src/core/ledger.js';
import {ledgerFold} from '../../src/store/ledger-fold.js';
import {chain, type StoredEvent} from '../../src/store/audit-log.js';
import {initStore, openStore, storePaths, type StoreError} from '../../src/store/index.js';
import {PrivateLog} from '../../src/store/private-log.js';
import {rewriteTrail} from './forge.js';
import {clockAt, sha, tempDir} from './helpers.js';
import {testSigners} from '../trust.js';
import {ensureDemoTrust} from '../../src/store/trust.js';

const intent = (title: string): Command => ({type: 'intent.create', fromVersion: '1.4.0', actor: 'human:alice', service: 'checkout', toVersion: '1.5.0', title});

/** A data directory with a key registered then revoked, written as one user (`home` is that user's state home). */
async function withRevokedKey(home = tempDir()) {
	const dir = tempDir();
	const {store} = await initStore(dir, {anchor: {stateHome: home}});
	const clock = clockAt();
	const {amendment, generateKeyPair, signStatement} = await import('../../src/core/index.js');
	const signers = testSigners();
	await store.run(signers.register({id: 'mallory', role: 'agent', owner: 'mallory', ...generateKeyPair()}, '2026-11-25T10:00:00.000Z'), {clock});
	const record = (await store.read()).keys[0]!;
	await store.run({type: 'key.revoke', actor: 'admin', statement: signStatement(amendment(record, 'revoke', '2026-11-25T10:00:00.000Z', 'laptop stolen'), [ensureDemoTrust().admin])}, {clock});
	for (let i = 0; i < 3; i++) await store.run(intent(`after-${i}`), {clock});
	return {dir, home, store, clock};
}

const failure = (p: Promise<unknown>) => p.then(() => undefined, (e: unknown) => e as StoreError);

describe('a trail rewritten whole is caught by the heads witnessed before', () => {
	for (const [what, edit] of [
		['a key.revoked event removed', (lines: Array<{kind: string}>) => lines.filter(l => l.kind !== 'key.revoked')],
		['its reason reworded', (lines: Array<{kind: string; reason: string}>) => lines.map(l => (l.kind === 'key.revoked' ? {...l, reason: 'rotated'} : l))],
	] as const) {
		it(`${what}, every hash and the head recomputed: verify names the first witnessed head it contradicts, writes refuse`, async () => {
			const {dir, home, store, clock} = await withRevokedKey();
			const revoked = (await store.audit()).find(e => e.kind === 'key.revoked')!;
			rewriteTrail(dir, edit as never);
			const reopened = await openStore(dir, {anchor: {stateHome: home}});
			const report = await reopened.verifyAudit();
			// On its own the chain is intact and matches state.json: only the witnesses tell.
			expect(report.firstBad).toBeUndefined();
			expect(report.ok).toBe(false);
			const first = report.witnesses!.contradicted[0]!;
			expect(first).toMatchObject({seq: revoked.seq, hash: revoked.hash, source: 'witness', by: 'write'});
			expect(first.file).toContain(join(home, 'calyx', 'witness'));
			const before = sha(join(dir, 'audit.ndjson'));
			const error = await failure(reopened.run(intent('hidden'), {clock}));
			expect(error).toMatchObject({code: 'TAMPERED'});
			expect(error!.message).toMatch(/does not verify .*which this user verified at .* per .*witness/);
			expect(sha(join(dir, 'audit.ndjson'))).toBe(before);
		});
	}

	it('another user, who never saw the trail, has no witness of it: only the key registry still shows the removed revocation', async () => {
		const {dir} = await withRevokedKey();
		rewriteTrail(dir, lines => lines.filter(l => l.kind !== 'key.revoked'));
		const stranger = await openStore(dir, {anchor: {stateHome: tempDir()}});
		const report = await stranger.verifyAudit();
		expect(report).toMatchObject({ok: false, witnesses: {checked: 0, contradicted: []}});
		expect(report.firstBad).toBeUndefined();
		expect(report.registry?.differences).toEqual([{keyId: 'mallory', problem: "the trail lacks the document's revoke statement(s)"}]);
	});
});

describe('writes never extend a chain that does not verify', () => {
	it('a line edited after this user\'s last verified point (another user wrote it) refuses the write, naming it', async () => {
		const {dir, home, clock} = await withRevokedKey();
		const other = await openStore(dir, {anchor: {stateHome: tempDir()}});
		for (let i = 0; i < 3; i++) await other.run(intent(`other-${i}`), {clock});
		const path = join(dir, 'audit.ndjson');
		const lines = readFileSync(path, 'utf8').split('\n');
		const at = lines.length - 3; // the second of the other user's three lines
		lines[at] = lines[at]!.replace('other-1', 'other-X');
		writeFileSync(path, lines.join('\n'));
		const me = await openStore(dir, {anchor: {stateHome: home}});
		const error = await failure(me.run(intent('mine'), {clock}));
		expect(error).toMatchObject({code: 'TAMPERED'});
		expect(error!.message).toMatch(new RegExp(`does not verify at line ${at + 1} \\(seq ${at + 1}\\): edited`));
	});

	it('a line edited in place before that point is found by the rolling re-check of older lines', async () => {
		const {dir, home, clock} = await withRevokedKey();
		const path = join(dir, 'audit.ndjson');
		// Same length: every offset after it holds, so only reading the line again can tell.
		writeFileSync(path, readFileSync(path, 'utf8').replace('"laptop stolen"', '"laptop stolEn"'));
		const error = await failure((await openStore(dir, {anchor: {stateHome: home}})).run(intent('mine'), {clock}));
		expect(error).toMatchObject({code: 'TAMPERED'});
		expect(error!.message).toMatch(/edited: the line no longer matches its hash/);
	});

	it("a process that goes on writing re-checks older lines during its commit, paced by its time, and refuses the next write when one was edited", async () => {
		const {dir, home, clock} = await withRevokedKey();
		let now = 0;
		const writer = await openStore(dir, {anchor: {stateHome: home, now: () => now}});
		await writer.run(intent('first'), {clock});
		const path = join(dir, 'audit.ndjson');
		writeFileSync(path, readFileSync(path, 'utf8').replace('"laptop stolen"', '"laptop stolEn"'));
		// Moments after its last re-check, a write re-checks no older line: it costs its own lines.
		now += RECHECK_PERIOD_MS / 8;
		await writer.run(intent('second'), {clock});
		now += RECHECK_PERIOD_MS;
		// This write's check verified its own last point; the re-check it owed ran while it committed, and found the line.
		await writer.run(intent('third'), {clock});
		const before = sha(path);
		const error = await failure(writer.run(intent('fourth'), {clock}));
		expect(error).toMatchObject({code: 'TAMPERED'});
		expect(error!.message).toMatch(/edited: the line no longer matches its hash .*which this user verified at/);
		expect(sha(path)).toBe(before);
		// Another process of this user refuses as well: the witness kept nothing past the line found.
		expect(await failure((await openStore(dir, {anchor: {stateHome: home}})).run(intent('fifth'), {clock}))).toMatchObject({code: 'TAMPERED'});
	});

	it('a trail cut back to an earlier head, state.json with it, is refused', async () => {
		const {dir, home, clock} = await withRevokedKey();
		rewriteTrail(dir, lines => lines.slice(0, -2));
		const error = await failure((await openStore(dir, {anchor: {stateHome: home}})).run(intent('mine'), {clock}));
		expect(error).toMatchObject({code: 'TAMPERED'});
		expect(error!.message).toMatch(/the committed head is seq \d+ .*behind seq/);
	});
});

describe('lines past the head that no commit began', () => {
	it('are never adopted: the next write refuses, repair says so and moves them beside the log', async () => {
		const {dir, store, clock} = await withRevokedKey();
		const state = await store.read();
		const forged = chain([{at: '2026-11-25T10:00:00.000Z', actor: 'human:alice', kind: 'key.registered', subject: 'eve', reason: 'slipped in', data: {}}], state.rev + 1, state.auditHead);
		appendFileSync(join(dir, 'audit.ndjson'), forged.bytes);
		const seq = state.auditHead.seq + 1;
		const error = await failure(store.run(intent('next'), {clock}));
		expect(error).toMatchObject({code: 'TAMPERED'});
		expect(error!.message).toMatch(new RegExp(`audit seq ${seq}–${seq} past the committed head .* are not adopted: no calyx commit began them`));
		expect((await store.repair({dryRun: true})).actions).toEqual([expect.stringMatching(new RegExp(`move audit seq ${seq}–${seq} beside the log, not adopted`))]);
		await store.repair();
		const [event] = await store.audit({limit: 1});
		expect(event).toMatchObject({kind: 'audit.unadopted', seq, data: {seqs: [seq, seq], kinds: ['key.registered']}});
		expect(readFileSync(event!.data.quarantine as string, 'utf8')).toContain('slipped in');
		expect((await store.audit()).some(e => e.subject === 'eve')).toBe(false);
		expect((await store.verifyAudit()).ok).toBe(true);
		expect((await store.run(intent('after repair'), {clock})).rev).toBeGreaterThan(state.rev);
	});
});

describe('a writer stopped past the stale window between its last check and its append', () => {
	it('appends a second line with the head\'s seq after the writer that took over: writes refuse, repair sets it aside, writes resume', async () => {
		const {dir, store, clock} = await withRevokedKey();
		const before = await store.read();
		// Both checked the trail at the same head; the one that took the lock over committed first.
		await store.run(intent('the taker'), {clock});
		const late = chain([{at: '2026-11-25T10:00:00.000Z', actor: 'human:alice', kind: 'intent.created', subject: 'INT-LATE', reason: 'the stalled writer', data: {}}], before.rev + 1, before.auditHead);
		appendFileSync(join(dir, 'audit.ndjson'), late.bytes);
		const seq = before.auditHead.seq + 1;
		const refused = await failure(store.run(intent('next'), {clock}));
		expect(refused).toMatchObject({code: 'TAMPERED', message: expect.stringContaining(`audit seq ${seq}–${seq} past the committed head`)});
		expect((await store.verifyAudit()).ok).toBe(false);
		await store.repair();
		expect((await store.audit({limit: 1}))[0]).toMatchObject({kind: 'audit.unadopted', data: {seqs: [seq, seq]}});
		expect((await store.audit()).filter(e => e.seq === seq)).toHaveLength(1);
		expect((await store.verifyAudit()).ok).toBe(true);
		expect((await store.run(intent('after repair'), {clock})).rev).toBeGreaterThan(before.rev + 1);
	});

	it('below a head the taker moved on by several commits: set aside alike, and a log cut back is still refused as cut back', async () => {
		const {dir, store, clock} = await withRevokedKey();
		const before = await store.read();
		for (const title of ['taker one', 'taker two']) await store.run(intent(title), {clock});
		const late = chain([{at: '2026-11-25T10:00:00.000Z', actor: 'human:alice', kind: 'intent.created', subject: 'INT-LATE', reason: 'the stalled writer', data: {}}], before.rev + 1, before.auditHead);
		const trail = join(dir, 'audit.ndjson');
		appendFileSync(trail, late.bytes);
		const seq = before.auditHead.seq + 1;
		expect(await failure(store.run(intent('next'), {clock}))).toMatchObject({code: 'TAMPERED', message: expect.stringContaining('do not chain from the head')});
		await store.repair();
		expect((await store.audit({limit: 1}))[0]).toMatchObject({kind: 'audit.unadopted', data: {seqs: [seq, seq]}});
		expect((await store.verifyAudit()).ok).toBe(true);
		// The head's own line gone (the log cut back to before it): refused until restored, never set aside.
		const head = (await store.read()).auditHead;
		const lines = readFileSync(trail, 'utf8').split('\n').filter(Boolean);
		writeFileSync(trail, `${lines.slice(0, -1).join('\n')}\n${late.bytes.toString('utf8')}`);
		const cut = await failure(store.run(intent('after the cut'), {clock}));
		expect(cut).toMatchObject({code: 'AUDIT_MISMATCH'});
		expect(cut!.message).toContain(`records the audit head at seq ${head.seq}`);
	});
});

describe('incremental verification', () => {
	it('costs the lines since the last verified point and a bounded re-check, not the history', async () => {
		const dir = tempDir();
		const home = tempDir();
		const {store} = await initStore(dir, {anchor: {stateHome: home}});
		const drafts = Array.from({length: 1000}, (_, i) => ({at: '2026-11-25T10:00:00.000Z', actor: 'human:alice', kind: 'demo.note', subject: 'state', reason: `n${i}`, data: {}}));
		for (let i = 0; i < 3; i++) await store.mutate(state => ({state, events: drafts, result: null}));
		const paths = storePaths(dir);
		const fresh = new Anchor(paths, {stateHome: home});
		await fresh.verify(await store.read());
		// Nothing new since the witness: the witnessed line read again, and the rolling re-check
		// (SCRUB_LINES lines, and the one it goes on from unless it starts at the first).
		expect(fresh.lastCost.fresh).toBe(1);
		expect(fresh.lastCost.scrubbed).toBeOneOf([SCRUB_LINES, SCRUB_LINES + 1]);
		const other = await openStore(dir, {anchor: {stateHome: tempDir()}});
		for (let i = 0; i < 5; i++) await other.run(intent(`other-${i}`), {clock: clockAt()});
		await fresh.verify(await store.read());
		expect(fresh.lastCost).toEqual({fresh: 1 + 5, scrubbed: SCRUB_LINES + 1});
		// Without a witness, the first verification walks the whole chain once.
		const stranger = new Anchor(paths, {stateHome: tempDir()});
		await stranger.verify(await store.read());
		expect(stranger.lastCost.fresh).toBe(3005);
	});

	it('folds the registries over the verified events, resumed from the witness by the next process', async () => {
		const {dir: seeded, home: same} = await withRevokedKey();
		const first = await openStore(seeded, {anchor: {stateHome: same}});
		const ledger = ledgerFrom((await first.anchored()).derived)!;
		expect(Object.keys(ledger.keys)).toEqual(['mallory']);
		expect(ledgerDrift(ledger, await first.read())).toEqual({keys: new Map(), services: new Map()});
		await first.run(intent('one more'), {clock: clockAt()});
		const seen: number[] = [];
		const spy: ChainFold<Ledger> = {...ledgerFold, step: (l, e: StoredEvent) => (seen.push(e.seq), ledgerFold.step(l, e))};
		const next = new Anchor(storePaths(seeded), {stateHome: same, fold: spy});
		await next.verify(await first.read());
		expect(next.derived).toEqual(ledger);
		expect(seen).toEqual([]);
		// Without this user's witness, the fold starts from the first event and comes to the same.
		const stranger = new Anchor(storePaths(seeded), {stateHome: tempDir(), fold: spy});
		await stranger.verify(await first.read());
		expect(stranger.derived).toEqual(ledger);
		// The binding to the trust, mallory's registration and revocation.
		expect(seen).toEqual([1, 2, 3]);
	});

	it('folds again from the first event, once, over a witness kept before ledgers held the configuration\'s record', async () => {
		const {dir: seeded, home} = await withRevokedKey();
		const first = await openStore(seeded, {anchor: {stateHome: home}});
		const ledger = ledgerFrom((await first.anchored()).derived)!;
		expect(ledger.config).toMatchObject({seq: 1});
		// The witness log as an older calyx wrote it: ledgers without the configuration's record.
		const witnesses = join(home, 'calyx', 'witness');
		for (const name of readdirSync(witnesses)) {
			const file = join(witnesses, name);
			const older = (line: string) => {
				const entry = JSON.parse(line);
				delete entry.derived?.ledger?.config;
				return JSON.stringify(entry);
			};
			writeFileSync(file, readFileSync(file, 'utf8').split('\n').map(line => (line ? older(line) : line)).join('\n'));
		}
		const seen: number[] = [];
		const spy: ChainFold<Ledger> = {...ledgerFold, step: (l, e: StoredEvent) => (seen.push(e.seq), ledgerFold.step(l, e))};
		const next = new Anchor(storePaths(seeded), {stateHome: home, fold: spy});
		await next.verify(await first.read());
		expect(seen).toEqual([1, 2, 3]);
		expect(next.derived).toEqual(ledger);
	});

	it('disowns a key whose revocation was cut out of the document, and only that key: writes go on', async () => {
		const {dir, home, store, clock} = await withRevokedKey();
		const {generateKeyPair} = await import('../../src/core/index.js');
		const signers = testSigners();
		const before = (await store.read()).keys[0]!;
		// The document edited as a group member could: the record as it was before its revocation.
		const path = storePaths(dir).state;
		const doc = JSON.parse(readFileSync(path, 'utf8'));
		doc.keys[0] = {...doc.keys[0], statements: doc.keys[0].statements.slice(0, 1)};
		delete doc.keys[0].revokedAt;
		delete doc.keys[0].revokeReason;
		writeFileSync(path, JSON.stringify(doc));
		const reopened = await openStore(dir, {anchor: {stateHome: home}});
		const trust = await reopened.checkedTrust();
		expect(trust.disowned?.keys.get(before.id)).toMatch(/its statements are not the trail's/);
		// A second registration still goes through: the write path works, and only the cut key is refused.
		await reopened.run(signers.register({id: 'trent', role: 'human', owner: 'trent', ...generateKeyPair()}, '2026-11-25T10:00:00.000Z'), {clock});
		expect((await reopened.checkedTrust()).disowned?.keys.has('trent')).toBe(false);
	});
});

describe("this user's witness log", () => {
	it('stays bounded: the newest entries and one per thousand seqs before them', async () => {
		const log = new PrivateLog(join(tempDir(), 'w.ndjson'), raw => raw as {seq: number; pad: string});
		for (let seq = 1; seq <= 5000; seq++) await log.append({seq, pad: 'x'.repeat(200)});
		const kept = await log.entries();
		expect(kept.length).toBeLessThan(2000);
		expect(kept.at(-1)!.seq).toBe(5000);
		expect(kept[0]!.seq).toBe(1);
		expect(kept.filter(e => e.seq < 3000).length).toBeLessThanOrEqual(4);
	});

	it('that cannot be written (an unwritable or planted state home) never fails a read or a write, and says so once', async () => {
		const notADir = join(tempDir(), 'file');
		writeFileSync(notADir, '');
		const planted = tempDir();
		const elsewhere = tempDir();
		mkdirSync(join(planted, 'calyx'), {mode: 0o700});
		symlinkSync(elsewhere, join(planted, 'calyx', 'witness'));
		for (const home of [join(notADir, 'state'), planted]) {
			const warnings: string[] = [];
			const dir = tempDir();
			const {store} = await initStore(dir, {anchor: {stateHome: home, warn: m => warnings.push(m)}});
			await store.run(intent('a'), {clock: clockAt()});
			await store.run(intent('b'), {clock: clockAt()});
			expect((await store.audit()).length).toBe(2);
			expect((await store.verifyAudit()).ok).toBe(true);
			expect(warnings).toHaveLength(1);
			expect(warnings[0]).toMatch(/cannot be kept/);
		}
		expect(readdirSync(elsewhere)).toEqual([]);
	});
});
