import {ManualClock} from '../clock.js';
import type {EventDraft} from '../events.js';
import {iso} from '../clock.js';
import {cosign, generateKeyPair} from '../lease.js';
import type {Intent} from '../model/index.js';
import {Signers, type Holder} from './signers.js';
import type {State} from '../model/index.js';
import {execute, initialState} from '../engine/execute.js';
import type {Command} from '../engine/commands.js';
import {SimFleet} from './sim-fleet.js';
import {simReading, simReports, simSamples} from './sim-reconcile.js';
import {emptyWorld} from './world.js';

/**
 * A whole pipeline on the simulated target with a fake clock: one canary that completes and one
 * that degrades at 25% and is rolled back. Shared by the engine's end-to-end test and the text demo.
 */
export function runDrill(opts: {start?: string; bakeMs?: number; seed?: number} = {}) {
	const clock = new ManualClock(opts.start ?? '2026-11-25T10:00:00Z');
	const fleet = new SimFleet(emptyWorld(opts.seed ?? 7));
	fleet.addService('checkout', '1.4.0');
	fleet.addService('payments', '2.0.0', {scenario: {kind: 'degrading', atPercent: 25}});
	let state: State = initialState();
	const events: EventDraft[] = [];
	const signers = new Signers([generateKeyPair()], {demo: true, source: 'drill'});
	const exec = <R>(cmd: Command): R => {
		const out = execute<R>(state, cmd, {clock, trust: signers.trust});
		state = {...out.state, rev: state.rev + 1};
		events.push(...out.events);
		return out.result;
	};
	// Each command, then what the simulated target answers to it (as the engine loop's reconciler would).
	const run = <R>(cmd: Command): R => {
		const result = exec<R>(cmd);
		for (let cmds = simReports(state, fleet); cmds.length > 0; cmds = simReports(state, fleet)) cmds.forEach(c => exec(c));
		return result;
	};
	const human: Holder = {id: 'alice', role: 'human', owner: 'alice', ...generateKeyPair()};
	const agent: Holder = {id: 'ci-bot', role: 'agent', owner: 'ci-bot', ...generateKeyPair()};
	for (const holder of [human, agent]) run(signers.register(holder, iso(clock.now())));
	const deployments: string[] = [];
	for (const [service, fromVersion, toVersion] of [['checkout', '1.4.0', '1.5.0'], ['payments', '2.0.0', '2.1.0']] as const) {
		const intent = run<Intent>(signers.propose({service, fromVersion, toVersion, files: 4, lines: 120}, agent));
		run(signers.approve(intent, human));
		const {id: leaseId} = run<{id: string}>({type: 'lease.issue', actor: 'human:alice', intentId: intent.id, plan: {bakeMs: opts.bakeMs ?? 60_000}});
		for (const [role, keyId, keys] of [['human', 'alice', human], ['agent', 'ci-bot', agent]] as const) {
			const lease = state.leases.find(l => l.id === leaseId)!;
			const signature = cosign(lease, state.intents.find(i => i.id === intent.id)!, role, keyId, keys.privateKey);
			run({type: 'lease.cosign', actor: `${role}:${keyId}`, leaseId, role, keyId, signature});
		}
		const reading = simReading(fleet, service, undefined, clock.now());
		deployments.push(run<{id: string}>({type: 'canary.start', actor: 'human:alice', leaseId, reading}).id);
		clock.advance(1000);
	}
	const ended = () => state.deployments.every(d => d.status === 'completed' || d.status.startsWith('roll'));
	// An engine that watches: a sample per live canary every 10 s, then a tick.
	for (let i = 0; i < 1000 && !ended(); i++) {
		clock.advance(10_000);
		for (const cmd of simSamples(state, fleet)) run(cmd);
		run({type: 'tick', actor: 'engine'});
	}
	return {state, events, deployments, fleet};
}
