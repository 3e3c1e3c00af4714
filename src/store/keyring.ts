import {chmodSync, closeSync, existsSync, fstatSync, fsyncSync, mkdirSync, openSync, readFileSync, statSync, unlinkSync, writeSync} from 'node:fs';
import {basename, dirname, isAbsolute, join, resolve} from 'node:path';
import {createPrivateKey, createPublicKey} from 'node:crypto';
import type {Role} from '../core/index.js';
import {TEXT_LIMITS, textProblem} from '../core/text.js';
import {keysDir} from './xdg.js';

/** A private key as the holder keeps it: outside the data directory, readable by its owner only. */
export interface LocalKey {
	id: string;
	role: Role;
	privateKey: string;
	publicKey: string;
	path: string;
}

export class KeyringError extends Error {
	override readonly name = 'KeyringError';
	constructor(
		message: string,
		readonly path: string,
	) {
		super(message);
	}
}

const HEADER = /^calyx-key-(id|role):\s*(\S+)\s*$/gm;

export const defaultKeyPath = (id: string, env = process.env) => join(keysDir(env), `${id}.pem`);

/**
 * The key directory and any missing parents, 0700, one level at a time: mkdir's own recursion
 * never ends on some paths (under /proc it spun at 90% CPU), and this fails at the first refusal.
 */
function makeKeyDir(dir: string): void {
	try {
		mkdirSync(dir, {mode: 0o700});
	} catch (error) {
		const code = (error as NodeJS.ErrnoException).code;
		if (code === 'EEXIST') return;
		if (code !== 'ENOENT' || dirname(dir) === dir) throw error;
		makeKeyDir(dirname(dir));
		mkdirSync(dir, {mode: 0o700});
	}
}

/** What a key file's header may say: a signing role, or an admin's (which signs key statements only). */
export type KeyRole = Role | 'admin';

/** An admin's key: it signs statements about keys, never leases or approvals. */
export interface AdminKey {
	id: string;
	privateKey: string;
	publicKey: string;
	path: string;
}

/** Writes a new private key with mode 0600, refusing to overwrite an existing file. */
export function saveKey(key: {id: string; role: KeyRole; privateKey: string}, path = defaultKeyPath(key.id)): string {
	if (existsSync(path)) throw new KeyringError(`key file already exists: ${path} (refusing to overwrite a private key)`, path);
	makeKeyDir(dirname(path));
	const body = `calyx-key-id: ${key.id}\ncalyx-key-role: ${key.role}\n${key.privateKey}`;
	const fd = openSync(path, 'wx', 0o600);
	try {
		writeSync(fd, body);
		fsyncSync(fd);
	} finally {
		closeSync(fd);
	}
	chmodSync(path, 0o600);
	return path;
}

/** Removes a key file this process just wrote (its registration failed): no private key left behind. */
export function discardKey(path: string): void {
	unlinkSync(path);
}

/**
 * Where a key named by id or path lives: an id, or a relative path, in the key directory (as
 * CALYX_KEY is documented); an absolute path, or one written from here (./, ../), as it is.
 */
export function keyPath(idOrPath: string, env = process.env): string {
	if (isAbsolute(idOrPath)) return idOrPath;
	if (idOrPath.startsWith('./') || idOrPath.startsWith('../')) return resolve(idOrPath);
	if (idOrPath.includes('/') || idOrPath.endsWith('.pem')) return join(keysDir(env), idOrPath);
	return defaultKeyPath(idOrPath, env);
}

/**
 * A private key anyone else can read, or one in a directory others can write (they could swap
 * it), is refused as ssh refuses it: with the chmod that fixes it.
 */
function checkPrivate(path: string, fd: number): void {
	const st = fstatSync(fd);
	if (!st.isFile()) throw new KeyringError(`${path} is not a regular file`, path);
	const me = typeof process.geteuid === 'function' ? process.geteuid() : st.uid;
	if (st.uid !== me && st.uid !== 0) throw new KeyringError(`${path} belongs to uid ${st.uid}, not to you: a private key must be your own`, path);
	if ((st.mode & 0o077) !== 0) throw new KeyringError(`${path} is readable or writable by others (mode ${(st.mode & 0o777).toString(8)}): run chmod 600 ${path}`, path);
	const dir = dirname(path);
	const dm = statSync(dir).mode;
	if ((dm & 0o022) !== 0 && (dm & 0o1000) === 0) throw new KeyringError(`${dir}, which holds ${path}, is writable by others (mode ${(dm & 0o777).toString(8)}): run chmod go-w ${dir}`, path);
}

/**
 * Loads a signing key by file path or by id (from the default key directory). The id and role come
 * from the file's header; a bare PEM takes its id from the file name and has no role of its own.
 */
export function loadKey(idOrPath: string, env = process.env): LocalKey {
	const key = readKey(idOrPath, env);
	if (key.role === 'admin') throw new KeyringError(`${key.path} is an admin key: it signs statements about keys (calyx trust sign), not leases or approvals`, key.path);
	return key as LocalKey;
}

/** Loads an admin key (header calyx-key-role: admin). */
export function loadAdminKey(idOrPath: string, env = process.env): AdminKey {
	const key = readKey(idOrPath, env);
	if (key.role !== 'admin') throw new KeyringError(`${key.path} is a ${key.role} key, not an admin key (calyx trust init makes one)`, key.path);
	return {id: key.id, privateKey: key.privateKey, publicKey: key.publicKey, path: key.path};
}

/** A relative path is read in the key directory: when the file is beside the caller instead, say how to name it. */
function notFoundHint(idOrPath: string, path: string): string {
	const here = resolve(idOrPath);
	if (here !== path && !isAbsolute(idOrPath) && existsSync(here)) return `a relative key path is read in the key directory; the file here is ./${idOrPath}, or give its full path`;
	return 'create one with: calyx keys add --role <human|agent> --id <name>';
}

function readKey(idOrPath: string, env: NodeJS.ProcessEnv): Omit<LocalKey, 'role'> & {role: KeyRole} {
	const path = keyPath(idOrPath, env);
	let text: string;
	let fd: number;
	try {
		fd = openSync(path, 'r');
	} catch {
		throw new KeyringError(`no key file at ${path} (${notFoundHint(idOrPath, path)})`, path);
	}
	try {
		checkPrivate(path, fd);
		text = readFileSync(fd, 'utf8');
	} finally {
		closeSync(fd);
	}
	const meta: Record<string, string> = {};
	for (const [, field, value] of text.matchAll(HEADER)) meta[field!] = value!;
	let privateKey;
	try {
		privateKey = createPrivateKey(text);
	} catch {
		throw new KeyringError(`${path} does not hold a private key in PEM form`, path);
	}
	if (privateKey.asymmetricKeyType !== 'ed25519') throw new KeyringError(`${path} is not an Ed25519 key`, path);
	const role = meta.role;
	if (role !== 'human' && role !== 'agent' && role !== 'admin') {
		throw new KeyringError(`${path} has no calyx-key-role header (human, agent or admin)`, path);
	}
	const id = meta.id ?? basename(path, '.pem');
	// The id signs leases and names the actor: a file (or a file name) must not smuggle control characters in.
	const problem = textProblem(id, TEXT_LIMITS.id);
	if (problem) throw new KeyringError(`${path}: calyx-key-id ${problem}`, path);
	return {
		id,
		role,
		privateKey: privateKey.export({type: 'pkcs8', format: 'pem'}).toString(),
		publicKey: createPublicKey(privateKey).export({type: 'spki', format: 'pem'}).toString(),
		path,
	};
}
