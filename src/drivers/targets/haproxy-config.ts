/**
 * The weights in HAProxy's configuration file. Runtime API changes live only in HAProxy's memory:
 * a restart reloads the file, so the driver writes the same weights there (the `weight N` argument
 * of each `server` line in the backend's section) and the split survives a restart.
 *
 * The edit is textual and minimal: only the number after `weight` on the two server lines changes
 * (or ` weight N` is added), every other byte (comments, indentation, CRLF) stays. The file is
 * replaced atomically (a temp file in the same directory, fsync, rename, fsync of the directory), so
 * HAProxy never reads half a file, and keeps its mode.
 */
import {randomBytes} from 'node:crypto';
import {chmod, chown, open, readFile, rename, rm, stat} from 'node:fs/promises';
import {basename, dirname, join} from 'node:path';
import {DriverError, outsideText} from './driver.js';

/** The keywords that open a section in an HAProxy configuration (2.6 and later). */
const SECTIONS = new Set([
	'global', 'defaults', 'frontend', 'backend', 'listen', 'peers', 'resolvers', 'userlist', 'mailers', 'program',
	'http-errors', 'ring', 'cache', 'log-forward', 'fcgi-app', 'crt-store', 'traces',
]);

interface ServerLine {
	index: number;
	/** The line without its comment and line ending. */
	code: string;
	/** The comment (from the first `#` that follows a blank) and the `\r`, put back as they were. */
	tail: string;
}

function splitComment(line: string): {code: string; tail: string} {
	const cr = line.endsWith('\r') ? '\r' : '';
	const body = cr ? line.slice(0, -1) : line;
	const hash = body.search(/(^|\s)#/);
	if (hash < 0) return {code: body, tail: cr};
	const at = body[hash] === '#' ? hash : hash + 1;
	return {code: body.slice(0, at), tail: body.slice(at) + cr};
}

/** The `server` lines of `backend`'s section (a `backend` or `listen` of that name), by server name. */
function serverLines(lines: string[], backend: string): Map<string, ServerLine[]> {
	const found = new Map<string, ServerLine[]>();
	let inBackend = false;
	let sawBackend = false;
	lines.forEach((line, index) => {
		const {code, tail} = splitComment(line);
		const words = code.trim().split(/\s+/);
		if (SECTIONS.has(words[0] ?? '')) {
			inBackend = (words[0] === 'backend' || words[0] === 'listen') && words[1] === backend;
			sawBackend ||= inBackend;
			return;
		}
		if (inBackend && words[0] === 'server' && words[1]) {
			found.set(words[1], [...(found.get(words[1]) ?? []), {index, code, tail}]);
		}
	});
	if (!sawBackend) throw new DriverError('io', `no "backend ${backend}" (or "listen ${backend}") section in the HAProxy configuration`);
	return found;
}

function oneLine(found: Map<string, ServerLine[]>, backend: string, server: string): ServerLine {
	const matches = found.get(server) ?? [];
	if (matches.length !== 1) {
		throw new DriverError('io', matches.length === 0 ? `no "server ${server}" line in backend ${backend} of the HAProxy configuration` : `"server ${server}" appears ${matches.length} times in backend ${backend}`);
	}
	return matches[0]!;
}

const WEIGHT = /(\sweight\s+)(\S+)/;

/** `server <name> <address>` and the arguments after it: `weight` is looked for only among the arguments (a server may be named "weight"). */
function args(code: string): {head: string; rest: string} {
	const head = /^\s*server\s+\S+(\s+\S+)?/.exec(code)?.[0] ?? '';
	return {head, rest: code.slice(head.length)};
}

/** The weights written on the server lines (undefined: the line has no `weight`, HAProxy takes its default). */
export function configWeights(text: string, backend: string, servers: string[]): Record<string, number | undefined> {
	const found = serverLines(text.split('\n'), backend);
	return Object.fromEntries(
		servers.map(server => {
			const m = WEIGHT.exec(args(oneLine(found, backend, server).code).rest);
			return [server, m && /^\d+$/.test(m[2]!) ? Number(m[2]) : undefined];
		}),
	);
}

/** `text` with each server's weight set to `weights[server]`; the same text when nothing changes. */
export function withWeights(text: string, backend: string, weights: Record<string, number>): string {
	const lines = text.split('\n');
	const found = serverLines(lines, backend);
	for (const [server, weight] of Object.entries(weights)) {
		const line = oneLine(found, backend, server);
		const {head, rest} = args(line.code);
		const code = WEIGHT.test(rest) ? head + rest.replace(WEIGHT, `$1${weight}`) : `${line.code.trimEnd()} weight ${weight}${line.tail.startsWith('#') ? ' ' : ''}`;
		lines[line.index] = code + line.tail;
	}
	return lines.join('\n');
}

/** Replaces `path` with `text` atomically and durably, keeping its mode (and owner, when allowed to). */
export async function replaceFile(path: string, text: string): Promise<void> {
	const dir = dirname(path);
	const tmp = join(dir, `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
	const before = await stat(path);
	const fh = await open(tmp, 'wx', before.mode & 0o7777);
	try {
		await fh.writeFile(text);
		await fh.sync();
		await fh.close();
		// open(2)'s mode passes through the umask: set it exactly, and the owner when running as root.
		await chmod(tmp, before.mode & 0o7777);
		if (process.getuid?.() === 0) await chown(tmp, before.uid, before.gid);
		await rename(tmp, path);
	} catch (error) {
		await fh.close().catch(() => undefined);
		await rm(tmp, {force: true});
		throw error;
	}
	const dh = await open(dir, 'r');
	try {
		await dh.sync();
	} finally {
		await dh.close();
	}
}

const ioError = (path: string, doing: string, error: unknown) =>
	error instanceof DriverError ? new DriverError(error.code, `${path}: ${error.message}`) : new DriverError('io', outsideText(`${doing} ${path}: ${(error as Error).message}`), {cause: error});

/** Reads the configured weights of `servers` (errors name the file). */
export async function readConfigWeights(path: string, backend: string, servers: string[]): Promise<Record<string, number | undefined>> {
	try {
		return configWeights(await readFile(path, 'utf8'), backend, servers);
	} catch (error) {
		throw ioError(path, 'reading', error);
	}
}

/** Writes `weights` into the file at `path`; an unchanged file is left untouched (no new mtime). */
export async function writeConfigWeights(path: string, backend: string, weights: Record<string, number>): Promise<void> {
	try {
		const text = await readFile(path, 'utf8');
		const next = withWeights(text, backend, weights);
		if (next !== text) await replaceFile(path, next);
	} catch (error) {
		throw ioError(path, 'rewriting', error);
	}
}
