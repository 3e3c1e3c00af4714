import {testSigners} from '../../trust.js';
import {
	execute,
	SimFleet,
	simReading,
	simReports,
	simSamples,
	type AuditEvent,
	type Clock,
	type Command,
	type EventDraft,
	type Sample,
	type State,
	type TargetReading,
} from '../../../src/core/index.js';
import type {ChangeNotice, Leadership, Mutation, RunResult, Store, VerifyReport} from '../../../src/store/api.js';
import type {Fixture} from './fixture.js';

/**
 * The store contract in memory, over the real engine: `run` executes a command, bumps the revision,
 * chains the events and tells the watchers, as the real store does for any process. The simulated
 * fleet the targets answer from lives here, beside the state (never in it): `report` records a
 * target's answer as the reconciler does (FakeTargets settles through it), and `settleTargets`
 * answers all the work the state asks, as a leading engine would. Tests also play "another process"
 * through `external`, and a change nobody has been told about yet through `changeQuietly`; both
 * are followed by the target's answers, as the engine leading elsewhere would record them.
 */
export class FakeStore implements Store {
	readonly dir = '/srv/calyx';
	readonly trust = testSigners().trust;
	readonly paths = {state: '/srv/calyx/state.json', audit: '/srv/calyx/audit.log', metrics: '/srv/calyx/metrics.log', lock: '/srv/calyx/.lock'};
	state: State;
	readonly log: AuditEvent[] = [];
	readonly metricLog = new Map<string, Sample[]>();
	/** Commands this console ran, in order (the target's answers recorded for it are in `reports`). */
	readonly runs: Command[] = [];
	/** The target's answers recorded, in order (`target.applied`, `target.sanity`, ...). */
	readonly reports: Command[] = [];
	/** The simulated target behind the store's deployments, a copy of the fixture's. */
	readonly fleet: SimFleet;
	reads = 0;
	/** The next `failTimes` runs throw this instead of executing. */
	failNext?: unknown;
	failTimes = 1;
	readonly #listeners = new Set<(what: ChangeNotice) => void>();

	constructor(
		fixture: Pick<Fixture, 'state' | 'world' | 'events' | 'samples'>,
		readonly clock: Clock,
	) {
		this.state = fixture.state;
		this.fleet = new SimFleet(structuredClone(fixture.world));
		this.#chain(fixture.events);
		this.#record(fixture.samples);
	}

	#chain(events: EventDraft[]): AuditEvent[] {
		return events.map(e => {
			const seq = this.log.length + 1;
			const chained = {...e, seq, prevHash: this.log.at(-1)?.hash ?? '', hash: `h${seq}`};
			this.log.push(chained);
			return chained;
		});
	}

	#record(samples: Array<{deploymentId: string; sample: Sample}>): void {
		for (const {deploymentId, sample} of samples) {
			this.metricLog.set(deploymentId, [...(this.metricLog.get(deploymentId) ?? []), sample]);
		}
	}

	#execute<R>(cmd: Command, clock: Clock): RunResult<R> {
		return this.#commit<R>([cmd], clock)[0]!;
	}

	/** Commands in one commit, as the store's runMany writes a batch: one revision, one notice. */
	#commit<R>(cmds: Command[], clock: Clock): Array<RunResult<R>> {
		let state = this.state;
		const outs = cmds.map(cmd => {
			const out = execute<R>(state, cmd, {clock, trust: this.trust});
			state = out.state;
			return out;
		});
		this.state = {...state, rev: this.state.rev + 1};
		const chained = outs.map(out => this.#chain(out.events));
		for (const out of outs) this.#record(out.samples);
		this.notify({state: true, audit: chained.some(e => e.length > 0), metrics: outs.some(o => o.samples.length > 0)});
		return outs.map((out, i) => ({result: out.result, rev: this.state.rev, events: chained[i]!}));
	}

	async read(): Promise<State> {
		this.reads += 1;
		return this.state;
	}

	async run<R = unknown>(cmd: Command, opts?: {clock?: Clock}): Promise<RunResult<R>> {
		this.runs.push(cmd);
		if (this.failNext !== undefined) {
			const error = this.failNext;
			if (--this.failTimes <= 0) this.failNext = undefined;
			throw error;
		}
		return this.#execute<R>(cmd, opts?.clock ?? this.clock);
	}

	/** A target's answer, recorded as the reconciler records it (not one of the console's `runs`). */
	report<R = unknown>(cmd: Command, clock: Clock = this.clock): RunResult<R> {
		this.reports.push(cmd);
		return this.#execute<R>(cmd, clock);
	}

	/**
	 * The simulated target's answers to the work the state asks of it (only `id`'s when given),
	 * until there is none: what a reconciler does after a decision.
	 */
	settleTargets(id?: string, clock: Clock = this.clock): void {
		for (let round = 0; ; round++) {
			const state = id === undefined ? this.state : {...this.state, deployments: this.state.deployments.filter(d => d.id === id)};
			const answers = simReports(state, this.fleet);
			if (answers.length === 0) return;
			if (round === 20) throw new Error('fake store: the target never settled');
			for (const answer of answers) this.report(answer, clock);
		}
	}

	/**
	 * One cycle of an engine leading elsewhere, as src/drivers runs it: the targets' pending work, a
	 * sample from each live simulated canary and a tick in one commit, then the work the tick decided.
	 */
	engineCycle(): void {
		this.settleTargets();
		this.#commit([...simSamples(this.state, this.fleet), {type: 'tick', actor: 'engine'}], this.clock);
		this.settleTargets();
	}

	/** The simulated target of a lease's service as `canary start` reads it now. */
	readingFor(leaseId: string, now = this.clock.now(), state: State = this.state): TargetReading {
		const lease = state.leases.find(l => l.id === leaseId);
		const intent = lease && state.intents.find(i => i.id === lease.intentId);
		if (!intent) throw new Error(`fake store: no lease ${leaseId} or its intent`);
		return simReading(this.fleet, intent.service, intent.fromVersion, now);
	}

	/**
	 * Another process acting on the same data directory, and the target's answers to what it decided
	 * (`settle: false`: a decision the target has not answered yet).
	 */
	external<R = unknown>(cmd: Command, opts: {settle?: boolean} = {}): RunResult<R> {
		const out = this.#execute<R>(cmd, this.clock);
		if (opts.settle !== false) this.settleTargets();
		return out;
	}

	/** A change written (and answered by the target) but not yet noticed by the console. */
	changeQuietly(cmd: Command): void {
		const listeners = [...this.#listeners];
		this.#listeners.clear();
		try {
			this.#execute(cmd, this.clock);
			this.settleTargets();
		} finally {
			for (const l of listeners) this.#listeners.add(l);
		}
	}

	notify(what: ChangeNotice): void {
		for (const l of this.#listeners) l(what);
	}

	async mutate<R = unknown>(fn: (state: State) => Mutation<R>): Promise<RunResult<R>> {
		const out = fn(this.state);
		this.state = {...out.state, rev: this.state.rev + 1};
		const events = this.#chain(out.events);
		this.notify({state: true, audit: events.length > 0, metrics: false});
		return {result: out.result, rev: this.state.rev, events};
	}

	async audit(filter: {subject?: string; deploymentId?: string; limit?: number} = {}): Promise<AuditEvent[]> {
		const hits = this.log.filter(
			e =>
				(filter.subject === undefined || e.subject === filter.subject) &&
				(filter.deploymentId === undefined || e.subject === filter.deploymentId || e.data.deploymentId === filter.deploymentId),
		);
		return filter.limit === undefined ? hits : hits.slice(-filter.limit);
	}

	async verifyAudit(): Promise<VerifyReport> {
		return {ok: true, count: this.log.length, quarantined: []};
	}

	async samples(deploymentId: string, limit?: number): Promise<Sample[]> {
		const all = this.metricLog.get(deploymentId) ?? [];
		return limit === undefined ? all : all.slice(-limit);
	}

	/** Who leads the engine, as the console asks it; tests set it (undefined: no engine runs). */
	leader: {pid: number; host: string} | undefined = {pid: 4242, host: 'ops-1'};

	async engineLeader(): Promise<{pid: number; host: string} | undefined> {
		return this.leader;
	}

	/** Engines waiting to take over, as a leading console asks it; tests set it. */
	followers = 0;

	async engineFollowers(): Promise<number> {
		return this.followers;
	}

	watch(listener: (what: ChangeNotice) => void): () => void {
		this.#listeners.add(listener);
		return () => this.#listeners.delete(listener);
	}

	get watchers(): number {
		return this.#listeners.size;
	}

	async lead(): Promise<Leadership> {
		return {role: 'leader', onChange: () => () => {}, release: async () => {}};
	}

	async close(): Promise<void> {}
}

/** An engine loop's role as the console sees it, switchable by the test. */
export function fakeEngine(role: 'leader' | 'follower' = 'leader') {
	const listeners = new Set<(r: 'leader' | 'follower') => void>();
	const engine = {
		role,
		onRoleChange(listener: (r: 'leader' | 'follower') => void) {
			listeners.add(listener);
			return () => listeners.delete(listener);
		},
		become(next: 'leader' | 'follower') {
			engine.role = next;
			for (const l of listeners) l(next);
		},
	};
	return engine;
}
