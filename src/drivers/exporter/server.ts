import {createServer, type Server} from 'node:http';
import type {AddressInfo} from 'node:net';
import type {ListenAddress} from './address.js';

export interface Answer {
	status: number;
	contentType: string;
	body: string;
}

export interface MetricsServer {
	/** Where it listens; the port the system picked when asked for port 0. */
	readonly address: ListenAddress;
	close(): Promise<void>;
}

/** Why the exporter could not listen, in an operator's words; `code` is the system's (EADDRINUSE…). */
export class ListenError extends Error {
	override readonly name = 'ListenError';
	constructor(
		message: string,
		readonly code: string,
	) {
		super(message);
	}
}

const WHY: Record<string, string> = {
	EADDRINUSE: 'the port is in use by another process',
	EACCES: 'not permitted (a port below 1024 needs privileges)',
	EADDRNOTAVAIL: 'the address is not one of this host’s',
	ENOTFOUND: 'the host name does not resolve',
	EAI_AGAIN: 'the host name does not resolve',
};

/** Prometheus scrapes, a browser looks: a few connections at once is plenty; more wait in the kernel's backlog. */
const MAX_CONNECTIONS = 16;
const NOT_FOUND: Answer = {status: 404, contentType: 'text/plain; charset=utf-8', body: 'not found: only GET /metrics\n'};

/**
 * The HTTP side of the exporter: GET /metrics (any query string) answered by `answer`, anything
 * else 404. Bounded: a request's headers within 5 s and the whole of it within 10 s, idle
 * connections closed after 5 s, at most MAX_CONNECTIONS at once.
 */
export async function listenMetrics(at: ListenAddress, answer: () => Promise<Answer>): Promise<MetricsServer> {
	const server: Server = createServer({requestTimeout: 10_000, headersTimeout: 5_000, keepAliveTimeout: 5_000, maxHeaderSize: 8_192}, (req, res) => {
		const path = (req.url ?? '').split('?', 1)[0];
		const reply = (a: Answer) => {
			if (res.destroyed) return;
			res.writeHead(a.status, {'content-type': a.contentType, 'content-length': Buffer.byteLength(a.body), 'cache-control': 'no-store'}).end(a.body);
		};
		if (req.method !== 'GET' || path !== '/metrics') return reply(NOT_FOUND);
		answer().then(reply, (error: unknown) => reply({status: 500, contentType: NOT_FOUND.contentType, body: `calyx exporter: ${error instanceof Error ? error.message : String(error)}\n`}));
	});
	server.maxConnections = MAX_CONNECTIONS;
	await new Promise<void>((resolve, reject) => {
		const failed = (error: NodeJS.ErrnoException) => {
			const code = error.code ?? 'ERROR';
			reject(new ListenError(`cannot listen on ${at.host}:${at.port}: ${WHY[code] ?? error.message} (${code})`, code));
		};
		server.once('error', failed);
		server.listen({host: at.host, port: at.port, exclusive: true}, () => {
			server.removeListener('error', failed);
			resolve();
		});
	});
	const bound = server.address() as AddressInfo;
	return {
		address: {host: at.host, port: bound.port},
		close: () =>
			new Promise<void>(resolve => {
				server.close(() => resolve());
				server.closeAllConnections();
			}),
	};
}
