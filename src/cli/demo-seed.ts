import {trustRefusal} from '../store/batch.js';
import {cosign, definitionFor, generateKeyPair} from '../core/lease.js';
import {Signers, type Holder} from '../core/sim/signers.js';
import {ensureDemoTrust} from '../store/trust.js';
import type {Intent, Lease, Role, State} from '../core/model/index.js';
import {SimFleet} from '../core/sim/sim-fleet.js';
import type {Scenario} from '../core/sim/world.js';
import {SimWorldFile} from '../store/sim-world.js';
import {reconcileDeployment} from '../drivers/reconciler.js';
import {readTarget, resolveTarget} from '../drivers/targets/resolve.js';
import type {BatchStore} from '../store/api.js';
import {defaultKeyPath, loadKey, saveKey, type LocalKey} from '../store/keyring.js';
import {existsSync} from 'node:fs';
import type {Trust} from '../core/trust.js';
import type {Cli} from './context.js';

export const DEMO_KEYS = {human: 'demo-operator', agent: 'demo-agent'} as const;

/** The demo's services: what each canary will do on the simulated target. */
const SERVICES: Array<{service: string; from: string; to: string; scenario: Scenario; load: number; stage: 'canary' | 'await-human' | 'draft'}> = [
	{service: 'checkout', from: '1.4.0', to: '1.5.0', scenario: {kind: 'healthy'}, load: 41, stage: 'canary'},
	{service: 'payments', from: '2.0.0', to: '2.1.0', scenario: {kind: 'degrading', atPercent: 25}, load: 57, stage: 'canary'},
	{service: 'search', from: '3.2.0', to: '3.3.0', scenario: {kind: 'noisy'}, load: 63, stage: 'canary'},
	{service: 'inventory', from: '5.0.1', to: '5.1.0', scenario: {kind: 'healthy'}, load: 38, stage: 'await-human'},
	{service: 'ledger', from: '0.9.0', to: '1.0.0', scenario: {kind: 'healthy'}, load: 22, stage: 'draft'},
];

/** The demo keys live where real keys do; reused across demo data directories. */
function demoKey(role: Role, env: NodeJS.ProcessEnv): LocalKey {
	const id = DEMO_KEYS[role];
	const path = defaultKeyPath(id, env);
	if (!existsSync(path)) saveKey({id, role, privateKey: generateKeyPair().privateKey}, path);
	return loadKey(path, env);
}

export const isEmpty = (state: State) => state.intents.length === 0 && state.keys.length === 0;

/**
 * Seeds a live demo: demo keys, several intents, a canary that will complete, one that degrades
 * at 25% (halted and rolled back by the engine), a noisy one, and a lease waiting for its human key.
 * Every step goes through the engine, so the audit trail tells the whole story.
 */
export async function seedDemo(store: BatchStore, env: NodeJS.ProcessEnv, opts: {bakeMs?: number} = {}) {
	const actor = 'demo';
	// Checked before anything is written: a refused demo leaves the directory empty.
	if (!store.trust.demo) {
		throw new Error(`the demo runs under the demo trust, and this environment uses ${store.trust.source}: run it with CALYX_TRUST=demo`);
	}
	// Nor under a trust the store would refuse: its world is written before anything the store checks.
	const refusal = trustRefusal(await store.read(), await store.checkedTrust());
	if (refusal) throw refusal;
	// The simulated target's world is the simulated driver's file, not the state's business.
	await new SimWorldFile(store.dir).update(world => {
		if (Object.keys(world.services).length === 0) world.seed = Date.now() % 100_000;
		const fleet = new SimFleet(world);
		for (const s of SERVICES) fleet.addService(s.service, s.from, {scenario: s.scenario, load: s.load});
	});
	await store.mutate(state => ({
		state,
		events: [{at: new Date().toISOString(), actor, kind: 'demo.seeded', subject: 'world', reason: `simulated target with ${SERVICES.length} services`, data: {services: SERVICES.map(s => s.service)}}],
		result: null,
	}));
	const drivers = {dataDir: store.dir};
	const {admin} = ensureDemoTrust(env);
	const signers = new Signers([admin], {demo: true});
	const holder = (role: Role): Holder => {
		const key = demoKey(role, env);
		return {id: key.id, role, owner: key.id, publicKey: key.publicKey, privateKey: key.privateKey};
	};
	const keys = {human: holder('human'), agent: holder('agent')};
	for (const key of Object.values(keys)) await store.run({...signers.register(key, new Date().toISOString()), actor});
	const sign = async (leaseId: string, role: Role) => {
		const state = await store.read();
		const lease = state.leases.find(l => l.id === leaseId) as Lease;
		const intent = state.intents.find(i => i.id === lease.intentId) as Intent;
		const key = keys[role];
		await store.run({type: 'lease.cosign', actor: `${role}:${key.id}`, leaseId, role, keyId: key.id, signature: cosign(lease, intent, role, key.id, key.privateKey, definitionFor(state, intent.service))});
	};
	const deployments: string[] = [];
	for (const s of SERVICES) {
		const request = {actor, service: s.service, fromVersion: s.from, toVersion: s.to, files: 6, lines: 180, criticality: 'medium' as const};
		const {result: intent} = await store.run<Intent>(signers.propose(request, keys.agent));
		if (s.stage === 'draft') continue;
		await store.run(signers.approve(intent, keys.human, undefined, actor));
		const {result: lease} = await store.run<Lease>({type: 'lease.issue', actor, intentId: intent.id, plan: {bakeMs: opts.bakeMs ?? 10_000}, ackRisk: true});
		await sign(lease.id, 'agent');
		if (s.stage === 'await-human') continue;
		await sign(lease.id, 'human');
		const reading = await readTarget(resolveTarget(s.service, drivers), AbortSignal.timeout(5000));
		const {id} = (await store.run<{id: string}>({type: 'canary.start', actor, leaseId: lease.id, reading})).result;
		await reconcileDeployment(store, drivers, id);
		deployments.push(id);
	}
	return {deployments, keys: {human: keys.human.id, agent: keys.agent.id}};
}

/** The trust a demo runs under: the user's demo trust, made on first need, when no other is in force. */
export function demoTrust(cli: Cli): Trust {
	if (cli.trust.demo) cli.useTrust(ensureDemoTrust(cli.io.env).trust);
	return cli.trust;
}
