/**
 * The pieces of the Prometheus end-to-end test that the HAProxy harness does not have: a canary
 * server that can be told to fail a share of its requests, HAProxy's built-in Prometheus exporter
 * on a frontend of its own, a steady load through HAProxy that counts every answer by status, and
 * the service definition's `metrics` reading the router's own per-server counters.
 */
import {createServer, request, Agent, type Server} from 'node:http';
import type {AddressInfo} from 'node:net';

/** A server answering `body`; while `failEvery(n)` is set, every n-th request answers 500 instead. */
export interface FaultyBackend {
	port: number;
	failEvery(n: number | undefined): void;
	close(): Promise<void>;
}

export async function startFaultyBackend(body: string): Promise<FaultyBackend> {
	let every: number | undefined;
	let served = 0;
	// Every n-th, not a random n-th: the share HAProxy counts is the one set, whatever the window holds.
	const server: Server = createServer((_req, res) => {
		served++;
		const fail = every !== undefined && served % every === 0;
		res.writeHead(fail ? 500 : 200, {'content-type': 'text/plain'}).end(fail ? `${body} failed` : body);
	});
	await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
	return {
		port: (server.address() as AddressInfo).port,
		failEvery: n => {
			every = n;
			served = 0;
		},
		close: () =>
			new Promise(resolve => {
				server.closeAllConnections();
				server.close(() => resolve());
			}),
	};
}

/** A frontend serving HAProxy's own Prometheus exporter, apart from the traffic's (appended to the config). */
export const exporterFrontend = (port: number) =>
	['frontend stats', `  bind 127.0.0.1:${port}`, '  http-request use-service prometheus-exporter if { path /metrics }', ''].join('\n');

/**
 * Kept-alive sockets taken in turn (fifo), not the last freed first: under lifo, a socket opened in
 * a burst sat idle until HAProxy's client timeout closed it, and a request that picked it up as
 * its close arrived failed with ECONNRESET (a client's race, not an answer the router dropped).
 * In turn, at this load no socket idles for more than a fraction of a second.
 */
const agent = new Agent({keepAlive: true, maxSockets: 16, scheduling: 'fifo'});

/** One GET through `port`: its status and body, or the error's code when it had no answer. */
function send(port: number): Promise<string> {
	return new Promise(resolve => {
		const req = request({host: '127.0.0.1', port, path: '/', agent, timeout: 5000}, res => {
			let body = '';
			res.on('data', (d: Buffer) => (body += d.toString()));
			res.on('end', () => resolve(`${res.statusCode} ${body}`));
			res.on('error', e => resolve(`error ${(e as NodeJS.ErrnoException).code ?? e.message}`));
		});
		req.on('timeout', () => req.destroy(new Error('timeout')));
		req.on('error', e => resolve(`error ${(e as NodeJS.ErrnoException).code ?? e.message}`));
		req.end();
	});
}

/** Answers counted by `status body` ("200 v1", "500 v2 failed", "error ECONNRESET"). */
export type Tally = Record<string, number>;
const add = (tally: Tally, answer: string) => (tally[answer] = (tally[answer] ?? 0) + 1);

/** `n` requests, `concurrency` at a time, counted. */
export async function tallyAnswers(port: number, n: number, concurrency = 4): Promise<Tally> {
	const tally: Tally = {};
	let next = 0;
	const worker = async () => {
		while (next < n) {
			next++;
			add(tally, await send(port));
		}
	};
	await Promise.all(Array.from({length: concurrency}, worker));
	return tally;
}

export interface Load {
	/** Everything answered so far. */
	tally(): Tally;
	/** Stops sending, waits for the requests in flight, answers the whole run's tally. */
	stop(): Promise<Tally>;
}

/**
 * A steady `perSecond` requests through `port`, the traffic the router's counters (and so
 * Prometheus' rates) are made of. Paced by the clock, not by answers: a slow answer does not
 * slow the load down, up to `maxInFlight`.
 */
export function startLoad(port: number, perSecond: number, maxInFlight = 16): Load {
	const tally: Tally = {};
	const started = performance.now();
	const inFlight = new Set<Promise<void>>();
	let sent = 0;
	const timer = setInterval(() => {
		const due = Math.floor(((performance.now() - started) * perSecond) / 1000);
		while (sent < due && inFlight.size < maxInFlight) {
			sent++;
			const one: Promise<void> = send(port).then(answer => {
				add(tally, answer);
				inFlight.delete(one);
			});
			inFlight.add(one);
		}
		// Behind by more than the in-flight allowance: skip, rather than burst to catch up.
		sent = Math.max(sent, due - maxInFlight);
	}, 10);
	return {
		tally: () => ({...tally}),
		stop: async () => {
			clearInterval(timer);
			await Promise.all(inFlight);
			return {...tally};
		},
	};
}

/** How many answers of a tally had a status of `klass` (`5`: 5xx) or no answer at all (`error`). */
export const answered = (tally: Tally, klass: string) => Object.entries(tally).filter(([k]) => k.startsWith(klass)).reduce((n, [, v]) => n + v, 0);

/** The share of one server's answers of a class, in percent, from HAProxy's counters. */
const share = (server: string, code: string) =>
	`sum(rate(haproxy_server_http_responses_total{proxy="{{backend}}",server="{{${server}}}",code="${code}"}[{{window}}])) / sum(rate(haproxy_server_http_responses_total{proxy="{{backend}}",server="{{${server}}}"}[{{window}}])) * 100`;

/**
 * The service definition's `metrics`: the error rate is the canary server's 5xx share, TES Δ compares
 * the 2xx share of each server, both read from the router itself (no instrumentation in the app).
 */
export function haproxyMetrics(prometheus: string, extra: {consecutiveErrorLimit?: number} = {}) {
	return {
		source: 'prometheus',
		prometheus: {address: prometheus, timeout: '2s'},
		window: '5s',
		scrapeInterval: '1s',
		interval: '1s',
		...extra,
		variables: {backend: 'app', canaryServer: 'canary', stableServer: 'stable'},
		checks: {
			errorRate: {query: share('canaryServer', '5xx')},
			tesDelta: {canary: share('canaryServer', '2xx'), stable: share('stableServer', '2xx')},
		},
	};
}
