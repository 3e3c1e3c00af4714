/**
 * The runtime-API client against a socket of the test's own that answers what a broken or
 * misbehaving HAProxy could: answers in one-byte pieces, a read-back that ignores the change, garbage,
 * an answer cut short, an endless one, one with terminal escapes, none at all. The real HAProxy is in
 * haproxy.test.ts; these are the answers it cannot be made to give on demand.
 */
import {mkdtemp, rm} from 'node:fs/promises';
import {createServer, type Server, type Socket} from 'node:net';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {DriverError} from '../../src/drivers/targets/driver.js';
import {HaproxyDriver} from '../../src/drivers/targets/haproxy.js';
import {runtimeCall} from '../../src/drivers/targets/haproxy-socket.js';

const HEADER = '# be_id be_name srv_id srv_name srv_addr srv_op_state srv_admin_state srv_uweight srv_iweight srv_time_since_last_change';
const state = (stable: number, canary: number) => `1\n${HEADER}\n3 app 1 stable 127.0.0.1 2 0 ${stable} 100 0\n3 app 2 canary 127.0.0.1 2 0 ${canary} 0 0\n\n`;

type Responder = (line: string, socket: Socket) => void;

let dir: string;
let server: Server;
let socketPath: string;
let respond: Responder;
const lines: string[] = [];

beforeAll(async () => {
	dir = await mkdtemp(join(tmpdir(), 'calyx-hxp-'));
	socketPath = join(dir, 'fake.sock');
	server = createServer(socket => {
		let buffer = '';
		socket.on('data', d => {
			buffer += d.toString();
			const end = buffer.indexOf('\n');
			if (end >= 0) {
				lines.push(buffer.slice(0, end));
				respond(buffer.slice(0, end), socket);
			}
		});
		socket.on('error', () => undefined);
	});
	await new Promise<void>(resolve => server.listen(socketPath, resolve));
});
afterAll(async () => {
	await new Promise(resolve => server.close(resolve));
	await rm(dir, {recursive: true, force: true});
});

const driver = (timeoutMs = 1000) =>
	HaproxyDriver.from({kind: 'haproxy', socket: socketPath, backend: 'app', servers: {stable: 'stable', canary: 'canary'}, config: join(dir, 'haproxy.cfg'), timeoutMs});
const opts = () => ({signal: new AbortController().signal});
const failure = (p: Promise<unknown>) => p.then(() => expect.unreachable('should have failed'), (e: unknown) => e as DriverError);

/** Writes `text` one byte per write, the socket drained between them: the client must gather partial reads. */
async function trickle(socket: Socket, text: string) {
	for (const ch of text) await new Promise<void>(resolve => socket.write(ch, () => resolve()));
	socket.end();
}

describe('HAProxy runtime API client', () => {
	it('gathers an answer that arrives one byte at a time', async () => {
		respond = (_line, socket) => void trickle(socket, state(95, 5));
		expect(await driver().read(opts())).toMatchObject({canaryPercent: 5, stable: {weight: 95}, canary: {weight: 5}, evidence: 'router'});
	});

	it('sends the larger weight first and reads back on the same connection', async () => {
		lines.length = 0;
		respond = (_line, socket) => socket.end(`\n\n${state(0, 100)}`);
		await driver().apply(100, opts()).catch(() => undefined); // the config file does not exist here
		expect(lines).toEqual(['set server app/canary weight 100;set server app/stable weight 0;show servers state app']);
		lines.length = 0;
		await driver().apply(5, opts()).catch(() => undefined);
		expect(lines).toEqual(['set server app/stable weight 95;set server app/canary weight 5;show servers state app']);
	});

	it('reports a read-back that differs from what was set, with the report', async () => {
		respond = (_line, socket) => socket.end(`\n\n${state(100, 0)}`);
		const error = await failure(driver().apply(25, opts()));
		expect(error).toMatchObject({code: 'mismatch', message: 'HAProxy reads back weights 100/0 (stable/canary) after setting 75/25'});
		expect(error.report).toMatchObject({canaryPercent: 0, evidence: 'router'});
		expect(error.retryable).toBe(true);
	});

	it('fails on an answer that is not a servers state, quoting it escaped', async () => {
		respond = (_line, socket) => socket.end('\u001b]0;pwned\u0007Unknown command\n\n');
		const error = await failure(driver().read(opts()));
		expect(error).toMatchObject({code: 'rejected', message: 'HAProxy: \\x1b]0;pwned\\x07Unknown command'});
	});

	it('fails on a format it does not know', async () => {
		respond = (_line, socket) => socket.end(`2\n${HEADER}\n\n`);
		expect(await failure(driver().read(opts()))).toMatchObject({code: 'protocol', message: 'unsupported "show servers state" format 2 (this driver reads format 1)'});
	});

	it('fails on an answer cut short', async () => {
		respond = (_line, socket) => socket.end('\n');
		expect(await failure(driver().apply(25, opts()))).toMatchObject({code: 'protocol', message: expect.stringMatching(/^HAProxy answered 1 outputs to 3 commands \(cut short\?\)/)});
	});

	it('fails on a connection closed without a word', async () => {
		respond = (_line, socket) => socket.end();
		expect(await failure(driver().read(opts()))).toMatchObject({code: 'unreachable', message: 'HAProxy closed the connection without answering (stopped mid-call?)'});
	});

	it('stops reading an endless answer at its size bound', async () => {
		respond = (_line, socket) => {
			const block = 'x'.repeat(64 * 1024);
			const pump = () => {
				while (!socket.destroyed && socket.write(block));
				if (!socket.destroyed) socket.once('drain', pump);
			};
			pump();
		};
		const error = await failure(runtimeCall(socketPath, ['show servers state app'], {signal: new AbortController().signal, maxBytes: 256 * 1024}));
		expect(error).toMatchObject({code: 'protocol', message: `HAProxy's answer on ${socketPath} exceeds 262144 bytes`});
	});

	it('times out on an answer that never ends, within its bound', async () => {
		respond = () => undefined;
		const started = Date.now();
		expect(await failure(driver(150).read(opts()))).toMatchObject({code: 'timeout', message: 'haproxy read app: no answer within 150 ms'});
		expect(Date.now() - started).toBeLessThan(1000);
	});

	it('refuses to send a command that would become two, sending nothing', async () => {
		lines.length = 0;
		for (const command of ['show info; shutdown sessions server app/stable', 'show info\nshutdown', 'a\\;b', '  ']) {
			await expect(runtimeCall(socketPath, [command], opts())).rejects.toMatchObject({code: 'settings', message: expect.stringMatching(/^refused to send an unsafe runtime command/)});
		}
		expect(lines).toEqual([]);
	});
});
