import {join} from 'node:path';
import {describe, expect, it} from 'vitest';
import {EngineError, type Command, type State} from '../../src/core/index.js';
import {approval, registerHolders} from '../trust.js';
import {findDeployment, initStore, openStore, type AuditRecord} from '../../src/store/index.js';
import {settleTargets} from '../target.js';
import {clockAt, healthy, listing, seedCanary, sha, tempDir} from './helpers.js';

const intent = (title: string): Command => ({type: 'intent.create', actor: 'human:alice', service: 'checkout', fromVersion: '1.4.0', toVersion: '1.5.0', title});
/** The approval, signed ahead, of the intent `intent(title)` will create as `id`. */
const approvalAhead = (id: string, title: string) => {
	const content = {id, service: 'checkout', fromVersion: '1.4.0', toVersion: '1.5.0', title, files: 1, lines: 10, criticality: 'medium', status: 'draft'};
	return approval({intents: [content]} as unknown as State, id);
};
const snapshot = (dir: string) => ({files: listing(dir), state: sha(join(dir, 'state.json')), audit: sha(join(dir, 'audit.ndjson'))});

describe('runMany: several commands as one unit of work', () => {
	it('commits the batch under one revision, its events contiguous in the audit trail, each command on the result of the one before', async () => {
		const dir = tempDir();
		const {store} = await initStore(dir);
		const clock = clockAt();
		await registerHolders(store, clock);
		const out = await store.runMany<{id: string}>([intent('one'), approvalAhead('INT-20261125-001', 'one'), intent('two')], {clock});
		expect(out.failed).toBeUndefined();
		expect(out.rev).toBe(3);
		expect(out.results.map(r => r.id)).toEqual(['INT-20261125-001', 'INT-20261125-001', 'INT-20261125-002']);
		// After the binding to the trust (seq 1) and the two keys.
		expect(out.events.map(e => [e.seq, e.kind])).toEqual([
			[4, 'intent.created'],
			[5, 'intent.approved'],
			[6, 'intent.created'],
		]);
		const state = await store.read();
		expect(state.rev).toBe(3);
		expect(state.intents.map(i => [i.title, i.status])).toEqual([
			['one', 'approved_pending_human'],
			['two', 'draft'],
		]);
		expect((await store.audit()).slice(3)).toEqual(out.events);
		expect(out.events.every(e => (e as AuditRecord).rev === 3)).toBe(true);
	});

	it('keeps each batch contiguous while other writers commit at the same time', async () => {
		const dir = tempDir();
		const {store} = await initStore(dir);
		const other = await openStore(dir);
		const batch = (tag: string) => Array.from({length: 15}, (_, i) => intent(`${tag}-${i}`));
		const outs = await Promise.all([
			store.runMany(batch('a'), {clock: clockAt()}),
			other.runMany(batch('b'), {clock: clockAt()}),
			other.run(intent('single'), {clock: clockAt()}).then(r => ({rev: r.rev, events: r.events})),
			store.runMany(batch('c'), {clock: clockAt()}),
		]);
		expect(outs.map(o => o.rev).sort()).toEqual([1, 2, 3, 4]);
		const events = await store.audit();
		expect(events.map(e => e.seq)).toEqual(Array.from({length: 46}, (_, i) => i + 1));
		for (const out of outs) {
			const seqs = out.events.map(e => e.seq);
			expect(seqs).toEqual(Array.from({length: seqs.length}, (_, i) => seqs[0]! + i));
			expect(events.filter(e => (e as AuditRecord).rev === out.rev)).toEqual(out.events);
		}
		expect((await store.read()).intents).toHaveLength(46);
		expect((await store.verifyAudit()).ok).toBe(true);
	});

	it('stops at a refusal: the commands before it are committed, the index and the error are reported, nothing after it runs', async () => {
		const dir = tempDir();
		const {store} = await initStore(dir);
		const clock = clockAt();
		const {deploymentId} = await seedCanary(store, clock);
		const before = await store.read();
		const sample = (s: Record<string, number>): Command => ({type: 'metrics.record', actor: 'agent:ci-bot', id: deploymentId, sample: s});
		const out = await store.runMany<{action: string}>([sample(healthy), sample(healthy), sample({...healthy, tesDelta: -6}), sample(healthy), sample(healthy)], {clock});
		// The critical sample decides the rollback; only the target's report of the revert ends it.
		expect(out.results.map(r => r.action)).toEqual(['recorded', 'recorded', 'rolling_back']);
		expect(out.failed?.index).toBe(3);
		expect(out.failed?.error).toBeInstanceOf(EngineError);
		expect(out.failed?.error).toMatchObject({kind: 'refused', code: 'NOT_ACTIVE'});
		expect(out.rev).toBe(before.rev + 1);
		const after = await store.read();
		const dep = after.deployments.find(d => d.id === deploymentId)!;
		expect(dep.status).toBe('rolling_back');
		expect(dep.desired).toMatchObject({step: 'snapshot', percent: 0});
		expect(dep.sampleCount).toBe(3);
		expect(await store.samples(deploymentId)).toHaveLength(3);
		expect(out.events.map(e => e.kind)).toEqual(expect.arrayContaining(['deployment.halted', 'deployment.rolling_back']));
		expect(out.events.map(e => e.kind)).not.toContain('rollback.verified');
		expect((await store.audit()).slice(-out.events.length)).toEqual(out.events);
		// The simulated target reverts, reads back the snapshot, and the rollback is verified.
		await settleTargets(store, clock);
		const reverted = (await findDeployment(store, deploymentId))!;
		expect(reverted.status).toBe('rolled_back');
		expect(reverted.rollback).toMatchObject({verified: true});
		expect((await store.audit({deploymentId})).map(e => e.kind)).toContain('rollback.verified');
	});

	it('commits the audit event a refusal carries together with the commands before it', async () => {
		const dir = tempDir();
		const {store} = await initStore(dir);
		const clock = clockAt();
		const {leaseId} = await seedCanary(store, clock);
		const before = await store.read();
		const replay: Command = {type: 'lease.cosign', actor: 'human:alice', leaseId, role: 'human', keyId: 'alice', signature: before.leases[0]!.cosignatures[0]!.signature};
		const out = await store.runMany([intent('kept'), replay, intent('never')], {clock});
		expect(out.failed).toMatchObject({index: 1, error: {kind: 'refused', code: 'CONSUMED'}});
		expect(out.results).toHaveLength(1);
		expect(out.events.map(e => e.kind)).toEqual(['intent.created', 'lease.cosign_refused']);
		const after = await store.read();
		expect(after.rev).toBe(before.rev + 1);
		expect(after.intents.map(i => i.title)).toContain('kept');
		expect(after.intents.map(i => i.title)).not.toContain('never');
		expect(after.auditHead).toEqual({seq: out.events[1]!.seq, hash: out.events[1]!.hash});
	});

	it('writes nothing when its first command is refused without an audit event', async () => {
		const dir = tempDir();
		const {store} = await initStore(dir);
		await store.run(intent('one'), {clock: clockAt()});
		const before = snapshot(dir);
		const out = await store.runMany([{...approvalAhead('INT-20261125-999', 'x')}, intent('never')], {clock: clockAt()});
		expect(out).toMatchObject({results: [], events: [], rev: 1, failed: {index: 0, error: {kind: 'not_found'}}});
		expect(snapshot(dir)).toEqual(before);
	});

	it('applies expectedRev to the batch as a whole: a stale one writes nothing, a current one commits every command', async () => {
		const dir = tempDir();
		const {store} = await initStore(dir);
		const other = await openStore(dir);
		await store.run(intent('one'), {clock: clockAt()});
		await other.run(intent('someone else'), {clock: clockAt()});
		const before = snapshot(dir);
		const stale = await store.runMany([intent('a'), intent('b')], {clock: clockAt(), expectedRev: 1}).catch((e: unknown) => e);
		expect(stale).toBeInstanceOf(EngineError);
		expect(stale).toMatchObject({kind: 'conflict', code: 'STALE_STATE'});
		expect((stale as Error).message).toMatch(/state changed \(rev 1 → 2\): review and retry/);
		expect(snapshot(dir)).toEqual(before);
		const fresh = await store.runMany([intent('a'), intent('b')], {clock: clockAt(), expectedRev: 2});
		expect(fresh).toMatchObject({rev: 3, results: [{}, {}]});
		expect((await store.read()).intents.map(i => i.title)).toEqual(['one', 'someone else', 'a', 'b']);
	});
});
