import fastJsonPatch from 'fast-json-patch';
import {existsSync, readFileSync, rmSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {describe, expect, it} from 'vitest';
import {carries, checksum, Deployment as DeploymentSchema, planSteps, SCHEMA_VERSION, splitChecksum, State, targetWork, type CanaryPlan, type Deployment} from '../../src/core/index.js';
import {reconcileOnce} from '../../src/drivers/reconciler.js';
import {findDeployment, initStore, openStore} from '../../src/store/index.js';
import {deploymentToV2} from '../../src/store/migrate-v2.js';
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
	it('is migrated in memory: it validates as the current version, the world is gone, the live deployment waits for its target; reads write nothing', async () => {
		const {dir, deploymentId} = await v1Directory();
		const raw = JSON.parse(readFileSync(join(dir, 'state.json'), 'utf8'));
		expect(raw).toMatchObject({schemaVersion: 1, world: {services: {checkout: {fleet: {canary: {weight: 5}}}}}});
		expect(raw.deployments[0]).not.toHaveProperty('desired');
		const before = everyFile(dir);

		const store = await openStore(dir);
		const state = await store.read();
		expect(State.safeParse(state).success).toBe(true);
		expect(state.schemaVersion).toBe(SCHEMA_VERSION);
		expect(SCHEMA_VERSION).toBe(4);
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

	it('is saved in the current version by the next write, which audits the migration; the chain still verifies', async () => {
		const {dir, clock} = await v1Directory();
		const store = await openStore(dir);
		const rev = (await store.read()).rev;
		const {events} = await store.run({type: 'intent.create', actor: 'human:alice', service: 'search', fromVersion: '3.0.0', toVersion: '3.1.0'}, {clock});
		expect(events.map(e => e.kind)).toEqual(['store.migrated', 'intent.created']);
		expect(events[0]!.data).toEqual({from: 1, to: SCHEMA_VERSION});
		const written = JSON.parse(readFileSync(join(dir, 'state.json'), 'utf8'));
		expect(written.schemaVersion).toBe(SCHEMA_VERSION);
		expect(written.rev).toBe(rev + 1);
		expect(written).not.toHaveProperty('world');
		expect(written.deployments[0]).toMatchObject({target: 'simulated', desired: {generation: 1, step: 'tier-5', percent: 5}});
		expect(State.safeParse(written).success).toBe(true);
		expect((await (await openStore(dir)).read()).schemaVersion).toBe(SCHEMA_VERSION);
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
		// Its report was the first write: the document is saved in the current version with the confirmation.
		expect(JSON.parse(readFileSync(join(dir, 'state.json'), 'utf8')).schemaVersion).toBe(SCHEMA_VERSION);
		const since = async () => (await store.audit()).filter(e => e.seq > seq).map(e => e.kind);
		expect(await since()).toEqual(['store.migrated', 'canary.tier_applied']);
		let dep = (await findDeployment(store, deploymentId))!;
		expect(dep.observed).toMatchObject({generation: 1, step: 'tier-5', split: {percent: 5, canary: {version: '1.5.0'}}, evidence: 'router', sanity: 'pending'});
		expect(dep.bake).toEqual({accruedMs: 0, watchedAt: new Date(clock.now()).toISOString()});

		// Then its sanity check, then nothing is left to do.
		const sanity = await reconcileOnce(store, env, {clock});
		expect(sanity.map(o => o.command.type)).toEqual(['target.sanity']);
		expect(await since()).toEqual(['store.migrated', 'canary.tier_applied', 'canary.sanity_passed']);
		dep = (await findDeployment(store, deploymentId))!;
		expect(dep.observed?.sanity).toBe('passed');
		expect(await reconcileOnce(store, env, {clock})).toEqual([]);
		expect((await store.verifyAudit()).ok).toBe(true);
	});
});

describe('a version-1 deployment in version-2 terms (deploymentToV2)', () => {
	/** The running canary of a downgraded directory, as version 1 stored it. */
	async function v1Deployment(): Promise<Doc> {
		const {dir} = await v1Directory();
		return JSON.parse(readFileSync(join(dir, 'state.json'), 'utf8')).deployments[0];
	}
	const at = '2026-11-25T11:00:00.000Z';
	const rollback = (verified: boolean) => ({trigger: 'manual', reason: 'pager', actor: 'human:alice', startedAt: at, endedAt: at, step: 'tier-5', verified, expectedChecksum: 'e', actualChecksum: verified ? 'e' : 'a'});
	const ended = {
		completed: {status: 'completed', tierIndex: 2, percent: 100, endedAt: at, updatedAt: at},
		rolled_back: {status: 'rolled_back', endedAt: at, updatedAt: at, rollback: rollback(true)},
		rollback_failed: {status: 'rollback_failed', endedAt: at, updatedAt: at, rollback: rollback(false)},
	};
	const asState = (dep: Doc) => ({deployments: [dep]}) as unknown as State;

	it('keeps a live one unconfirmed (no observed), at the step it decided, so the reconciler applies it again', async () => {
		const v1 = await v1Deployment();
		for (const status of ['running', 'holding', 'awaiting_promotion', 'halted']) {
			const dep = deploymentToV2({...v1, status}) as unknown as Deployment;
			expect(DeploymentSchema.safeParse(dep).success).toBe(true);
			expect(dep).toMatchObject({target: 'simulated', desired: {generation: 1, step: 'tier-5', percent: 5}});
			expect(dep.observed).toBeUndefined();
			expect(targetWork(asState(dep as unknown as Doc))).toEqual([expect.objectContaining({op: 'apply', step: 'tier', percent: 5, generation: 1})]);
		}
	});

	it('records a completed one as confirmed at its final step, on a split that carries it (the new version stable)', async () => {
		const dep = deploymentToV2({...(await v1Deployment()), ...ended.completed}) as unknown as Deployment;
		expect(DeploymentSchema.safeParse(dep).success).toBe(true);
		expect(dep.desired).toMatchObject({generation: 1, step: 'final', percent: 100});
		expect(dep.observed).toMatchObject({generation: 1, step: 'final', split: {percent: 0, stable: {version: '1.5.0'}, canary: {weight: 0}}});
		expect(carries(dep.desired, dep.observed!.split, {from: dep.fromVersion, to: dep.toVersion})).toBe(true);
		// The pack knows that split as its final step: a later rollback reverts from there.
		expect(dep.pack.manifest.steps.find(s => s.desiredChecksum === splitChecksum(dep.observed!.split))?.step).toBe('final');
		expect(targetWork(asState(dep as unknown as Doc))).toEqual([]);
	});

	it('records a rolled-back one as confirmed at the snapshot (version 1 verified it), and a failed rollback as confirmed at nothing', async () => {
		const v1 = await v1Deployment();
		const back = deploymentToV2({...v1, ...ended.rolled_back}) as unknown as Deployment;
		expect(DeploymentSchema.safeParse(back).success).toBe(true);
		expect(back.desired).toMatchObject({step: 'snapshot', percent: 0});
		expect(back.observed).toMatchObject({step: 'snapshot', split: back.pack.snapshot});
		expect(splitChecksum(back.observed!.split)).toBe(back.pack.manifest.snapshotChecksum);

		// Its revert was not verified: what the target holds is unknown, and no confirmation says otherwise.
		const failed = deploymentToV2({...v1, ...ended.rollback_failed}) as unknown as Deployment;
		expect(DeploymentSchema.safeParse(failed).success).toBe(true);
		expect(failed.desired).toMatchObject({step: 'snapshot', percent: 0});
		expect(failed.observed).toBeUndefined();
	});

	it('leaves a shape it does not expect as it is, for validation to name', async () => {
		const v1 = await v1Deployment();
		const odd = {...v1, pack: {...(v1.pack as Doc), snapshot: {weights: [1, 2]}}};
		expect(deploymentToV2(odd)).toBe(odd);
	});
});
