/**
 * `calyx store migrate`'s engine: a data directory with a completed canary and a live one to a real
 * 3-member etcd cluster and back to a new directory, the chain byte for byte on each side; a target
 * that holds anything and a source whose chain does not verify are refused, nothing written.
 */
import {readFileSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {afterEach, describe, expect, it} from 'vitest';
import {generateKeyPair, Signers} from '../../src/core/index.js';
import {migrateStore} from '../../src/store/etcd/migrate.js';
import {connectEtcdStore, openEtcdStore, type EtcdTarget} from '../../src/store/etcd/index.js';
import {targetLabel} from '../../src/store/etcd/url.js';
import {openStore, type BatchStore} from '../../src/store/index.js';
import {keyedStore, runToEnd, startCanary} from './archive-fixture.js';
import {etcdBackend} from './backends.js';
import {refusal, tempDir} from './helpers.js';

const etcd = etcdBackend();
const home = tempDir();
const open: BatchStore[] = [];
afterEach(async () => {
	for (const s of open.splice(0)) await s.close();
});
const keep = <T extends BatchStore>(s: T) => (open.push(s), s);

/** A file store with one canary run to its end (archived, with samples) and one still live. */
async function fileStoreWithHistory() {
	const made = await keyedStore();
	const {store, clock, env} = made;
	keep(store);
	const done = await startCanary(store, clock, '1.0.0', '1.1.0');
	await runToEnd(store, env, clock, done.deploymentId);
	const live = await startCanary(store, clock, '1.1.0', '1.2.0');
	return {...made, done, live};
}

const keysUnder = async (target: EtcdTarget) => {
	const client = await connectEtcdStore(target, {stateHome: home});
	try {
		return await client.parts.client.getAll().prefix(target.prefix).count();
	} finally {
		await client.close();
	}
};

describe.skipIf(etcd.absent !== undefined)('store migrate (a data directory ⇄ etcd, a real 3-member cluster)', () => {
	it('carries the state, the whole chain, the samples and the archive to etcd and back: same head, both verify', async () => {
		const {dir, store, done, live} = await fileStoreWithHistory();
		const opts = {trust: store.trust, stateHome: home};
		const before = await store.read();
		const trail = await store.audit();
		const log = readFileSync(join(dir, 'audit.ndjson'));
		const target = etcd.target();
		const there = await migrateStore({dir}, {target}, opts);
		expect(there).toMatchObject({events: before.auditHead.seq, head: before.auditHead, rev: before.rev, deployments: {live: 1, archived: 1}});
		expect(there.samples).toBeGreaterThan(0);
		expect(there.verified.target).toEqual(before.auditHead);

		const onEtcd = keep(await openEtcdStore(target, {trust: store.trust, stateHome: home}));
		expect(await onEtcd.verifyAudit()).toMatchObject({ok: true, head: before.auditHead, count: before.auditHead.seq});
		expect(await onEtcd.deployment(done.deploymentId)).toMatchObject({archived: true, record: {intent: {id: done.intentId}}});
		expect((await onEtcd.deployment(live.deploymentId))?.archived).toBe(false);
		expect(await onEtcd.archived(done.leaseId)).toEqual(await store.archived(done.leaseId));
		expect(await onEtcd.samples(done.deploymentId)).toEqual(await store.samples(done.deploymentId));
		expect(await onEtcd.audit()).toEqual(trail);
		// The source is sealed by one event after the copied head, and verifies with it.
		expect(there.sealed.seq).toBe(before.auditHead.seq + 1);
		expect((await store.audit()).find(e => e.seq === there.sealed.seq)).toMatchObject({kind: 'store.moved', data: {to: targetLabel(target)}});
		expect(await store.verifyAudit()).toMatchObject({ok: true, head: {seq: there.sealed.seq}});

		const back = join(tempDir(), 'back');
		const home2 = await migrateStore({target}, {dir: back}, opts);
		expect(home2.verified.target).toEqual(before.auditHead);
		const again = keep(await openStore(back, {trust: store.trust, anchor: {stateHome: home}}));
		expect(await again.verifyAudit()).toMatchObject({ok: true, head: before.auditHead, archive: {records: 1, differences: []}});
		// The chain byte for byte: the same file the first store wrote (before the event that sealed it).
		expect(readFileSync(join(back, 'audit.ndjson'))).toEqual(log);
		expect(await again.deployment(done.deploymentId)).toMatchObject({archived: true});
		expect(await again.samples(done.deploymentId)).toEqual(await store.samples(done.deploymentId));
		expect(await again.samples(live.deploymentId)).toEqual(await store.samples(live.deploymentId));
		expect(await again.read()).toEqual(before);
	}, 60_000);

	it('seals the source: every write and any further migration from it is refused, naming where it went; the copy takes writes', async () => {
		const {dir, store, clock, live} = await fileStoreWithHistory();
		const opts = {trust: store.trust, stateHome: home};
		const target = etcd.target();
		const there = await migrateStore({dir}, {target}, opts);
		const sealedLog = readFileSync(join(dir, 'audit.ndjson'));
		const halt = {type: 'canary.halt' as const, actor: 'human:alice', id: live.deploymentId, reason: 'to the old store'};
		const moved = await refusal(store.run(halt, {clock}));
		expect(moved.code).toBe('MOVED');
		expect(moved.message).toContain(`this store was migrated to ${targetLabel(target)}`);
		expect(moved.message).toContain(`sealed at audit seq ${there.sealed.seq}`);
		expect(moved.message).toContain(`use --store ${targetLabel(target)}`);
		// Another process opening it later is refused the same, and nothing was written.
		const later = keep(await openStore(dir, {trust: store.trust, anchor: {stateHome: home}}));
		expect((await refusal(later.run(halt, {clock}))).code).toBe('MOVED');
		expect(readFileSync(join(dir, 'audit.ndjson'))).toEqual(sealedLog);
		const again = await refusal(migrateStore({dir}, {target: etcd.target()}, opts));
		expect(again.message).toMatch(/was already migrated to .* \(sealed at seq \d+\): migrate from there/);
		// The copy is not sealed: the same command goes through there.
		const onEtcd = keep(await openEtcdStore(target, {trust: store.trust, stateHome: home}));
		expect((await onEtcd.read()).moved).toBeUndefined();
		await onEtcd.run(halt, {clock});
		expect((await onEtcd.read()).deployments.find(d => d.id === live.deploymentId)?.status).toBe('halted');
		// Sealed in turn when it is migrated on: the etcd store refuses too.
		const back = join(tempDir(), 'back');
		await migrateStore({target}, {dir: back}, opts);
		expect((await refusal(onEtcd.run({type: 'canary.resume', actor: 'human:alice', id: live.deploymentId, reason: 'again'}, {clock}))).code).toBe('MOVED');
	}, 60_000);

	it('refuses a target that holds anything, naming it, and writes nothing', async () => {
		const {dir, store} = await fileStoreWithHistory();
		const opts = {trust: store.trust, stateHome: home};
		const target = etcd.target();
		await migrateStore({dir}, {target}, opts);
		const keys = await keysUnder(target);
		const twice = await refusal(migrateStore({dir}, {target}, opts));
		expect(twice.message).toContain(`${target.name} already holds a calyx store`);
		expect(await keysUnder(target)).toBe(keys);

		const full = tempDir();
		writeFileSync(join(full, 'notes.txt'), 'mine');
		const intoDir = await refusal(migrateStore({target}, {dir: full}, opts));
		expect(intoDir.message).toContain(`${full} is not empty`);
		expect(readFileSync(join(full, 'notes.txt'), 'utf8')).toBe('mine');
	}, 60_000);

	it('refuses keys a crashed migration left until --force-clean removes them', async () => {
		const {dir, store} = await fileStoreWithHistory();
		const opts = {trust: store.trust, stateHome: home};
		const target = etcd.target();
		const client = await connectEtcdStore(target, {stateHome: home});
		await client.parts.client.put(client.keys.auditAt(1)).value('left by a crash');
		await client.close();
		const left = await refusal(migrateStore({dir}, {target}, opts));
		expect(left.message).toMatch(/holds 1 keys but no store .* --force-clean/);
		const report = await migrateStore({dir}, {target}, {...opts, forceClean: true});
		expect(report.cleaned).toBe(true);
		expect(await keep(await openEtcdStore(target, {trust: store.trust, stateHome: home})).verifyAudit()).toMatchObject({ok: true});
	}, 60_000);

	it('refuses to move a store under a trust it is not bound to: nothing copied, the source not sealed', async () => {
		const {dir, store} = await fileStoreWithHistory();
		const stranger = new Signers([generateKeyPair()]).trust;
		const target = etcd.target();
		const before = readFileSync(join(dir, 'audit.ndjson'));
		const error = await refusal(migrateStore({dir}, {target}, {trust: stranger, stateHome: home}));
		expect(error.code).toBe('TRUST_MISMATCH');
		expect(error.message).toContain('it is not migrated, nothing was written');
		expect(await keysUnder(target)).toBe(0);
		expect(readFileSync(join(dir, 'audit.ndjson'))).toEqual(before);
		expect((await store.read()).moved).toBeUndefined();
	}, 60_000);

	it('refuses a source whose chain does not verify (a line of audit.ndjson edited)', async () => {
		const {dir, store} = await fileStoreWithHistory();
		const log = join(dir, 'audit.ndjson');
		const lines = readFileSync(log, 'utf8').split('\n');
		const at = lines.findIndex(l => l.includes('"actor":"human:alice"'));
		lines[at] = lines[at]!.replace('"actor":"human:alice"', '"actor":"human:mallo"');
		writeFileSync(log, lines.join('\n'));
		const target = etcd.target();
		const tampered = await refusal(migrateStore({dir}, {target}, {trust: store.trust, stateHome: home}));
		expect(tampered.code).toBe('TAMPERED');
		expect(tampered.message).toMatch(new RegExp(`the source .* does not verify at event ${at + 1}`));
		expect(await keysUnder(target)).toBe(0);
	}, 60_000);
});
