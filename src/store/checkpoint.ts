import {createPrivateKey, createPublicKey, verify, type KeyObject} from 'node:crypto';
import {link, rm} from 'node:fs/promises';
import {join} from 'node:path';
import {z} from 'zod';
import {canonicalJson} from '../core/canonical.js';
import {fingerprint, generateKeyPair, signPayload} from '../core/lease.js';
import {isNodeError, StoreError} from './errors.js';
import {PrivateLog, privateDir} from './private-log.js';
import {tempName} from './paths.js';
import {openData} from './safe-fs.js';
import {Hex, trailKey, type Trail} from './witness.js';

/**
 * Checkpoints: the audit head, signed. The engine leader signs one at least every minute and after
 * every halt and rollback, `calyx audit checkpoint` on demand; each is kept in this user's state
 * directory and can be shipped elsewhere (syslog, a ticket). A checkpoint is checked by itself
 * (its signature over its canonical content, by the public key it carries, whose fingerprint is
 * its signer) and against the chain, like a witness. The key is this user's own, made on first use.
 */
export const Checkpoint = z.object({
	v: z.literal(1),
	kind: z.literal('calyx.checkpoint'),
	dir: z.string(),
	dirId: z.string(),
	seq: z.number().int().min(0),
	hash: Hex,
	at: z.string(),
	signer: Hex,
	publicKey: z.string(),
	signature: z.string(),
});
export type Checkpoint = z.infer<typeof Checkpoint>;

/** The exact bytes signed: everything but the signature, canonical (RFC 8785). */
const payload = (c: Omit<Checkpoint, 'signature'>) =>
	canonicalJson({v: c.v, kind: c.kind, dir: c.dir, dirId: c.dirId, seq: c.seq, hash: c.hash, at: c.at, signer: c.signer, publicKey: c.publicKey});

/** Why a checkpoint is not what it claims (undefined when its signature holds). */
export function forgery(c: Checkpoint): string | undefined {
	let key: KeyObject;
	try {
		key = createPublicKey(c.publicKey);
	} catch {
		return 'its public key does not parse';
	}
	if (key.asymmetricKeyType !== 'ed25519') return 'its public key is not Ed25519';
	if (fingerprint(c.publicKey) !== c.signer) return 'its signer is not the fingerprint of the key it carries';
	let valid = false;
	try {
		valid = verify(null, Buffer.from(payload(c)), key, Buffer.from(c.signature, 'base64'));
	} catch {
		valid = false;
	}
	return valid ? undefined : 'its signature does not match its content';
}

export interface CheckpointKey {
	privateKey: KeyObject;
	publicKey: string;
	fingerprint: string;
}

/**
 * This user's checkpoint key ($XDG_STATE_HOME/calyx/checkpoint-key.pem), made on first use with
 * mode 0600 (never over an existing file); refused, as ssh refuses, when others can read it or it
 * is not this user's.
 */
export async function checkpointKey(home: string): Promise<CheckpointKey> {
	const path = join(await privateDir(home, 'calyx'), 'checkpoint-key.pem');
	const fh = await openData(path, 'read').catch(async (error: unknown) => {
		if (!isNodeError(error, 'ENOENT')) throw error;
		// Written whole under a name of its own, then linked in: link(2) never replaces anything, so
		// two processes making it at once keep one key, and nobody reads a half-written one.
		const tmp = tempName(path);
		const made = await openData(tmp, 'create', 0o600);
		await made.writeFile(generateKeyPair().privateKey).finally(() => made.close());
		await link(tmp, path).catch((e: unknown) => (isNodeError(e, 'EEXIST') ? undefined : Promise.reject(e)));
		await rm(tmp, {force: true});
		return openData(path, 'read');
	});
	try {
		const st = await fh.stat();
		if ((typeof process.geteuid === 'function' && st.uid !== process.geteuid()) || (st.mode & 0o077) !== 0) {
			throw new StoreError('UNSAFE', `${path}: the checkpoint key must be this user's and readable by nobody else (run \`chmod 600 ${path}\`, or remove it to make a new one)`, path);
		}
		const privateKey = createPrivateKey((await fh.readFile()).toString('utf8'));
		const publicKey = createPublicKey(privateKey).export({type: 'spki', format: 'pem'}).toString();
		return {privateKey, publicKey, fingerprint: fingerprint(publicKey)};
	} finally {
		await fh.close();
	}
}

export function signCheckpoint(trail: Trail, head: {seq: number; hash: string}, at: string, key: CheckpointKey): Checkpoint {
	const body = {v: 1 as const, kind: 'calyx.checkpoint' as const, dir: trail.dir, dirId: trail.dirId, seq: head.seq, hash: head.hash, at, signer: key.fingerprint, publicKey: key.publicKey};
	return {...body, signature: signPayload(payload(body), key.privateKey)};
}

/** A checkpoint as read back from this user's log (its signature is checked where it is used). */
const parseCheckpoint = (raw: unknown) => {
	const out = Checkpoint.safeParse(raw);
	return out.success ? out.data : undefined;
};

export const checkpointLog = (home: string, trail: Trail) => new PrivateLog(join(home, 'calyx', 'checkpoints', `${trailKey(trail)}.ndjson`), parseCheckpoint);
