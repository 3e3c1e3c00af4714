import {expect} from 'vitest';
import {
	DEFAULT_CONFIG,
	EngineError,
	ManualClock,
	SimFleet,
	WATCH_GAP_MS,
	cosign,
	emptyWorld,
	execute,
	generateKeyPair,
	initialState,
	type CanaryPlan,
	type Command,
	type Config,
	type Deployment,
	type EventDraft,
	type Intent,
	type Lease,
	type Role,
	type Sample,
	type Scenario,
	type SimWorld,
	type State,
	type TargetReading,
	Signers,
	failedCommand,
	serviceInForce,
	simReading,
	simReports,
	simSamples,
	targetWork,
	amendment,
	signStatement,
	type Holder,
	type Trust,
} from '../../src/core/index.js';

/** A Wednesday at 10:00 UTC: the deploy window adds no risk points. */
export const START = '2026-11-25T10:00:00Z';
export const SERVICE = 'checkout';
export const FROM = '1.4.0';
export const TO = '1.5.0';
export const MIN = 60_000;
export const BAKE = 15 * MIN;

/** Key pairs made once per test file: generating them per test would only cost time. */
export const HUMAN = generateKeyPair();
export const AGENT = generateKeyPair();
export const SIGNERS = {human: {keyId: 'alice', keys: HUMAN}, agent: {keyId: 'ci-bot', keys: AGENT}} as const;
/** The admin of the test trust, and the holders it registers: alice (a person) and ci-bot (an agent). */
export const ADMIN = generateKeyPair();
export const HOLDERS: Record<Role, Holder> = {
	human: {id: 'alice', role: 'human', owner: 'alice', ...HUMAN},
	agent: {id: 'ci-bot', role: 'agent', owner: 'ci-bot', ...AGENT},
};

export const CLEAN: Omit<Sample, 'at'> = {tesDelta: 0.3, errorRate: 0.2, cpu: 50, memory: 60};
export const WARN: Omit<Sample, 'at'> = {...CLEAN, tesDelta: -3};
export const CRIT: Omit<Sample, 'at'> = {...CLEAN, tesDelta: -6};

export interface FixtureOptions {
	start?: string;
	scenario?: Scenario;
	load?: number;
	/** Let the simulated target produce a sample before every tick (default: pushes only). */
	polls?: boolean;
	seed?: number;
	config?: Partial<Config>;
	/** Leave the target's work undone after each command (default: the simulated target confirms at once). */
	manualTarget?: boolean;
	/** The test trust's options (threshold, separation of duties) and its admins (default: ADMIN). */
	trust?: ConstructorParameters<typeof Signers>[1];
	admins?: Array<{publicKey: string; privateKey: string}>;
}

export type IntentOptions = Partial<Extract<Command, {type: 'intent.create'}>>;

export interface LeaseOptions {
	plan?: Partial<CanaryPlan>;
	ttlMs?: number;
	ackRisk?: boolean;
	intent?: IntentOptions;
}

/**
 * One engine run on a fake clock and a simulated target: executes commands the way the store
 * does (rev + 1 per write), keeps every event, and checks that a refusal changes nothing. After each
 * command the simulated target does the work the state asks of it (as the engine loop's reconciler
 * would), unless `manualTarget`; `targetDown` makes it refuse every apply.
 */
export class Fixture {
	readonly clock: ManualClock;
	readonly fleet: SimFleet;
	readonly polls: boolean;
	readonly manualTarget: boolean;
	/** When set, the target answers every apply with this error (a fleet API that is down). */
	targetDown: string | undefined;
	readonly events: EventDraft[] = [];
	readonly samples: Array<{deploymentId: string; sample: Sample}> = [];
	state: State;
	readonly signers: Signers;
	#nonces = 0;

	constructor(opts: FixtureOptions = {}) {
		this.clock = new ManualClock(opts.start ?? START);
		this.fleet = new SimFleet(emptyWorld(opts.seed ?? 7));
		this.polls = opts.polls ?? false;
		this.manualTarget = opts.manualTarget ?? false;
		this.fleet.addService(SERVICE, FROM, {
			...(opts.scenario ? {scenario: opts.scenario} : {}),
			...(opts.load !== undefined ? {load: opts.load} : {}),
		});
		this.state = initialState({...DEFAULT_CONFIG, ...opts.config});
		this.signers = new Signers(opts.admins ?? [ADMIN], opts.trust ?? {});
	}

	get trust(): Trust {
		return this.signers.trust;
	}

	get env() {
		return {clock: this.clock, trust: this.trust, nonce: () => `nonce-${String(++this.#nonces).padStart(12, '0')}`};
	}

	/** One command as the store runs it, without the target's answers (`run` adds those). */
	exec<R = Record<string, unknown>>(cmd: Command): R {
		const out = execute<R>(this.state, cmd, this.env);
		this.state = {...out.state, rev: this.state.rev + 1};
		this.events.push(...out.events);
		this.samples.push(...out.samples);
		return out.result;
	}

	run<R = Record<string, unknown>>(cmd: Command): R {
		const result = this.exec<R>(cmd);
		if (!this.manualTarget) this.reconcile();
		return result;
	}

	/**
	 * The simulated target's answers to the work the state asks of it, until there is none. A target
	 * that is down fails each decision once per call (a reconciler retries later, not in a loop).
	 */
	reconcile(): void {
		const failed = new Set<string>();
		for (let round = 0; round < 20; round++) {
			const down = this.targetDown;
			const failing =
				down === undefined
					? []
					: targetWork(this.state)
							.filter(w => w.op === 'apply' && !failed.has(`${w.id}#${w.generation}`))
							.map(w => (failed.add(`${w.id}#${w.generation}`), failedCommand(w, {code: 'rejected', message: down, attempts: 3})));
			if (down !== undefined && failing.length === 0) return;
			const cmds = failing.length > 0 ? failing : simReports(this.state, this.fleet);
			if (cmds.length === 0) return;
			for (const cmd of cmds) this.exec(cmd);
		}
		throw new Error('test fixture: the target never settled');
	}

	/** The simulated target as `canary start` reads it now (a service it never saw is learnt at `fromVersion`). */
	reading(service = SERVICE, fromVersion?: string): TargetReading {
		return simReading(this.fleet, service, fromVersion, this.clock.now());
	}

	/**
	 * Time passing under a watching engine: ticks no further apart than the watch gap, the last one
	 * left to the test (so `wait(bake)` then `tick()` is the tick that finds the bake done).
	 */
	wait(ms: number): void {
		let left = ms;
		while (left > WATCH_GAP_MS) {
			this.clock.advance(WATCH_GAP_MS);
			left -= WATCH_GAP_MS;
			this.tick();
		}
		this.clock.advance(left);
	}

	/** Runs a command that must be refused; asserts the state it was given is untouched. */
	refuse(cmd: Command): EngineError {
		const before = structuredClone(this.state);
		const error = catchEngineError(() => execute(this.state, cmd, this.env));
		expect(this.state).toEqual(before);
		return error;
	}

	registerKeys(): this {
		for (const role of ['human', 'agent'] as const) this.run(this.registration(HOLDERS[role]));
		return this;
	}

	/** `key.register` of a holder, signed by the test trust's admin. */
	registration(holder: Holder) {
		return this.signers.register(holder, new Date(this.clock.now()).toISOString());
	}

	/** `key.revoke` of a registered key, signed by the test trust's admin. */
	revocation(keyId: string, reason: string): Command {
		const record = found(this.state.keys, keyId);
		return {type: 'key.revoke', actor: 'admin', statement: signStatement(amendment(record, 'revoke', new Date(this.clock.now()).toISOString(), reason), [ADMIN])};
	}

	/** `intent.create` proposed (signed) by the agent key; the keys are registered first when needed. */
	proposal(opts: IntentOptions = {}, by: Holder = HOLDERS.agent): Command {
		if (this.state.keys.length === 0) this.registerKeys();
		return this.signers.propose({actor: 'human:alice', service: SERVICE, fromVersion: FROM, toVersion: TO, ...opts}, by);
	}

	/** `intent.approve` signed by the human key. */
	approval(id: string, reason?: string, by: Holder = HOLDERS.human): Command {
		return this.signers.approve(this.intentOf(id), by, reason, 'human:alice');
	}

	/** A draft intent proposed by the agent, approved by the human unless told otherwise. */
	intent(opts: IntentOptions = {}, approve = true): string {
		const {id} = this.run<Intent>(this.proposal(opts));
		if (approve) this.run(this.approval(id));
		return id;
	}

	issue(intentId: string, opts: Omit<LeaseOptions, 'intent'> = {}): string {
		return this.run<Lease>({type: 'lease.issue', actor: 'human:alice', intentId, ...opts}).id;
	}

	/** The signature the holder of `keyId` would make over the lease as the state holds it now. */
	signature(leaseId: string, role: Role, keyId: string = SIGNERS[role].keyId, privateKey: string = SIGNERS[role].keys.privateKey): string {
		const lease = this.lease(leaseId);
		return cosign(lease, this.intentOf(lease.intentId), role, keyId, privateKey);
	}

	cosignCmd(leaseId: string, role: Role, signature = this.signature(leaseId, role), keyId: string = SIGNERS[role].keyId): Command {
		return {type: 'lease.cosign', actor: `${role}:${keyId}`, leaseId, role, keyId, signature};
	}

	sign(leaseId: string, ...roles: Role[]): this {
		for (const role of roles) this.run(this.cosignCmd(leaseId, role));
		return this;
	}

	/** Registered keys (once), an approved intent, an issued lease signed by both keys. */
	signedLease(opts: LeaseOptions = {}): string {
		if (this.state.keys.length === 0) this.registerKeys();
		const {intent, ...lease} = opts;
		const id = this.issue(this.intent(intent), lease);
		this.sign(id, 'human', 'agent');
		return id;
	}

	/**
	 * `canary.start` with a fresh reading of the lease's service, as `calyx canary start` sends it: of
	 * the kind its definition in force names (the simulated fleet stands in for that target's split).
	 */
	startCmd(leaseId: string): Command {
		const lease = this.state.leases.find(l => l.id === leaseId);
		const intent = lease && this.state.intents.find(i => i.id === lease.intentId);
		const service = intent?.service ?? SERVICE;
		const inForce = serviceInForce(this.state, this.trust, service);
		const kind = 'record' in inForce ? inForce.record.definition.target.kind : 'simulated';
		return {type: 'canary.start', actor: 'human:alice', leaseId, reading: {...this.reading(service, intent?.fromVersion), kind}};
	}

	start(leaseId: string): string {
		return this.run<{id: string}>(this.startCmd(leaseId)).id;
	}

	/** Everything up to a running canary at its first tier. */
	canary(opts: LeaseOptions = {}): string {
		return this.start(this.signedLease(opts));
	}

	record(id: string, sample: Partial<Sample>) {
		return this.run<{status: Deployment['status']; action: string}>({type: 'metrics.record', actor: 'agent:ci-bot', id, sample});
	}

	/** `minSamples` clean samples, then the bake time elapses: the gate opens. */
	bake(id: string, sample: Omit<Sample, 'at'> = CLEAN): void {
		const dep = this.dep(id);
		for (let i = 0; i < dep.plan.minSamples; i++) this.record(id, sample);
		this.wait(dep.plan.bakeMs);
	}

	/** Bakes and ticks through every tier: the canary completes. */
	complete(id: string): void {
		for (let tier = 0; tier < this.dep(id).plan.tiers.length; tier++) {
			this.bake(id);
			this.tick();
		}
	}

	tick() {
		if (this.polls) for (const cmd of simSamples(this.state, this.fleet)) this.run(cmd);
		return this.run<{actions: Array<{id: string; action: string; percent: number; detail: string}>}>({type: 'tick', actor: 'engine'});
	}

	dep(id: string): Deployment {
		return found(this.state.deployments, id);
	}
	lease(id: string): Lease {
		return found(this.state.leases, id);
	}
	intentOf(id: string): Intent {
		return found(this.state.intents, id);
	}

	/** The simulated fleet of the fixture's service, as the target holds it now. */
	fleetOf(service = SERVICE) {
		return this.fleet.world.services[service]!.fleet;
	}

	kinds(subject: string): string[] {
		return this.events.filter(e => e.subject === subject).map(e => e.kind);
	}
}

function found<T extends {id: string}>(list: T[], id: string): T {
	const item = list.find(x => x.id === id);
	if (!item) throw new Error(`test fixture: no ${id}`);
	return item;
}

export function catchEngineError(fn: () => unknown): EngineError {
	try {
		fn();
	} catch (e) {
		expect(e).toBeInstanceOf(EngineError);
		return e as EngineError;
	}
	throw new Error('expected an EngineError, but the command was applied');
}

/** Replaces one element of a state's list without touching the original (for tampering tests). */
export function withEdited<K extends 'intents' | 'leases' | 'deployments'>(
	state: State,
	list: K,
	id: string,
	edit: (item: State[K][number]) => void,
): State {
	const copy = structuredClone(state);
	const item = (copy[list] as Array<{id: string}>).find(x => x.id === id);
	if (!item) throw new Error(`test fixture: no ${id}`);
	edit(item as State[K][number]);
	return copy;
}
