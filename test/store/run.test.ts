import {approval, registerHolders} from '../trust.js';
import {readFileSync} from 'node:fs';
import {join} from 'node:path';
import {describe, expect, it} from 'vitest';
import {EngineError, type State} from '../../src/core/index.js';
import {initStore, openStore, StoreError} from '../../src/store/index.js';
import {clockAt, healthy, listing, seedCanary, sha, tempDir} from './helpers.js';

const intent = (title: string, extra: {expectedRev?: number} = {}) => ({
	type: 'intent.create' as const,
	actor: 'human:alice',
	service: 'checkout',
	fromVersion: '1.4.0',
	toVersion: '1.5.0',
	title,
	...extra,
});
const snapshot = (dir: string) => ({files: listing(dir), state: sha(join(dir, 'state.json')), audit: sha(join(dir, 'audit.ndjson'))});

describe('run: one command as one atomic unit', () => {
	it('bumps the revision once per command and chains its events into the audit trail', async () => {
		const dir = tempDir();
		const {store} = await initStore(dir);
		const clock = clockAt();
		const first = await store.run<{id: string}>(intent('one'), {clock});
		const second = await store.run<{id: string}>(intent('two'), {clock});
		expect([first.rev, second.rev]).toEqual([1, 2]);
		expect(first.events.map(e => [e.seq, e.kind])).toEqual([[1, 'intent.created']]);
		expect(second.events[0]).toMatchObject({seq: 2, kind: 'intent.created', prevHash: first.events[0]!.hash, rev: 2});
		const state = await store.read();
		expect(state.auditHead).toEqual({seq: 2, hash: second.events[0]!.hash});
		expect(await store.audit()).toEqual([...first.events, ...second.events]);
	});

	it('records a refusal the engine wants audited, then rethrows the same error', async () => {
		const dir = tempDir();
		const {store} = await initStore(dir);
		const clock = clockAt();
		const {leaseId} = await seedCanary(store, clock);
		const before = await store.read();
		const error = await store
			.run({type: 'lease.cosign', actor: 'human:alice', leaseId, role: 'human', keyId: 'alice', signature: before.leases[0]!.cosignatures[0]!.signature}, {clock})
			.catch((e: unknown) => e);
		expect(error).toBeInstanceOf(EngineError);
		expect(error).toMatchObject({kind: 'refused', code: 'CONSUMED'});
		const after = await store.read();
		expect(after.rev).toBe(before.rev + 1);
		expect(after.leases).toEqual(before.leases);
		const [last] = await store.audit({limit: 1});
		expect(last).toMatchObject({kind: 'lease.cosign_refused', subject: leaseId, seq: before.auditHead.seq + 1, rev: after.rev});
		expect(after.auditHead).toEqual({seq: last!.seq, hash: last!.hash});
	});

	it('writes nothing for a refusal without an audit event', async () => {
		const dir = tempDir();
		const {store} = await initStore(dir);
		await store.run(intent('one'), {clock: clockAt()});
		const before = snapshot(dir);
		await expect(store.run({type: 'canary.halt', actor: 'human:alice', id: 'DEP-20261125-999', reason: 'x'}, {clock: clockAt()})).rejects.toMatchObject({kind: 'not_found'});
		expect(snapshot(dir)).toEqual(before);
	});

	it('refuses a command built on a stale view ("state changed, review and retry") and applies a fresh one', async () => {
		const dir = tempDir();
		const {store} = await initStore(dir);
		const other = await openStore(dir);
		await store.run(intent('one'), {clock: clockAt()});
		const seen = (await store.read()).rev;
		await other.run(intent('someone else'), {clock: clockAt()});
		const before = snapshot(dir);
		const error = await store.run(intent('stale', {expectedRev: seen}), {clock: clockAt()}).catch((e: unknown) => e);
		expect(error).toMatchObject({kind: 'conflict', code: 'STALE_STATE'});
		expect((error as Error).message).toMatch(/state changed \(rev 1 → 2\): review and retry/);
		expect(snapshot(dir)).toEqual(before);
		const ok = await store.run(intent('fresh', {expectedRev: 2}), {clock: clockAt()});
		expect(ok.rev).toBe(3);
	});

	it('keeps the simulated target out of the document: its world is in sim-world.json, what it confirmed is in the deployment', async () => {
		const dir = tempDir();
		const {store} = await initStore(dir);
		const {deploymentId} = await seedCanary(store);
		const state = await store.read();
		const dep = state.deployments.find(d => d.id === deploymentId)!;
		expect(state).not.toHaveProperty('world');
		expect(JSON.parse(readFileSync(join(dir, 'state.json'), 'utf8'))).not.toHaveProperty('world');
		const world = JSON.parse(readFileSync(join(dir, 'sim-world.json'), 'utf8'));
		expect(world).toMatchObject({services: {checkout: {fleet: {stable: {version: '1.4.0'}, canary: {version: '1.5.0', weight: dep.percent}}}}});
		expect(dep.observed).toMatchObject({generation: dep.desired.generation, split: {percent: dep.percent, canary: {version: '1.5.0'}}});
	});

	it('serialises concurrent commands of one process', async () => {
		const {store} = await initStore(tempDir());
		const results = await Promise.all(Array.from({length: 20}, (_, i) => store.run(intent(`n${i}`), {clock: clockAt()})));
		expect(results.map(r => r.rev).sort((a, b) => a - b)).toEqual(Array.from({length: 20}, (_, i) => i + 1));
		expect((await store.read()).intents).toHaveLength(20);
		expect((await store.verifyAudit()).ok).toBe(true);
	});
});

describe('metrics samples', () => {
	it('appends every sample to the metrics log and reads them back, newest last', async () => {
		const dir = tempDir();
		const {store} = await initStore(dir);
		const clock = clockAt();
		const {deploymentId} = await seedCanary(store, clock);
		for (let i = 0; i < 5; i++) {
			clock.advance(1000);
			await store.run({type: 'metrics.record', actor: 'agent:ci-bot', id: deploymentId, sample: {...healthy, cpu: 50 + i}}, {clock});
		}
		expect((await store.samples(deploymentId)).map(s => s.cpu)).toEqual([50, 51, 52, 53, 54]);
		expect((await store.samples(deploymentId, 2)).map(s => s.cpu)).toEqual([53, 54]);
		expect(await store.samples('DEP-20261125-999')).toEqual([]);
		const lines = readFileSync(join(dir, 'metrics.ndjson'), 'utf8').trim().split('\n').map(l => JSON.parse(l));
		expect(lines.map(l => l.rev)).toEqual([...new Set(lines.map(l => l.rev))]);
	});
});

describe('audit reads', () => {
	it('filters by subject and by deployment, and limits to the newest', async () => {
		const {store} = await initStore(tempDir());
		const {deploymentId, leaseId} = await seedCanary(store);
		const forLease = await store.audit({subject: leaseId});
		expect(forLease.map(e => e.kind)).toEqual(['lease.issued', 'lease.cosigned', 'lease.cosigned', 'lease.activated', 'lease.consumed']);
		const forDep = await store.audit({deploymentId});
		expect(forDep.length).toBeGreaterThan(0);
		expect(forDep.every(e => e.subject === deploymentId || e.data.deploymentId === deploymentId)).toBe(true);
		const lastTwo = await store.audit({deploymentId, limit: 2});
		expect(lastTwo).toEqual(forDep.slice(-2));
	});
});

describe('mutate: a caller-built next state', () => {
	it('commits the state and its events, and returns the result', async () => {
		const {store} = await initStore(tempDir());
		const out = await store.mutate(state => ({
			state: {...state, config: {...state.config, sampleWindow: 10}},
			events: [{at: '2026-11-25T10:00:00.000Z', actor: 'demo', kind: 'demo.seeded', subject: 'world', reason: 'seeded', data: {n: 1}}],
			result: 'seeded',
		}));
		expect(out).toMatchObject({result: 'seeded', rev: 1});
		expect((await store.read()).config.sampleWindow).toBe(10);
		expect((await store.audit()).map(e => e.kind)).toEqual(['demo.seeded']);
	});

	it('refuses an invalid next state or event before writing anything', async () => {
		const dir = tempDir();
		const {store} = await initStore(dir);
		await store.run(intent('one'), {clock: clockAt()});
		const before = snapshot(dir);
		const bad = (state: State) => ({...state, intents: [{...state.intents[0]!, status: 'exploded'}]}) as unknown as State;
		const error = await store.mutate(state => ({state: bad(state), events: [], result: null})).catch((e: unknown) => e);
		expect(error).toBeInstanceOf(StoreError);
		expect(error).toMatchObject({code: 'INVALID', detail: {field: 'intents[0].status'}});
		const badEvent = await store.mutate(state => ({state, events: [{at: 'yesterday', actor: 'x', kind: 'k', subject: 's', reason: 'r', data: {}}], result: null})).catch((e: unknown) => e);
		expect(badEvent).toMatchObject({code: 'INVALID'});
		expect((badEvent as Error).message).toMatch(/events\[0\]\.at/);
		expect(snapshot(dir)).toEqual(before);
	});

	it('checks a changed deployment part by part: a bad new sample or a bad field of a changed pack is named, unchanged parts are not parsed again', async () => {
		const dir = tempDir();
		const {store} = await initStore(dir);
		const clock = clockAt();
		await seedCanary(store, clock);
		await store.run({type: 'metrics.record', actor: 'agent:ci-bot', id: (await store.read()).deployments[0]!.id, sample: healthy}, {clock});
		const before = snapshot(dir);
		const withDeployment = (state: State, change: (d: State['deployments'][number]) => object) =>
			({...state, deployments: [change(state.deployments[0]!), ...state.deployments.slice(1)]}) as unknown as State;
		const refusalOf = (change: (d: State['deployments'][number]) => object) =>
			store.mutate(state => ({state: withDeployment(state, change), events: [], result: null})).catch((e: unknown) => e);
		const sample = await refusalOf(d => ({...d, window: [...d.window, {...d.window[0]!, cpu: 'high'}]}));
		const at = (await store.read()).deployments[0]!.window.length;
		expect(sample).toMatchObject({code: 'INVALID', detail: {field: `deployments[0].window[${at}].cpu`}});
		const pack = await refusalOf(d => ({...d, pack: {...d.pack, createdAt: 'yesterday'}}));
		expect(pack).toMatchObject({code: 'INVALID', detail: {field: 'deployments[0].pack.createdAt'}});
		const unknownStatus = await refusalOf(d => ({...d, status: 'exploded'}));
		expect(unknownStatus).toMatchObject({code: 'INVALID', detail: {field: 'deployments[0].status'}});
		expect(snapshot(dir)).toEqual(before);
		// The same changes, valid, commit.
		const out = await store.mutate(state => ({state: withDeployment(state, d => ({...d, window: [...d.window, {...d.window[0]!, cpu: 61}]})), events: [], result: null}));
		expect((await store.read()).deployments[0]!.window.at(-1)).toMatchObject({cpu: 61});
		expect(out.rev).toBeGreaterThan(0);
	});
});

describe('reading', () => {
	it('reuses the parse while the file is unchanged, and only re-parses entities that changed', async () => {
		const dir = tempDir();
		const {store} = await initStore(dir);
		await registerHolders(store, clockAt());
		for (const t of ['a', 'b']) await store.run(intent(t), {clock: clockAt()});
		const reader = await openStore(dir);
		const first = await reader.read();
		expect(await reader.read()).toBe(first);
		await store.run(approval(first, first.intents[1]!.id), {clock: clockAt()});
		const second = await reader.read();
		expect(second).not.toBe(first);
		expect(second.intents[0]).toBe(first.intents[0]);
		expect(second.intents[1]).not.toBe(first.intents[1]);
		expect(second.intents[1]!.status).toBe('approved_pending_human');
		expect(second.config).toBe(first.config);
	});
});
