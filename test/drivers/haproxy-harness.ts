/**
 * A real HAProxy for the tests and the bench: started unprivileged-style (no chroot, no user switch,
 * foreground `-db`), its config and admin socket in a temp dir, listening on 127.0.0.1 on a port
 * chosen here (HAProxy refuses port 0), in front of two small node HTTP servers answering "v1"
 * (stable) and "v2" (canary). Every process is stopped by pid, bounded in time.
 */
import {spawn, spawnSync, type ChildProcess} from 'node:child_process';
import {existsSync} from 'node:fs';
import {writeFile} from 'node:fs/promises';
import {createServer as createHttpServer, request, Agent, type Server} from 'node:http';
import {createServer as createNetServer, type AddressInfo} from 'node:net';
import {join} from 'node:path';

/** Why HAProxy tests cannot run here, or undefined when they can. */
export function haproxyAbsent(): string | undefined {
	const found = spawnSync('sh', ['-c', 'command -v haproxy'], {encoding: 'utf8'});
	return found.status === 0 ? undefined : 'haproxy is not installed (apt-get install haproxy; .ci/run installs it)';
}

/** Polls `condition` until it holds or `timeoutMs` passes: a deadline, never a fixed sleep. */
export async function until(condition: () => boolean | Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
	const deadline = Date.now() + timeoutMs;
	while (!(await condition())) {
		if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
		await new Promise(resolve => setTimeout(resolve, 10));
	}
}

/** A port free a moment ago: listen on 0, read it, close. Callers retry when HAProxy loses the race. */
export async function freePort(): Promise<number> {
	const server = createNetServer();
	await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
	const {port} = server.address() as AddressInfo;
	await new Promise(resolve => server.close(resolve));
	return port;
}

export interface Backend {
	port: number;
	close(): Promise<void>;
}

export async function startBackend(body: string): Promise<Backend> {
	const server: Server = createHttpServer((_req, res) => res.writeHead(200, {'content-type': 'text/plain'}).end(body));
	await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
	return {
		port: (server.address() as AddressInfo).port,
		close: () =>
			new Promise(resolve => {
				server.closeAllConnections();
				server.close(() => resolve());
			}),
	};
}

export interface ConfigOpts {
	stablePort: number;
	canaryPort: number;
	canaryWeight?: number;
	/** More sections, appended as they are (a second backend for a test). */
	extra?: string;
	/** Also a stats socket over TCP on 127.0.0.1 at this port (what a remote HAProxy offers). */
	adminTcpPort?: number;
}

export function haproxyConfig(o: ConfigOpts & {dir: string; port: number}): string {
	const canary = o.canaryWeight ?? 0;
	return [
		'global',
		`  stats socket ${join(o.dir, 'admin.sock')} mode 600 level admin`,
		...(o.adminTcpPort ? [`  stats socket ipv4@127.0.0.1:${o.adminTcpPort} level admin`] : []),
		'  maxconn 512',
		'defaults',
		'  mode http',
		'  timeout connect 2s',
		'  timeout client 10s',
		'  timeout server 10s',
		'frontend fe',
		`  bind 127.0.0.1:${o.port}`,
		'  default_backend app',
		'backend app',
		'  balance roundrobin',
		`  server stable 127.0.0.1:${o.stablePort} weight ${100 - canary} # the version in production`,
		`  server canary 127.0.0.1:${o.canaryPort} weight ${canary}`,
		o.extra ?? '',
	].join('\n');
}

export interface Haproxy {
	child: ChildProcess;
	pid: number;
	port: number;
	socket: string;
	config: string;
	log(): string;
	stop(): Promise<void>;
}

/** Starts HAProxy on `config` (already written) and waits for its socket and its frontend. */
export async function runHaproxy(config: string, socket: string, port: number): Promise<Haproxy> {
	let log = '';
	const child = spawn('haproxy', ['-db', '-f', config], {stdio: ['ignore', 'pipe', 'pipe']});
	child.stdout.on('data', (d: Buffer) => (log += d.toString()));
	child.stderr.on('data', (d: Buffer) => (log += d.toString()));
	const exited = new Promise<void>(resolve => child.once('exit', () => resolve()));
	const stop = async () => {
		if (child.exitCode !== null || child.signalCode !== null) return;
		child.kill('SIGTERM');
		const gone = await Promise.race([exited.then(() => true), new Promise<boolean>(r => setTimeout(() => r(false), 3000))]);
		if (!gone) {
			child.kill('SIGKILL');
			await exited;
		}
	};
	try {
		await until(() => child.exitCode !== null || existsSync(socket), 5000, 'the admin socket');
		await until(async () => child.exitCode !== null || (await get(port).then(() => true, () => false)), 5000, 'the frontend');
		if (child.exitCode !== null) throw new Error(`haproxy exited with ${child.exitCode}: ${log}`);
	} catch (error) {
		await stop();
		throw error;
	}
	return {child, pid: child.pid!, port, socket, config, log: () => log, stop};
}

/** Writes a config for two backends on a port picked now, and starts HAProxy (three tries: the port may be taken meanwhile). */
export async function startHaproxy(dir: string, o: ConfigOpts): Promise<Haproxy> {
	let last: unknown;
	for (let i = 0; i < 3; i++) {
		const port = await freePort();
		const config = join(dir, 'haproxy.cfg');
		await writeFile(config, haproxyConfig({dir, port, ...o}));
		try {
			return await runHaproxy(config, join(dir, 'admin.sock'), port);
		} catch (error) {
			last = error;
		}
	}
	throw last;
}

const agent = new Agent({keepAlive: true, maxSockets: 8});

/** One GET through `port`, resolving with the body. */
export function get(port: number): Promise<string> {
	return new Promise((resolve, reject) => {
		const req = request({host: '127.0.0.1', port, path: '/', agent, timeout: 5000}, res => {
			let body = '';
			res.on('data', (d: Buffer) => (body += d.toString()));
			res.on('end', () => (res.statusCode === 200 ? resolve(body) : reject(new Error(`HTTP ${res.statusCode}: ${body}`))));
		});
		req.on('timeout', () => req.destroy(new Error('request timed out')));
		req.on('error', reject);
		req.end();
	});
}

/** Sends `n` requests, `concurrency` at a time, and counts the answers by body. */
export async function countAnswers(port: number, n: number, concurrency = 4): Promise<Record<string, number>> {
	const counts: Record<string, number> = {};
	let next = 0;
	const worker = async () => {
		while (next < n) {
			next++;
			const body = await get(port);
			counts[body] = (counts[body] ?? 0) + 1;
		}
	};
	await Promise.all(Array.from({length: concurrency}, worker));
	return counts;
}
