import {
	cosign,
	emptyWorld,
	execute,
	generateKeyPair,
	initialState,
	ManualClock,
	SimFleet,
	simReading,
	simReports,
	simSamples,
	type CanaryPlan,
	type Command,
	type EventDraft,
	type Sample,
	type SimWorld,
	type State,
} from '../../../src/core/index.js';
import type {LocalKey} from '../../../src/store/keyring.js';
import {HOLDERS, testSigners} from '../../trust.js';

export const START = '2026-11-25T10:00:00Z';

/** A state built by the real engine: every deployment got where it is through commands. */
export interface Fixture {
	state: State;
	/** The simulated fleet as the fixture left it (kept beside the state, never in it): a fake store copies it. */
	world: SimWorld;
	clock: ManualClock;
	events: EventDraft[];
	samples: Array<{deploymentId: string; sample: Sample}>;
	keys: {human: LocalKey; agent: LocalKey; human2: LocalKey};
	/** Deployment ids by the role they play in the fixture. */
	dep: {running: string; holding: string; awaiting: string; halted: string; rolledBack: string; fillers: string[]};
	/** Lease ids: one nobody signed, one only the agent signed. */
	lease: {unsigned: string; agentSigned: string};
}

const HEALTHY = {tesDelta: 0.4, errorRate: 0.2, cpu: 55, memory: 60};
const WARNING = {tesDelta: -3.1, errorRate: 0.3, cpu: 58, memory: 61};

export function buildFixture(opts: {fillers?: number} = {}): Fixture {
	const clock = new ManualClock(START);
	const fleet = new SimFleet(emptyWorld(7));
	let state: State = initialState();
	const events: EventDraft[] = [];
	const samples: Fixture['samples'] = [];
	const signers = testSigners();
	const exec = <R>(cmd: Command): R => {
		const out = execute<R>(state, cmd, {clock, trust: signers.trust});
		state = {...out.state, rev: state.rev + 1};
		events.push(...out.events);
		samples.push(...out.samples);
		return out.result;
	};
	// Each command, then the simulated target's answers to what it decided (as the engine loop's reconciler would).
	const run = <R>(cmd: Command): R => {
		const result = exec<R>(cmd);
		for (let round = 0; ; round++) {
			const reports = simReports(state, fleet);
			if (reports.length === 0) break;
			if (round === 20) throw new Error('ui fixture: the target never settled');
			for (const report of reports) exec(report);
		}
		return result;
	};
	const key = (id: string, role: 'human' | 'agent', pair = generateKeyPair()): LocalKey => {
		run(signers.register({id, role, owner: id, ...pair}, START));
		return {id, role, privateKey: pair.privateKey, publicKey: pair.publicKey, path: `/keys/${id}.pem`};
	};
	const keys = {human: key('alice', 'human', HOLDERS.human), agent: key('ci-bot', 'agent', HOLDERS.agent), human2: key('bob', 'human')};

	const sign = (leaseId: string, k: LocalKey) => {
		const lease = state.leases.find(l => l.id === leaseId)!;
		const intent = state.intents.find(i => i.id === lease.intentId)!;
		run({type: 'lease.cosign', actor: `${k.role}:${k.id}`, leaseId, role: k.role, keyId: k.id, signature: cosign(lease, intent, k.role, k.id, k.privateKey)});
	};
	const lease = (service: string, toVersion: string, plan: Partial<CanaryPlan> = {}) => {
		fleet.addService(service, '1.0.0');
		const intent = run<{id: string}>({type: 'intent.create', actor: 'human:alice', service, fromVersion: '1.0.0', toVersion, files: 3, lines: 80});
		run(signers.approve(state.intents.find(i => i.id === intent.id)!, {...keys.human, owner: 'alice'}, undefined, 'human:alice'));
		return run<{id: string}>({type: 'lease.issue', actor: 'human:alice', intentId: intent.id, plan}).id;
	};
	const deploy = (service: string, plan: Partial<CanaryPlan> = {}) => {
		const leaseId = lease(service, '1.1.0', plan);
		sign(leaseId, keys.human);
		sign(leaseId, keys.agent);
		const reading = simReading(fleet, service, '1.0.0', clock.now());
		const id = run<{id: string}>({type: 'canary.start', actor: 'human:alice', leaseId, reading}).id;
		clock.advance(1000);
		return id;
	};
	const record = (id: string, sample: Omit<Sample, 'at'>, times = 1) => {
		for (let i = 0; i < times; i++) {
			run({type: 'metrics.record', actor: 'agent:ci-bot', id, sample});
			clock.advance(1000);
		}
	};

	const rolledBack = deploy('ledger');
	run({type: 'rollback', actor: 'human:alice', id: rolledBack, reason: 'bad migration'});
	const halted = deploy('search');
	record(halted, HEALTHY, 2);
	run({type: 'canary.halt', actor: 'human:alice', id: halted, reason: 'paging storm'});
	const awaiting = deploy('inventory', {bakeMs: 0, autoPromote: false});
	record(awaiting, HEALTHY, 3);
	const holding = deploy('payments');
	record(holding, WARNING, 3);
	const fillers: string[] = [];
	for (let i = 0; i < (opts.fillers ?? 0); i++) {
		const id = deploy(`svc-${String(i + 1).padStart(2, '0')}`);
		record(id, HEALTHY, 1);
		fillers.push(id);
	}
	const running = deploy('checkout');
	record(running, HEALTHY, 2);
	// One engine cycle (a sample from each live canary, then a tick) turns the gate-passed canary
	// (no auto-promotion) into awaiting_promotion.
	for (const sample of simSamples(state, fleet)) run(sample);
	run({type: 'tick', actor: 'engine'});

	const unsigned = lease('billing', '3.0.0');
	clock.advance(1000);
	const agentSigned = lease('reports', '0.9.0');
	sign(agentSigned, keys.agent);
	clock.advance(1000);
	return {state, world: fleet.world, clock, events, samples, keys, dep: {running, holding, awaiting, halted, rolledBack, fillers}, lease: {unsigned, agentSigned}};
}
