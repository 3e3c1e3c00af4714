import {cosign, type Clock} from '../../src/core/index.js';
import {engineCycle} from '../../src/drivers/engine-cycle.js';
import {initStore, type BatchStore} from '../../src/store/index.js';
import {readingAt} from '../target.js';
import {approval, HOLDERS, registerHolders} from '../trust.js';
import {clockAt, tempDir} from './helpers.js';

/** A store with the two keys registered, a clock, and the simulated driver's environment. */
export async function keyedStore() {
	const dir = tempDir();
	const {store} = await initStore(dir);
	const clock = clockAt();
	await registerHolders(store, clock);
	return {dir, store, clock, env: {dataDir: dir, now: () => clock.now()}};
}

/** An intent for `checkout` to `toVersion`, approved, leased with two keys, and started. */
export async function startCanary(store: BatchStore, clock: Clock, fromVersion: string, toVersion: string): Promise<{deploymentId: string; intentId: string; leaseId: string}> {
	const {human, agent} = HOLDERS;
	const {result: intent} = await store.run<{id: string}>({type: 'intent.create', fromVersion, actor: 'human:alice', service: 'checkout', toVersion}, {clock});
	await store.run(approval(await store.read(), intent.id), {clock});
	const {result: lease} = await store.run<{id: string}>({type: 'lease.issue', actor: 'human:alice', intentId: intent.id, plan: {bakeMs: 1000}, ackRisk: true}, {clock});
	for (const [role, keyId, keys] of [['human', 'alice', human], ['agent', 'ci-bot', agent]] as const) {
		const state = await store.read();
		const signature = cosign(state.leases.find(l => l.id === lease.id)!, state.intents.find(i => i.id === intent.id)!, role, keyId, keys.privateKey);
		await store.run({type: 'lease.cosign', actor: `${role}:${keyId}`, leaseId: lease.id, role, keyId, signature}, {clock});
	}
	const {result: dep} = await store.run<{id: string}>({type: 'canary.start', actor: 'human:alice', leaseId: lease.id, reading: readingAt(clock, fromVersion)}, {clock});
	return {deploymentId: dep.id, intentId: intent.id, leaseId: lease.id};
}

/** Engine cycles on the simulated driver until the deployment has left the document (at most `max`). */
export async function runToEnd(store: BatchStore, env: {dataDir: string}, clock: ReturnType<typeof clockAt>, id: string, max = 60): Promise<void> {
	for (let i = 0; i < max; i++) {
		if (!(await store.read()).deployments.some(d => d.id === id)) return;
		clock.advance(2000);
		await engineCycle(store, env, {clock});
	}
	throw new Error(`${id} did not end within ${max} cycles`);
}
