import {ManualClock} from '../clock.js';
import type {EventDraft} from '../events.js';
import {cosign, generateKeyPair} from '../lease.js';
import type {State} from '../model/index.js';
import {execute, initialState} from '../engine/execute.js';
import type {Command} from '../engine/commands.js';
import {SimTarget} from './sim-target.js';
import {emptyWorld} from './world.js';

/**
 * A whole pipeline on the simulated target with a fake clock: one canary that completes and one
 * that degrades at 25% and is rolled back. Shared by the engine's end-to-end test and the text demo.
 */
export function runDrill(opts: {start?: string; bakeMs?: number; seed?: number} = {}) {
	const clock = new ManualClock(opts.start ?? '2026-11-25T10:00:00Z');
	const target = new SimTarget(emptyWorld(opts.seed ?? 7));
	target.addService('checkout', '1.4.0');
	target.addService('payments', '2.0.0', {scenario: {kind: 'degrading', atPercent: 25}});
	let state: State = initialState();
	const events: EventDraft[] = [];
	const run = <R>(cmd: Command): R => {
		const out = execute<R>(state, cmd, {clock, target});
		state = {...out.state, rev: state.rev + 1};
		events.push(...out.events);
		return out.result;
	};
	const human = generateKeyPair();
	const agent = generateKeyPair();
	run({type: 'key.register', actor: 'human:alice', id: 'alice', role: 'human', publicKey: human.publicKey});
	run({type: 'key.register', actor: 'human:alice', id: 'ci-bot', role: 'agent', publicKey: agent.publicKey});
	const deployments: string[] = [];
	for (const [service, toVersion] of [['checkout', '1.5.0'], ['payments', '2.1.0']] as const) {
		const intent = run<{id: string}>({type: 'intent.create', actor: 'human:alice', service, toVersion, files: 4, lines: 120});
		run({type: 'intent.approve', actor: 'human:alice', id: intent.id});
		const {id: leaseId} = run<{id: string}>({type: 'lease.issue', actor: 'human:alice', intentId: intent.id, plan: {bakeMs: opts.bakeMs ?? 60_000}});
		for (const [role, keyId, keys] of [['human', 'alice', human], ['agent', 'ci-bot', agent]] as const) {
			const lease = state.leases.find(l => l.id === leaseId)!;
			const signature = cosign(lease, state.intents.find(i => i.id === intent.id)!, role, keyId, keys.privateKey);
			run({type: 'lease.cosign', actor: `${role}:${keyId}`, leaseId, role, keyId, signature});
		}
		deployments.push(run<{id: string}>({type: 'canary.start', actor: 'human:alice', leaseId}).id);
		clock.advance(1000);
	}
	const ended = () => state.deployments.every(d => d.status === 'completed' || d.status.startsWith('roll'));
	for (let i = 0; i < 200 && !ended(); i++) {
		clock.advance(20_000);
		run({type: 'tick', actor: 'engine'});
	}
	return {state, events, deployments, target};
}
