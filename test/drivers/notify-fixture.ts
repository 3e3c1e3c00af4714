/**
 * The notifier's test rig: a local HTTP server that records what sinks receive (and answers what the
 * test says), timers that fire only when the test moves the clock, and a data directory with a live
 * canary under a notifier that follows a leadership switch the test turns.
 */
import {createServer, type IncomingHttpHeaders, type Server} from 'node:http';
import type {AddressInfo} from 'node:net';
import {afterEach} from 'vitest';
import type {ManualClock, Sink} from '../../src/core/index.js';
import type {Timers} from '../../src/drivers/call.js';
import {startNotifier, type Notifier, type NotifierOptions} from '../../src/drivers/notify/index.js';
import {initStore, type BatchStore} from '../../src/store/index.js';
import {clockAt, seedCanary, tempDir} from '../store/helpers.js';
import {fakeEngine, type FakeEngine} from './exporter-fixture.js';

export interface Received {
	path: string;
	headers: IncomingHttpHeaders;
	body: string;
}

export interface Receiver {
	url: string;
	received: Received[];
	/** The status the next requests get, in turn; 200 once the list is used up. */
	answers: number[];
	close(): Promise<void>;
}

const servers: Server[] = [];
afterEach(async () => {
	await Promise.all(servers.splice(0).map(s => new Promise(resolve => s.close(resolve))));
});

/** node:http on 127.0.0.1, a port the system picks. */
export async function receiver(): Promise<Receiver> {
	const received: Received[] = [];
	const answers: number[] = [];
	const server = createServer((req, res) => {
		let body = '';
		req.setEncoding('utf8').on('data', (c: string) => (body += c));
		req.on('end', () => {
			received.push({path: req.url ?? '', headers: req.headers, body});
			res.writeHead(answers.shift() ?? 200).end('ok');
		});
	});
	servers.push(server);
	await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
	const {port} = server.address() as AddressInfo;
	return {url: `http://127.0.0.1:${port}/hook`, received, answers, close: () => new Promise(resolve => server.close(() => resolve()))};
}

/** An address where nothing listens: a server bound, then closed. */
export async function deadAddress(): Promise<string> {
	const r = await receiver();
	await r.close();
	return r.url;
}

const flush = () => new Promise<void>(resolve => setImmediate(resolve));

/** Timers on the test's clock: a retry's pause passes only when the test advances it. */
export class ClockTimers implements Timers {
	#next = 0;
	#pending: Array<{id: number; at: number; fn: () => void}> = [];
	constructor(readonly clock: ManualClock) {}
	setTimeout(fn: () => void, ms: number): unknown {
		const id = ++this.#next;
		this.#pending.push({id, at: this.clock.now() + ms, fn});
		return id;
	}
	clearTimeout(handle: unknown): void {
		this.#pending = this.#pending.filter(t => t.id !== handle);
	}
	/** Timers waiting, soonest first: the pauses the queue is in. */
	get pending(): number[] {
		return this.#pending.map(t => t.at - this.clock.now()).sort((a, b) => a - b);
	}
	/** Moves the clock forward, firing what falls due in order. */
	async advance(ms: number): Promise<void> {
		const target = this.clock.now() + ms;
		for (;;) {
			await flush();
			const due = this.#pending.filter(t => t.at <= target).sort((a, b) => a.at - b.at)[0];
			if (!due) break;
			this.clearTimeout(due.id);
			this.clock.set(due.at);
			due.fn();
		}
		this.clock.set(target);
		await flush();
	}
}

export interface NotifyRig {
	store: BatchStore;
	clock: ManualClock;
	timers: ClockTimers;
	deploymentId: string;
	notifier: Notifier;
	engine: FakeEngine;
	configure(sinks: Record<string, Sink>, deadlineNearMs?: number): Promise<void>;
	/** A tick, then everything it queued delivered or recorded. */
	tick(): Promise<void>;
}

/** One canary live at 5%; a notifier leading (unless told otherwise), no sinks until `configure`. */
export async function notifyRig(opts: Partial<NotifierOptions> & {role?: 'leader' | 'follower'} = {}): Promise<NotifyRig> {
	const clock = clockAt();
	const {store} = await initStore(tempDir());
	const {deploymentId} = await seedCanary(store, clock);
	const timers = new ClockTimers(clock);
	const notifier = startNotifier({store, clock, timers, random: () => 1, ...opts});
	const engine = fakeEngine(opts.role ?? 'leader');
	notifier.follow(engine);
	await notifier.settled();
	const configure = async (sinks: Record<string, Sink>, deadlineNearMs = 10 * 60_000) => {
		const config = (await store.read()).config;
		await store.run({type: 'config.set', actor: 'human:alice', config: {...config, notify: {sinks, deadlineNearMs}}}, {clock});
	};
	const tick = async () => {
		notifier.ticked();
		await notifier.settled();
	};
	return {store, clock, timers, deploymentId, notifier, engine, configure, tick};
}
