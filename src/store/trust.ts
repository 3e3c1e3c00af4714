import {closeSync, fstatSync, fsyncSync, mkdirSync, openSync, readFileSync, realpathSync, statSync, writeSync} from 'node:fs';
import {dirname, join} from 'node:path';
import {noTrust, TrustFile, trustFrom, type Trust} from '../core/trust.js';
import {generateKeyPair} from '../core/lease.js';
import {isNodeError, StoreError} from './errors.js';
import {defaultKeyPath, loadAdminKey, saveKey, type AdminKey} from './keyring.js';
import {configHome} from './xdg.js';

/**
 * The trust file: which admin keys govern the key registry. It lives outside every data directory
 * (an attacker who can write the data directory must not be able to name the admins), is read
 * once per process, and is refused when anyone but its owner or root could have written it.
 */
export const SYSTEM_TRUST = '/etc/calyx/trust.json';
export const demoTrustPath = (env = process.env) => join(configHome(env), 'calyx', 'demo-trust.json');

export interface TrustSource {
	path: string;
	/** Chosen because no trust file was named or installed: the user's own demo trust. */
	demo: boolean;
	/** Named explicitly (CALYX_TRUST): a missing file is an error, not a fallback. */
	explicit: boolean;
}

/** CALYX_TRUST (a path, or "demo"), else /etc/calyx/trust.json when it exists, else the user's demo trust. */
export function trustSource(env = process.env, system = SYSTEM_TRUST): TrustSource {
	const named = env.CALYX_TRUST;
	if (named === 'demo') return {path: demoTrustPath(env), demo: true, explicit: false};
	if (named) return {path: named, demo: false, explicit: true};
	if (exists(system)) return {path: system, demo: false, explicit: false};
	return {path: demoTrustPath(env), demo: true, explicit: false};
}

const exists = (path: string) => {
	try {
		statSync(path);
		return true;
	} catch {
		return false;
	}
};

const me = () => (typeof process.geteuid === 'function' ? process.geteuid() : 0);

/** Written only by its owner (root or this user), in a directory nobody else can write. */
function checkWriters(path: string, fd: number): void {
	const st = fstatSync(fd);
	if (!st.isFile()) throw unsafe(path, `${path} is not a regular file`);
	if (st.uid !== 0 && st.uid !== me()) throw unsafe(path, `${path} belongs to uid ${st.uid}: a trust file belongs to root or to you`);
	if ((st.mode & 0o022) !== 0) throw unsafe(path, `${path} is writable by others (mode ${(st.mode & 0o777).toString(8)}): run chmod go-w ${path}`);
	const dir = dirname(realpathSync(path));
	const ds = statSync(dir);
	if ((ds.uid !== 0 && ds.uid !== me()) || ((ds.mode & 0o022) !== 0 && (ds.mode & 0o1000) === 0)) {
		throw unsafe(path, `${dir}, which holds ${path}, is writable by others (mode ${(ds.mode & 0o777).toString(8)}, uid ${ds.uid}): run chmod go-w ${dir}`);
	}
}

const unsafe = (path: string, message: string) => new StoreError('UNSAFE', `trust file refused: ${message}`, path);

/** Reads and checks the trust file; a missing demo trust is an empty one (no key verifies yet). */
export function loadTrust(env = process.env, system = SYSTEM_TRUST): Trust {
	const source = trustSource(env, system);
	let fd: number;
	try {
		fd = openSync(source.path, 'r');
	} catch (error) {
		if (isNodeError(error, 'ENOENT') && !source.explicit) return noTrust(source.path, source.demo);
		const why = isNodeError(error, 'ENOENT') ? 'no such file' : (error as Error).message;
		throw new StoreError('UNSAFE', `trust file ${source.path} (CALYX_TRUST) cannot be read: ${why}; make one with calyx trust init`, source.path);
	}
	let text: string;
	try {
		checkWriters(source.path, fd);
		text = readFileSync(fd, 'utf8');
	} finally {
		closeSync(fd);
	}
	return parseTrust(text, source.path, source.demo);
}

export function parseTrust(text: string, path: string, demo = false): Trust {
	let raw: unknown;
	try {
		raw = JSON.parse(text);
	} catch (error) {
		throw new StoreError('CORRUPT', `trust file ${path} is not JSON: ${(error as Error).message}`, path);
	}
	const parsed = TrustFile.safeParse(raw);
	if (!parsed.success) {
		const issue = parsed.error.issues[0]!;
		throw new StoreError('CORRUPT', `trust file ${path}: ${issue.path.join('.') || '(top)'}: ${issue.message}`, path);
	}
	if (demo && !parsed.data.demo) {
		throw new StoreError('CORRUPT', `trust file ${path}: the demo trust must say "demo": true`, path);
	}
	try {
		return trustFrom(parsed.data, path);
	} catch (error) {
		throw new StoreError('CORRUPT', `trust file ${path}: ${(error as Error).message}`, path);
	}
}

/**
 * The user's demo trust, made on first need: one admin key of the user's own (in the key
 * directory) and a trust file saying it is a demo. Nothing made under it verifies for anyone else.
 */
export function ensureDemoTrust(env = process.env): {trust: Trust; admin: AdminKey} {
	const adminPath = defaultKeyPath(DEMO_ADMIN, env);
	if (!exists(adminPath)) saveKey({id: DEMO_ADMIN, role: 'admin', privateKey: generateKeyPair().privateKey}, adminPath);
	const admin = loadAdminKey(adminPath, env);
	const path = demoTrustPath(env);
	if (!exists(path)) {
		const file: TrustFile = {v: 1, kind: 'calyx.trust', demo: true, threshold: 1, admins: [{id: DEMO_ADMIN, publicKey: admin.publicKey}], separationOfDuties: true};
		writeNew(path, `${JSON.stringify(file, null, 2)}\n`);
	}
	const trust = loadTrust({...env, CALYX_TRUST: 'demo'});
	if (!trust.admins.some(a => a.publicKey.trim() === admin.publicKey.trim())) {
		throw new StoreError('UNSAFE', `demo trust ${path} does not list the demo admin key ${adminPath}: remove both to start the demo trust over`, path);
	}
	return {trust, admin};
}

export const DEMO_ADMIN = 'demo-admin';

/** A new file, 0644 in a 0700-made directory: never over an existing one. */
export function writeNew(path: string, text: string, mode = 0o644): void {
	mkdirSync(dirname(path), {recursive: true, mode: 0o700});
	const fd = openSync(path, 'wx', mode);
	try {
		writeSync(fd, text);
		fsyncSync(fd);
	} finally {
		closeSync(fd);
	}
}
