import {systemClock, type Clock} from '../../core/clock.js';
import type {BatchStore} from '../../store/api.js';
import type {EngineLoop} from '../engine-loop.js';
import {metricsUrl, type ListenAddress} from './address.js';
import {ExporterMetrics} from './metrics.js';
import {listenMetrics, type Answer, type MetricsServer} from './server.js';
import {showState} from './state-view.js';
import {timedStore} from './timed-store.js';
import {TrailCounter} from './trail-counts.js';

export {parseListen, LISTEN_FORMS, type ListenAddress} from './address.js';
export {ListenError} from './server.js';

export interface ExporterOptions {
	listen: ListenAddress;
	/** The store the engine drives: read on each scrape, lock-free. */
	store: BatchStore;
	clock?: Clock;
	/** A headless engine answers as a follower too (calyx_engine_leader 0); a console serves only while it leads. */
	whileFollowing: 'serve' | 'refuse';
	/** The longest a scrape waits for the state before answering 503 (default 5 s). */
	scrapeTimeoutMs?: number;
}

export interface Exporter {
	readonly url: string;
	readonly address: ListenAddress;
	/** The store to give the engine loop: the same store, each write timed. */
	readonly engineStore: BatchStore;
	/** One engine cycle took this long (the loop's onTick). */
	ticked(ms: number): void;
	/** Follows the engine's leadership: until then, and while following, no deployment is exported. */
	follow(engine: Pick<EngineLoop, 'role' | 'onRoleChange'>): void;
	/** What GET /metrics answers now. */
	scrape(): Promise<Answer>;
	close(): Promise<void>;
}

const TEXT = 'text/plain; charset=utf-8';

/**
 * calyx's own metrics on `listen`. The gauges are computed from the store's state on each scrape,
 * not on each cycle: a scrape every 15 s costs one lock-free read and a pass over the live
 * deployments, where a pass per 1 s cycle would cost fifteen (figures in the README). Nothing
 * here runs inside the engine's cycle but the two timings it reports.
 */
export async function startExporter(opts: ExporterOptions): Promise<Exporter> {
	const metrics = new ExporterMetrics();
	const clock = opts.clock ?? systemClock;
	const trail = new TrailCounter(metrics, (limit, through) => opts.store.audit({limit, throughSeq: through}));
	const timeoutMs = opts.scrapeTimeoutMs ?? 5_000;
	let engine: Pick<EngineLoop, 'role' | 'onRoleChange'> | undefined;
	let unfollow: (() => void) | undefined;
	const leading = () => engine?.role === 'leader';
	// One refresh at a time: scrapes that arrive meanwhile share it, and a baseline never interleaves a catch-up.
	let queue: Promise<unknown> = Promise.resolve();
	let pending: Promise<string> | undefined;
	const serial = <T>(work: () => Promise<T>): Promise<T> => {
		const run = queue.then(work);
		queue = run.catch(() => undefined);
		return run;
	};

	const exposition = () =>
		(pending ??= serial(async () => {
			metrics.leader.set(leading() ? 1 : 0);
			if (leading()) {
				const state = await opts.store.read();
				showState(metrics, state, clock.now());
				await trail.catchUp(state);
			} else {
				for (const gauge of metrics.perDeployment) gauge.reset();
				trail.pause();
			}
			return metrics.registry.metrics();
		}).finally(() => (pending = undefined)));

	const scrape = async (): Promise<Answer> => {
		if (!leading() && opts.whileFollowing === 'refuse') return {status: 503, contentType: TEXT, body: 'this console does not lead the engine: its metrics are served by the leader\n'};
		let timer: NodeJS.Timeout | undefined;
		const late = new Promise<Answer>(resolve => {
			timer = setTimeout(() => resolve({status: 503, contentType: TEXT, body: `the state did not load within ${timeoutMs} ms\n`}), timeoutMs);
		});
		try {
			return await Promise.race([exposition().then(body => ({status: 200, contentType: metrics.registry.contentType, body})), late]);
		} finally {
			clearTimeout(timer);
		}
	};

	// Counting starts at the head the leader sees as it takes the lead, not at the first scrape.
	const baseline = () => void serial(async () => trail.catchUp(await opts.store.read())).catch(() => undefined);
	const server: MetricsServer = await listenMetrics(opts.listen, scrape);
	return {
		url: metricsUrl(server.address),
		address: server.address,
		engineStore: timedStore(opts.store, seconds => metrics.write.observe(seconds)),
		ticked: ms => metrics.tick.observe(ms / 1000),
		follow(e) {
			unfollow?.();
			engine = e;
			metrics.leader.set(leading() ? 1 : 0);
			if (leading()) baseline();
			unfollow = e.onRoleChange(role => {
				metrics.leader.set(role === 'leader' ? 1 : 0);
				if (role === 'leader') baseline();
				else void serial(async () => trail.pause());
			});
		},
		scrape,
		// A scrape still reading is left to finish on its own: it only reads, and a store that hangs must not hang the engine's exit.
		async close() {
			unfollow?.();
			await server.close();
		},
	};
}
