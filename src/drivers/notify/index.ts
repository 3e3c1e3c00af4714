import {iso, systemClock, type Clock} from '../../core/clock.js';
import {SEVERITIES, type NotifyConfig, type Severity, type State} from '../../core/model/index.js';
import {TrailFollower} from '../trail-follower.js';
import type {BatchStore} from '../../store/api.js';
import type {EngineLoop} from '../engine-loop.js';
import {nearDeadlines} from './deadlines.js';
import {deliver, type DeliveryEnv} from './deliver.js';
import {noticesOf, type Notice} from './notice.js';
import {HealthBoard, type DeliveryHealth} from './health.js';
import {DeliveryQueue, type Failure, type Send} from './queue.js';

export {NOTIFY_POLICY} from './deliver.js';
export type {DeliveryHealth, SinkTrouble} from './health.js';

export interface NotifierOptions extends Omit<DeliveryEnv, 'signal' | 'now'> {
	store: BatchStore;
	clock?: Clock;
	/** Stands in for the HTTP delivery (tests). */
	send?: Send;
	/** What could not be done and is not a delivery's failure (a failure that could not be recorded, a skipped gap). */
	onError?: (message: string) => void;
}

export interface Notifier {
	/** Follows the engine's leadership: only the leader sends, from the head it saw when it took the lead. */
	follow(engine: Pick<EngineLoop, 'role' | 'onRoleChange'>): void;
	/** The engine ticked (the loop's onTick): read what was committed since, and the deadlines. Returns at once. */
	ticked(): void;
	/** Resolves once the reading under way and every delivery queued have ended (tests; the engine's exit). */
	settled(): Promise<void>;
	readonly counts: {delivered: number; failed: number; waiting: number};
	/** The sinks failing now (the leading console shows them while it runs). */
	readonly health: DeliveryHealth;
	/** Stops: deliveries still retrying end now, and each is recorded as failed. */
	close(): Promise<void>;
}

const rank = (s: Severity) => SEVERITIES.indexOf(s);
const wants = (sink: NotifyConfig['sinks'][string], n: Notice) => sink.events.includes(n.event) && rank(n.severity) >= rank(sink.minSeverity);

/**
 * The engine leader's notifications. It follows the audit trail (every process writes there: a halt
 * typed at the CLI notifies as the engine's own does) from the head it read when it took the lead,
 * reading only what each tick committed (lock-free, as the exporter's counters do), and hands each
 * notice to a queue that delivers outside the cycle. Each event is sent at most once per leader
 * lifetime; a new leader does not send what was committed before it took over.
 */
export function startNotifier(opts: NotifierOptions): Notifier {
	const {store} = opts;
	const clock = opts.clock ?? systemClock;
	const controller = new AbortController();
	const report = (message: string) => opts.onError?.(message);
	const health: HealthBoard = new HealthBoard(
		() => clock.now(),
		(sink): number => queue.waitingFor(sink),
	);
	const send: Send =
		opts.send ?? ((name, sink, notice) => deliver(name, sink, notice, {...opts, now: () => clock.now(), signal: controller.signal, onFailedAttempt: error => health.failed(name, error)}));

	/** A failed delivery is an audit event: `calyx audit list` shows it beside what it was about. */
	const record = async (f: Failure) => {
		const reason = `notification ${f.notice.event} to sink ${f.sink} not delivered${f.attempts ? ` after ${f.attempts} attempt${f.attempts === 1 ? '' : 's'}` : ''}: ${f.error}`;
		try {
			await store.mutate(state => ({
				state,
				events: [{at: iso(clock.now()), actor: 'engine', kind: 'notify.failed', subject: f.notice.subject, reason, data: {sink: f.sink, event: f.notice.event, severity: f.notice.severity, attempts: f.attempts, ...(f.notice.seq !== undefined ? {seq: f.notice.seq} : {})}}],
				result: null,
			}));
		} catch (error) {
			report(`${reason} — and it could not be recorded in the audit trail: ${error instanceof Error ? error.message : String(error)}`);
		}
	};
	const queue: DeliveryQueue = new DeliveryQueue(send, record, undefined, health);

	let engine: Pick<EngineLoop, 'role' | 'onRoleChange'> | undefined;
	let unfollow: (() => void) | undefined;
	/** Where this leadership has read the trail to; not started until the baseline. */
	const trail = new TrailFollower((limit, through) => store.audit({limit, throughSeq: through}));
	/** Deadline notices sent (or already near at takeover) in this leadership. */
	const sent = new Set<string>();
	let work: Promise<void> = Promise.resolve();
	let again = false;
	let busy = false;
	let closed = false;
	const leading = () => !closed && engine?.role === 'leader';

	const dispatch = (config: NotifyConfig | undefined, notices: Notice[]) => {
		for (const [name, sink] of Object.entries(config?.sinks ?? {})) for (const n of notices) if (wants(sink, n)) queue.push(name, sink, n);
	};

	const readNew = async (state: State) => {
		const first = !trail.started;
		const config = state.config.notify;
		// No sink, no reading: a tick costs nothing where notifications are not set up.
		if (!first && (!config || Object.keys(config.sinks).length === 0)) return trail.skip(state);
		// Past events are not read again: a trail that cannot be read is said, with what was missed.
		const step = await trail.next(state, {onFailure: 'skip'}).catch((error: unknown) => {
			report(`notifications: audit events up to ${state.auditHead.seq} could not be read, nothing was sent for them: ${error instanceof Error ? error.message : String(error)}`);
			return {events: [], skipped: 0};
		});
		// The first read of a leadership, or a trail restored to an earlier head: what is there is not news.
		if (!step) {
			if (first) for (const n of nearDeadlines(state, clock.now(), state.config.notify?.deadlineNearMs ?? 0)) sent.add(n.key);
			return;
		}
		if (!config || step.events.length === 0) return;
		if (step.skipped > 0) report(`notifications: ${step.skipped} audit events were committed between two reads: only the newest ${step.events.length} were read`);
		const {events} = step;
		const services = new Map(state.deployments.map(d => [d.id, d.service]));
		for (const e of events) if (typeof e.data.service === 'string') services.set(e.subject, e.data.service);
		const unknown = [...new Set(events.map(e => e.subject).filter(id => id.startsWith('DEP-') && !services.has(id)))];
		// A deployment that ended in this commit is already in the archive.
		for (const id of unknown) {
			const found = await store.deployment?.(id).catch(() => undefined);
			if (found) services.set(id, found.deployment.service);
		}
		dispatch(config, noticesOf(events, id => services.get(id)));
	};

	const readDeadlines = (state: State) => {
		const config = state.config.notify;
		if (!config || Object.keys(config.sinks).length === 0) return;
		const fresh = nearDeadlines(state, clock.now(), config.deadlineNearMs).filter(n => !sent.has(n.key));
		for (const n of fresh) sent.add(n.key);
		dispatch(config, fresh);
	};

	const catchUp = async () => {
		if (!leading()) return;
		const state = await store.read();
		await readNew(state);
		readDeadlines(state);
	};

	// One reading at a time; ticks that arrive meanwhile make one more.
	const ticked = () => {
		if (!leading()) return;
		if (busy) {
			again = true;
			return;
		}
		busy = true;
		work = (async () => {
			try {
				do {
					again = false;
					await catchUp().catch(error => report(`notifications: the audit trail could not be read: ${error instanceof Error ? error.message : String(error)}`));
				} while (again && leading());
			} finally {
				busy = false;
			}
		})();
	};

	const takeLead = () => {
		trail.pause();
		sent.clear();
		ticked();
	};

	return {
		follow(e) {
			unfollow?.();
			engine = e;
			if (leading()) takeLead();
			unfollow = e.onRoleChange(role => (role === 'leader' ? takeLead() : trail.pause()));
		},
		ticked,
		async settled() {
			await work;
			await queue.drain();
		},
		get counts() {
			return queue.counts;
		},
		health,
		async close() {
			closed = true;
			unfollow?.();
			controller.abort();
			await work;
			await queue.drain();
		},
	};
}
