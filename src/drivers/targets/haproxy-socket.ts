/**
 * HAProxy's runtime API over its admin UNIX socket, in non-interactive mode: one line per
 * connection, HAProxy answers and closes (management.txt §9.3, "Unix Socket commands"). Several
 * commands may share the line, separated by `;`; each command's output ends with an empty line,
 * and HAProxy guarantees that no command emits an empty line of its own, so the answer splits
 * back into one output per command.
 *
 * Formats relied on, checked against HAProxy 2.6's management.txt and its server-t.h:
 * - `set server <be>/<srv> weight <0–256>` answers nothing on success, one line on error
 *   ("No such server.", "No such backend.", "Absolute weight can only be between 0 and 256 inclusive.").
 * - `show servers state <be>` answers the format version (`1`), a `# `-prefixed header naming the
 *   columns, then one line per server; columns are found by name, not position. An unknown
 *   backend answers "Can't find backend.".
 */
import {connect} from 'node:net';
import {DriverError, outsideText} from './driver.js';
import {RUNTIME_TCP} from './settings.js';

/** A path for the UNIX socket, host and port for `ipv4@…`/`ipv6@…` (settings.ts). */
function endpointOf(address: string): {path: string} | {host: string; port: number} {
	const m = RUNTIME_TCP.exec(address);
	return m ? {host: (m[1] ?? m[2])!, port: Number(m[3])} : {path: address};
}

/** The most of an answer kept: a `show servers state` of one backend is a few hundred bytes. */
export const MAX_ANSWER_BYTES = 1 << 20;

/** A `;`, `\` or line break in a command would become another command: refused, never escaped. */
const UNSAFE_COMMAND = /[;\\\r\n]/;

function socketError(path: string, error: NodeJS.ErrnoException): DriverError {
	const why: Record<string, string> = {
		ENOENT: `no HAProxy admin socket at ${path} (is HAProxy running, with "stats socket ${path} level admin"?)`,
		ECONNREFUSED: `nothing listens on ${path} (a socket left by a stopped HAProxy, or no "stats socket ${path} level admin" in its global section?)`,
		ETIMEDOUT: `${path} did not answer (HAProxy's box unreachable from here?)`,
		EHOSTUNREACH: `no route to ${path} from this box`,
		EACCES: `permission denied on ${path} (the socket's mode or owner)`,
		ENOTSOCK: `${path} is not a socket`,
		ECONNRESET: `HAProxy reset the connection on ${path} (stopped mid-call?)`,
		EPIPE: `HAProxy closed ${path} before the command was sent (stopped mid-call?)`,
	};
	const message = why[error.code ?? ''] ?? `${path}: ${error.message}`;
	return new DriverError(error.code === 'EACCES' || error.code === 'ENOTSOCK' ? 'settings' : 'unreachable', outsideText(message), {cause: error});
}

/**
 * Sends `commands` on one connection and resolves with one output per command. Partial reads are
 * gathered until HAProxy closes; an abort of `signal` destroys the socket at once.
 */
export function runtimeCall(path: string, commands: string[], opts: {signal: AbortSignal; maxBytes?: number}): Promise<string[]> {
	for (const command of commands) {
		if (UNSAFE_COMMAND.test(command) || command.trim() === '') {
			return Promise.reject(new DriverError('settings', `refused to send an unsafe runtime command: ${outsideText(JSON.stringify(command), 200)}`));
		}
	}
	const maxBytes = opts.maxBytes ?? MAX_ANSWER_BYTES;
	return new Promise((resolve, reject) => {
		const chunks: Buffer[] = [];
		let size = 0;
		let done = false;
		const socket = connect(endpointOf(path));
		const finish = (error?: DriverError) => {
			if (done) return;
			done = true;
			opts.signal.removeEventListener('abort', onAbort);
			socket.destroy();
			if (error) return reject(error);
			const text = Buffer.concat(chunks).toString('utf8');
			try {
				resolve(splitOutputs(text, commands.length));
			} catch (parseError) {
				reject(parseError);
			}
		};
		const onAbort = () => {
			const reason: unknown = opts.signal.reason;
			finish(reason instanceof DriverError ? reason : new DriverError('aborted', `runtime call on ${path} aborted`));
		};
		if (opts.signal.aborted) return onAbort();
		opts.signal.addEventListener('abort', onAbort, {once: true});
		socket.on('connect', () => socket.write(`${commands.join(';')}\n`));
		socket.on('data', (chunk: Buffer) => {
			size += chunk.length;
			if (size > maxBytes) return finish(new DriverError('protocol', `HAProxy's answer on ${path} exceeds ${maxBytes} bytes`));
			chunks.push(chunk);
		});
		// Non-interactive mode: the answer is complete when HAProxy closes its side.
		socket.on('end', () => finish());
		socket.on('close', () => finish());
		socket.on('error', (error: NodeJS.ErrnoException) => finish(socketError(path, error)));
	});
}

/** The answer cut into one output per command (each without its terminating empty line). */
export function splitOutputs(text: string, count: number): string[] {
	if (text === '') throw new DriverError('unreachable', 'HAProxy closed the connection without answering (stopped mid-call?)');
	const outputs: string[] = [];
	let current: string[] = [];
	for (const line of text.split('\n').slice(0, text.endsWith('\n') ? -1 : undefined)) {
		if (line === '') {
			outputs.push(current.join('\n'));
			current = [];
		} else current.push(line);
	}
	// Some errors ("Empty weight string…") end without the empty line: the last output stands as is.
	if (current.length > 0) outputs.push(current.join('\n'));
	if (outputs.length !== count) {
		throw new DriverError('protocol', `HAProxy answered ${outputs.length} outputs to ${count} commands (cut short?): ${outsideText(text, 500)}`, {detail: outsideText(text)});
	}
	return outputs;
}

export interface ServerState {
	name: string;
	/** srv_op_state: 0 stopped, 1 starting, 2 running, 3 stopping. */
	opState: number;
	/** srv_admin_state: a mask of SRV_ADMF_* flags. */
	adminState: number;
	/** srv_uweight: the weight in force, what `set server … weight` changes. */
	weight: number;
	/** srv_iweight: the weight the configuration gave at start. */
	initialWeight: number;
}

/** SRV_ADMF_FMAINT|IMAINT|CMAINT|RMAINT (0x27) and FDRAIN|IDRAIN (0x18): any of them and no new traffic. */
const NOT_SERVING_ADMIN = 0x3f;

/** Running or warming up, and neither in maintenance nor draining. */
export const isServing = (s: ServerState): boolean => (s.opState === 1 || s.opState === 2) && (s.adminState & NOT_SERVING_ADMIN) === 0;

const COLUMNS = ['be_name', 'srv_name', 'srv_op_state', 'srv_admin_state', 'srv_uweight', 'srv_iweight'] as const;

/** Parses `show servers state <backend>`'s output; HAProxy's own error line becomes a `rejected` error. */
export function parseServersState(output: string, backend: string): Map<string, ServerState> {
	const lines = output.split('\n');
	if (lines[0]?.trim() !== '1') {
		const looksLikeVersion = /^\d+$/.test(lines[0]?.trim() ?? '');
		if (looksLikeVersion) throw new DriverError('protocol', `unsupported "show servers state" format ${outsideText(lines[0]!, 20)} (this driver reads format 1)`);
		throw new DriverError('rejected', `HAProxy: ${outsideText(output, 500)}`, {detail: outsideText(output)});
	}
	const header = lines[1]?.startsWith('#') ? lines[1].slice(1).trim().split(/\s+/) : undefined;
	if (!header) throw new DriverError('protocol', `"show servers state" answered without its column header: ${outsideText(output, 500)}`);
	const index = Object.fromEntries(COLUMNS.map(c => [c, header.indexOf(c)])) as Record<(typeof COLUMNS)[number], number>;
	const absent = COLUMNS.filter(c => index[c] < 0);
	if (absent.length > 0) throw new DriverError('protocol', `"show servers state" lacks the column(s) ${absent.join(', ')}`);
	const servers = new Map<string, ServerState>();
	for (const line of lines.slice(2)) {
		if (line.startsWith('#') || line.trim() === '') continue;
		const cells = line.trim().split(/\s+/);
		if (cells[index.be_name] !== backend) continue;
		const int = (column: (typeof COLUMNS)[number]) => {
			const cell = cells[index[column]];
			const n = cell !== undefined && /^\d+$/.test(cell) ? Number(cell) : NaN;
			if (Number.isNaN(n)) throw new DriverError('protocol', `"show servers state": ${column} is not a number in: ${outsideText(line, 300)}`);
			return n;
		};
		const name = cells[index.srv_name]!;
		servers.set(name, {name, opState: int('srv_op_state'), adminState: int('srv_admin_state'), weight: int('srv_uweight'), initialWeight: int('srv_iweight')});
	}
	return servers;
}
