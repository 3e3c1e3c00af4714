import {type Clock, generateKeyPair, type Command, type Holder, type Intent, type Role, Signers, type State} from '../src/core/index.js';
import type {Store} from '../src/store/api.js';
import {ensureDemoTrust} from '../src/store/trust.js';

/** Commands signed under the test process's trust (see setup-trust.ts): what an admin and key holders would send. */
export function testSigners(env = process.env): Signers {
	const {admin, trust} = ensureDemoTrust(env);
	return new Signers([admin], {demo: true, separationOfDuties: trust.separationOfDuties});
}

/** The suite's holders: alice (a person, human key) and ci-bot (an agent); made once per process. */
export const HOLDERS: Record<Role, Holder> = {
	human: {id: 'alice', role: 'human', owner: 'alice', ...generateKeyPair()},
	agent: {id: 'ci-bot', role: 'agent', owner: 'ci-bot', ...generateKeyPair()},
};

/** Registers the suite's holders in a store that has none yet. */
export async function registerHolders(store: Store, clock?: Clock, holders: Holder[] = Object.values(HOLDERS)): Promise<void> {
	const signers = testSigners();
	const state = await store.read();
	const at = new Date(clock?.now() ?? Date.now()).toISOString();
	for (const h of holders) if (!state.keys.some(k => k.id === h.id)) await store.run(signers.register(h, at), clock ? {clock} : {});
}

/** `intent.approve` of an intent in `state`, signed by alice's human key. */
export function approval(state: State, intentId: string, actor = 'human:alice', reason?: string): Command {
	const intent = state.intents.find(i => i.id === intentId) as Intent;
	return testSigners().approve(intent, HOLDERS.human, reason, actor);
}
