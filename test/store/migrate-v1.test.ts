import fastJsonPatch from 'fast-json-patch';
import {existsSync, readFileSync, rmSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {describe, expect, it} from 'vitest';
import {checksum, planSteps, SCHEMA_VERSION, splitChecksum, State, type CanaryPlan, type Deployment} from '../../src/core/index.js';
import {reconcileOnce} from '../../src/drivers/reconciler.js';
import {initStore, openStore} from '../../src/store/index.js';
import {clockAt, listing, seedCanary, sha, tempDir} from './helpers.js';

type Doc = Record<string, unknown>;

/** The simulated fleet version 1 kept in its `world`, and a pack's snapshot of it before the first tier. */
const fleet = (canary: {version: string; weight: number} | null) => ({service: 'checkout', replicas: 10, stable: {version: '1.4.0'}, canary});
const RESTING = fleet(null);

/**
 * A rollback pack as version 1 made it: the snapshot is the simulated fleet itself, each step's
 * desired state the fleet with the canary at that share, and the patches fleet to fleet.
 */
function v1Pack(dep: Deployment): Doc {
	const {deploymentId, leaseId, intentId, service, packId} = dep.pack.manifest;
	const reversePatches: Record<string, unknown> = {};
	const steps = planSteps(dep.plan as CanaryPlan, dep.toVersion).map(step => {
		const desired = step.final ? {...RESTING, stable: {version: step.version}, canary: null} : {...RESTING, canary: {version: step.version, weight: step.percent}};
		const name = step.final ? 'final' : `tier-${step.percent}`;
		const patch = fastJsonPatch.compare(desired, RESTING, true);
		reversePatches[name] = patch;
		return {step: name, percent: step.percent, desiredChecksum: checksum(desired), patchChecksum: checksum(patch)};
	});
	return {
		id: dep.pack.id,
		createdAt: dep.pack.createdAt,
		snapshot: RESTING,
		manifest: {packId, deploymentId, leaseId, intentId, service, snapshotChecksum: checksum(RESTING), steps},
		reversePatches,
	};
}

/**
 * Turns a data directory holding one running canary at its first tier into what version 1 wrote:
 * `schemaVersion: 1`, the simulated world inside the document (the fleet at 5%), deployments
 * without `target`/`desired`/`observed`/`bake` and with a pack whose snapshot is a fleet, and no
 * sim-world.json (version 1 had none). The audit trail and its head are left as they are.
 */
function downgradeToV1(dir: string): void {
	const path = join(dir, 'state.json');
	const doc = JSON.parse(readFileSync(path, 'utf8')) as Doc & {deployments: Deployment[]};
	const deployments = doc.deployments.map(dep => {
		const {target: _t, desired: _d, observed: _o, targetError: _e, bake: _b, ...v1} = dep;
		return {...v1, pack: v1Pack(dep)};
	});
	const world = {
		kind: 'simulated',
		seed: 1,
		services: {checkout: {fleet: fleet({version: '1.5.0', weight: 5}), load: 42, scenario: {kind: 'healthy'}, tierPolls: 0, polls: 0}},
	};
	writeFileSync(path, `${JSON.stringify({...doc, schemaVersion: 1, deployments, world})}\n`);
	rmSync(join(dir, 'sim-world.json'));
}

async function v1Directory() {
	const dir = tempDir();
	const {store} = await initStore(dir);
	const clock = clockAt();
	const {deploymentId} = await seedCanary(store, clock);
	await store.close();
	downgradeToV1(dir);
	return {dir, clock, deploymentId};
}

const everyFile = (dir: string) => Object.fromEntries(listing(dir).map(f => [f, sha(join(dir, f))]));

describe('a version-1 document (the simulated world inside it)', () => {
	it('is migrated in memory: it validates as version 2, the world is gone, the live deployment waits for its target; reads write nothing', async () => {
		const {dir, deploymentId} = await v1Directory();
		const raw = JSON.parse(readFileSync(join(dir, 'state.json'), 'utf8'));
		expect(raw).toMatchObject({schemaVersion: 1, world: {services: {checkout: {fleet: {canary: {weight: 5}}}}}});
		expect(raw.deployments[0]).not.toHaveProperty('desired');
		const before = everyFile(dir);

		const store = await openStore(dir);
		const state = await store.read();
		expect(State.safeParse(state).success).toBe(true);
		expect(state.schemaVersion).toBe(SCHEMA_VERSION);
		expect(SCHEMA_VERSION).toBe(2);
		expect(state).not.toHaveProperty('world');
		const dep = state.deployments.find(d => d.id === deploymentId)!;
		expect(dep.status).toBe('running');
		expect(dep.target).toBe('simulated');
		// What version 1 decided is the step it wants; nothing is confirmed until the target reads it back.
		expect(dep.desired).toEqual({generation: 1, step: 'tier-5', percent: 5, at: dep.updatedAt});
		expect(dep.observed).toBeUndefined();
		// The pack's fleet becomes the split a router would report, and the pack is rebuilt around it.
		const snapshot = {percent: 0, stable: {weight: 100, version: '1.4.0'}, canary: {weight: 0}};
		expect(dep.pack.snapshot).toEqual(snapshot);
		expect(dep.pack.manifest).toMatchObject({deploymentId, snapshotChecksum: splitChecksum(snapshot)});
		expect(dep.pack.manifest.steps.map(s => s.step)).toEqual(['tier-5', 'tier-25', 'tier-100', 'final']);

		// However it is read, nothing is written: not the state, not the index, not a world file.
		await store.listDeployments();
		await store.audit();
		await (await openStore(dir)).read();
		expect(everyFile(dir)).toEqual(before);
		expect(existsSync(join(dir, 'sim-world.json'))).toBe(false);
		expect(JSON.parse(readFileSync(join(dir, 'state.json'), 'utf8')).schemaVersion).toBe(1);
	});

	it('is saved as version 2 by the next write, which audits the migration; the chain still verifies', async () => {
		const {dir, clock} = await v1Directory();
		const store = await openStore(dir);
		const rev = (await store.read()).rev;
		const {events} = await store.run({type: 'intent.create', actor: 'human:alice', service: 'search', fromVersion: '3.0.0', toVersion: '3.1.0'}, {clock});
		expect(events.map(e => e.kind)).toEqual(['store.migrated', 'intent.created']);
		expect(events[0]!.data).toEqual({from: 1, to: 2});
		const written = JSON.parse(readFileSync(join(dir, 'state.json'), 'utf8'));
		expect(written.schemaVersion).toBe(2);
		expect(written.rev).toBe(rev + 1);
		expect(written).not.toHaveProperty('world');
		expect(written.deployments[0]).toMatchObject({target: 'simulated', desired: {generation: 1, step: 'tier-5', percent: 5}});
		expect(State.safeParse(written).success).toBe(true);
		expect((await (await openStore(dir)).read()).schemaVersion).toBe(2);
		expect((await store.verifyAudit()).ok).toBe(true);
		// Migrated once: the write after it audits no second migration.
		const next = await store.run({type: 'intent.create', actor: 'human:alice', service: 'search', fromVersion: '3.0.0', toVersion: '3.1.1'}, {clock});
		expect(next.events.map(e => e.kind)).toEqual(['intent.created']);
	});

	it('has its live tier applied again by the reconciler on the simulated driver, which confirms it and starts the bake over', async () => {
		const {dir, clock, deploymentId} = await v1Directory();
		const store = await openStore(dir);
		clock.advance(5000);
		const env = {dataDir: dir, now: () => clock.now()};
		const seq = (await store.read()).auditHead.seq;

		const applied = await reconcileOnce(store, env, {clock});
		expect(applied).toHaveLength(1);
		expect(applied[0]!.settled).toBeUndefined();
		expect(applied[0]!.work).toMatchObject({id: deploymentId, op: 'apply', step: 'tier', percent: 5, generation: 1, versions: {stable: '1.4.0', canary: '1.5.0'}});
		expect(applied[0]!.command).toMatchObject({type: 'target.applied', generation: 1, split: {percent: 5}});
		// The driver's world is a file of its own now, holding what it applied.
		const world = JSON.parse(readFileSync(join(dir, 'sim-world.json'), 'utf8'));
		expect(world.services.checkout.fleet).toEqual(fleet({version: '1.5.0', weight: 5}));
		// Its report was the first write: the document is saved as version 2 with the confirmation.
		expect(JSON.parse(readFileSync(join(dir, 'state.json'), 'utf8')).schemaVersion).toBe(2);
		const since = async () => (await store.audit()).filter(e => e.seq > seq).map(e => e.kind);
		expect(await since()).toEqual(['store.migrated', 'canary.tier_applied']);
		let dep = (await store.read()).deployments.find(d => d.id === deploymentId)!;
		expect(dep.observed).toMatchObject({generation: 1, step: 'tier-5', split: {percent: 5, canary: {version: '1.5.0'}}, evidence: 'router', sanity: 'pending'});
		expect(dep.bake).toEqual({accruedMs: 0, watchedAt: new Date(clock.now()).toISOString()});

		// Then its sanity check, then nothing is left to do.
		const sanity = await reconcileOnce(store, env, {clock});
		expect(sanity.map(o => o.command.type)).toEqual(['target.sanity']);
		expect(await since()).toEqual(['store.migrated', 'canary.tier_applied', 'canary.sanity_passed']);
		dep = (await store.read()).deployments.find(d => d.id === deploymentId)!;
		expect(dep.observed?.sanity).toBe('passed');
		expect(await reconcileOnce(store, env, {clock})).toEqual([]);
		expect((await store.verifyAudit()).ok).toBe(true);
	});
});
