import {chmodSync, closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, writeSync} from 'node:fs';
import {basename, dirname, join} from 'node:path';
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

/** Writes a new private key with mode 0600, refusing to overwrite an existing file. */
export function saveKey(key: {id: string; role: Role; privateKey: string}, path = defaultKeyPath(key.id)): string {
	if (existsSync(path)) throw new KeyringError(`key file already exists: ${path} (refusing to overwrite a private key)`, path);
	mkdirSync(dirname(path), {recursive: true, mode: 0o700});
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

/**
 * Loads a key by file path or by id (from the default key directory). The id and role come from
 * the file's header; a bare PEM takes its id from the file name and has no role of its own.
 */
export function loadKey(idOrPath: string, env = process.env): LocalKey {
	const path = idOrPath.includes('/') || idOrPath.endsWith('.pem') ? idOrPath : defaultKeyPath(idOrPath, env);
	let text: string;
	try {
		text = readFileSync(path, 'utf8');
	} catch {
		throw new KeyringError(`no key file at ${path} (create one with: calyx keys add --role <human|agent> --id <name>)`, path);
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
	if (role !== 'human' && role !== 'agent') {
		throw new KeyringError(`${path} has no calyx-key-role header (human or agent)`, path);
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
