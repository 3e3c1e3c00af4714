import {appendFileSync, readFileSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {describe, expect, it} from 'vitest';
import {initStore, openStore, type Store} from '../../src/store/index.js';
import {chain} from '../../src/store/audit-log.js';
import {markCommit} from '../../src/store/commit-marker.js';
import {sampleLines} from '../../src/store/metrics-log.js';
import {snapshot} from '../cli/helpers.js';
import {clockAt, healthy, seedCanary, sha, tempDir} from './helpers.js';

async function seeded() {
	const dir = tempDir();
	const {store} = await initStore(dir);
	const ids = await seedCanary(store);
	const auditPath = join(dir, 'audit.ndjson');
	const lines = readFileSync(auditPath, 'utf8').split('\n').slice(0, -1);
	const rewrite = (next: string[]) => writeFileSync(auditPath, next.map(l => `${l}\n`).join(''));
	return {dir, store, ids, auditPath, lines, rewrite};
}

const intent = {type: 'intent.create' as const, actor: 'human:alice', service: 'payments', fromVersion: '2.0.0', toVersion: '2.1.0'};

describe('verifying the audit trail', () => {
	it('passes an intact chain and counts its events', async () => {
		const {store, lines} = await seeded();
		const report = await store.verifyAudit();
		expect(report).toMatchObject({ok: true, count: lines.length, quarantined: []});
		expect(report.firstBad).toBeUndefined();
		expect(report.head).toEqual((await store.read()).auditHead);
	});

	it('locates an edited byte', async () => {
		const {store, lines, rewrite} = await seeded();
		lines[4] = lines[4]!.replace(/"reason":"(.)/, (_m, c: string) => `"reason":"${c === 'x' ? 'y' : 'x'}`);
		rewrite(lines);
		expect(await store.verifyAudit()).toMatchObject({ok: false, count: 4, firstBad: {line: 5, seq: 5, reason: expect.stringMatching(/^edited/)}});
	});

	it('locates a deleted line', async () => {
		const {store, lines, rewrite} = await seeded();
		rewrite(lines.filter((_, i) => i !== 4));
		expect(await store.verifyAudit()).toMatchObject({ok: false, firstBad: {line: 5, seq: 6, reason: expect.stringMatching(/^deleted: seq 5 missing/)}});
	});

	it('locates two swapped lines', async () => {
		const {store, lines, rewrite} = await seeded();
		[lines[3], lines[4]] = [lines[4]!, lines[3]!];
		rewrite(lines);
		expect(await store.verifyAudit()).toMatchObject({ok: false, firstBad: {line: 4, seq: 5, reason: expect.stringMatching(/^swapped/)}});
	});

	it('detects a truncated tail against the head kept in state.json, and refuses writes', async () => {
		const {dir, store, lines, rewrite} = await seeded();
		rewrite(lines.slice(0, -2));
		const report = await store.verifyAudit();
		expect(report).toMatchObject({ok: false, count: lines.length - 2, firstBad: {line: lines.length - 1, reason: expect.stringMatching(/^truncated/)}});
		const state = sha(join(dir, 'state.json'));
		const error = await store.run(intent, {clock: clockAt()}).catch((e: unknown) => e);
		expect(error).toMatchObject({code: 'AUDIT_MISMATCH'});
		expect((error as Error).message).toMatch(new RegExp(`audit\\.ndjson ends at seq ${lines.length - 2} but .*state\\.json records the audit head at seq ${lines.length}`));
		expect(sha(join(dir, 'state.json'))).toBe(state);
	});

	it('detects a rewritten tail whose chain is valid on its own', async () => {
		const {store, lines, rewrite} = await seeded();
		const prev = JSON.parse(lines.at(-2)!) as {seq: number; hash: string};
		const forged = chain([{at: '2026-11-25T10:00:00.000Z', actor: 'mallory', kind: 'canary.started', subject: 'x', reason: 'forged', data: {}}], 9, prev);
		rewrite([...lines.slice(0, -1), forged.bytes.toString().trimEnd()]);
		expect(await store.verifyAudit()).toMatchObject({ok: false, firstBad: {line: lines.length, reason: expect.stringMatching(/^rewritten/)}});
		await expect(store.run(intent, {clock: clockAt()})).rejects.toMatchObject({code: 'AUDIT_MISMATCH'});
	});
});

describe('a torn last line is quarantined and recorded, never dropped silently', () => {
	for (const log of ['audit.ndjson', 'metrics.ndjson']) {
		it(`in ${log}`, async () => {
			const {dir, store, ids} = await seeded();
			await store.run({type: 'metrics.record', actor: 'agent:ci-bot', id: ids.deploymentId, sample: healthy}, {clock: clockAt()});
			const torn = '{"seq":99,"prevHash":"00';
			appendFileSync(join(dir, log), torn);
			if (log === 'audit.ndjson') expect((await store.verifyAudit()).firstBad?.reason).toMatch(/^torn/);
			const files = snapshot(dir);
			const reopened = await openStore(dir);
			// Opening and reading write nothing; the repair is said first, then done on purpose.
			expect(await reopened.samples(ids.deploymentId)).toEqual([expect.objectContaining(healthy)]);
			expect((await reopened.repair({dryRun: true})).actions).toEqual([expect.stringContaining(`${join(dir, log)}: move the torn last line (${torn.length} bytes`)]);
			expect(snapshot(dir)).toEqual(files);
			expect((await reopened.repair()).applied).toBe(true);
			const [event] = await reopened.audit({limit: 1});
			expect(event).toMatchObject({kind: 'log.recovered', actor: 'store', data: {file: join(dir, log), bytes: torn.length}});
			const quarantine = event!.data.quarantine as string;
			expect(readFileSync(quarantine, 'utf8')).toBe(torn);
			const report = await reopened.verifyAudit();
			expect(report.ok).toBe(true);
			if (log === 'audit.ndjson') expect(report.quarantined).toEqual([quarantine]);
			expect(await reopened.samples(ids.deploymentId)).toEqual([expect.objectContaining(healthy)]);
		});
	}
});

describe('a mutation that appended its lines but never saved its state', () => {
	/** What a writer killed between its appends and its document write leaves behind. */
	async function crashMidCommit(dir: string, store: Store, deploymentId: string, revs = [0]) {
		const state = await store.read();
		let head = state.auditHead;
		for (const extra of revs) {
			const rev = state.rev + 1 + extra;
			const out = chain([{at: '2026-11-25T10:00:00.000Z', actor: 'agent:ci-bot', kind: 'deployment.holding', subject: deploymentId, reason: 'lost', data: {}}], rev, head);
			// As a calyx writer does: say what it appends before appending it.
			await markCommit(join(dir, 'commit.json'), {rev, from: head, to: out.head, hashes: out.events.map(e => e.hash)});
			appendFileSync(join(dir, 'audit.ndjson'), out.bytes);
			appendFileSync(join(dir, 'metrics.ndjson'), sampleLines([{deploymentId, sample: {at: '2026-11-25T10:00:00.000Z', cpu: 99}}], rev));
			head = out.head;
		}
		return state;
	}

	it('is invisible to readers, and recorded as a recovery by repair: its events stay in the chain, its samples are moved aside', async () => {
		const {dir, store, ids} = await seeded();
		const before = await crashMidCommit(dir, store, ids.deploymentId);
		const files = snapshot(dir);
		const reopened = await openStore(dir);
		expect((await reopened.audit()).at(-1)?.seq).toBe(before.auditHead.seq);
		expect(await reopened.samples(ids.deploymentId)).toEqual([]);
		expect((await reopened.verifyAudit()).firstBad?.reason).toMatch(/^uncommitted/);
		expect(snapshot(dir)).toEqual(files);
		await reopened.repair();
		const state = await reopened.read();
		expect(state.rev).toBe(before.rev + 2);
		const [recovery] = await reopened.audit({limit: 1});
		expect(recovery).toMatchObject({
			kind: 'store.recovered',
			rev: before.rev + 2,
			data: {orphanRev: before.rev + 1, seqs: [before.auditHead.seq + 1, before.auditHead.seq + 1], kinds: ['deployment.holding'], samples: 1},
		});
		expect(readFileSync(recovery!.data.quarantine as string, 'utf8')).toContain('"cpu":99');
		expect(await reopened.samples(ids.deploymentId)).toEqual([]);
		expect((await reopened.verifyAudit()).ok).toBe(true);
	});

	it('is recovered by the next command of a store that was already open', async () => {
		const {dir, store, ids} = await seeded();
		const before = await crashMidCommit(dir, store, ids.deploymentId);
		const {rev} = await store.run(intent, {clock: clockAt()});
		expect(rev).toBe(before.rev + 3);
		expect((await store.audit({limit: 2})).map(e => e.kind)).toEqual(['store.recovered', 'intent.created']);
		expect((await store.verifyAudit()).ok).toBe(true);
	});

	it('refuses, rather than repairs, a log more than one mutation ahead', async () => {
		const {dir, store, ids} = await seeded();
		await crashMidCommit(dir, store, ids.deploymentId, [0, 1]);
		const audit = sha(join(dir, 'audit.ndjson'));
		const error = await store.run(intent, {clock: clockAt()}).catch((e: unknown) => e);
		expect(error).toMatchObject({code: 'AUDIT_MISMATCH'});
		expect((error as Error).message).toMatch(/more than one uncommitted mutation/);
		expect(sha(join(dir, 'audit.ndjson'))).toBe(audit);
	});
});

describe('reads never write, and repairs keep what committed', () => {
	it('a head line that lost only its final newline is completed, not moved away, and writes go on', async () => {
		const {dir, store} = await seeded();
		const path = join(dir, 'audit.ndjson');
		const whole = readFileSync(path);
		writeFileSync(path, whole.subarray(0, whole.length - 1));
		const reopened = await openStore(dir);
		expect((await reopened.repair({dryRun: true})).actions).toEqual([expect.stringContaining('restore the final newline')]);
		const {rev} = await reopened.run(intent, {clock: clockAt()});
		expect(rev).toBeGreaterThan(0);
		expect(readFileSync(path).subarray(0, whole.length)).toEqual(whole);
		expect((await reopened.audit({limit: 2})).map(e => e.kind)).toEqual(['log.recovered', 'intent.created']);
		const report = await reopened.verifyAudit();
		expect(report).toMatchObject({ok: true, quarantined: []});
	});

	it('audit verify on a state file that does not load says the head was not checked, not "intact"', async () => {
		const {dir} = await seeded();
		writeFileSync(join(dir, 'state.json'), '{"not": "a calyx document"');
		const report = await (await openStore(dir)).verifyAudit();
		expect(report.ok).toBe(false);
		expect(report.headUnchecked).toMatch(/state\.json/);
	});
});
