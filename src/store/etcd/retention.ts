import {createHash} from 'node:crypto';
import {constants} from 'node:fs';
import {open} from 'node:fs/promises';
import type {Etcd3} from 'etcd3';
import type {EventDraft} from '../../core/events.js';
import type {State} from '../../core/model/index.js';
import type {Mutation, RunResult} from '../api.js';
import {StoreError} from '../errors.js';
import type {KeyLayout} from './keys.js';
import {prefixEnd} from './pages.js';
import type {EtcdTrail} from './trail.js';

export interface RetentionReport {
	/** The events moved to the file and removed from the cluster, by seq (none when nothing was due). */
	from: number;
	through: number;
	events: number;
	file?: string;
	sha256?: string;
	bytes?: number;
	/** The seq of the audit.retained event that vouches for the trail's new base. */
	vouchedBy?: number;
}

interface Deps {
	client: Etcd3;
	keys: KeyLayout;
	trail: EtcdTrail;
	where: string;
	read(): Promise<State>;
	mutate<R>(fn: (state: State) => Mutation<R>): Promise<RunResult<R>>;
}

/** The seqs at which commits start (the keys of `a/`), oldest first: a cut falls between two. */
async function commitStarts(d: Deps): Promise<number[]> {
	const keys = await d.client.getAll().inRange({start: d.keys.audit, end: prefixEnd(d.keys.audit)}).keys();
	return keys.map(k => Number(k.slice(d.keys.audit.length)));
}

/**
 * Audit retention on etcd: archive, then delete. The oldest events (all but the newest `keep`, cut
 * at a commit's boundary) are written to `file` (new, never overwritten, fsynced: the same lines,
 * byte for byte, that `audit verify` of a file can check); then an `audit.retained` event is
 * committed naming the last removed event's seq and hash, the file's digest and the registries up to
 * it; only then are the keys removed, in one transaction that also writes the trail's base. The chain
 * on the cluster then starts at the base, and verification still closes: the base must match the
 * chained event that vouches for it. A crash before the removal leaves the event and all the keys:
 * harmless, the next retention goes on from there.
 */
export async function retain(d: Deps, keep: number, file: string, actor: string): Promise<RetentionReport> {
	const state = await d.read();
	await d.trail.verifyTo(state.auditHead);
	const starts = await commitStarts(d);
	const first = starts[0] ?? state.auditHead.seq + 1;
	// The newest commit start that leaves at least `keep` events on the cluster.
	const cut = starts.filter(s => s > first && s - 1 <= state.auditHead.seq - keep).at(-1);
	if (cut === undefined) return {from: first, through: first - 1, events: 0};
	const through = cut - 1;
	const point = await d.trail.pointAt(through);
	const bytes = Buffer.concat(point.lines.flatMap(line => [line, Buffer.from('\n')]));
	const sha256 = createHash('sha256').update(bytes).digest('hex');
	await writeNew(file, bytes);
	const draft: EventDraft = {
		at: new Date().toISOString(),
		actor,
		kind: 'audit.retained',
		subject: 'state',
		reason: `events ${first}…${through} moved to ${file} (sha256 ${sha256.slice(0, 12)}…) and removed from the cluster; the trail on it starts after seq ${through}`,
		data: {from: first, through, hash: point.hash, ledger: point.ledger, file, sha256, bytes: bytes.length, count: point.lines.length},
	};
	const vouch = await d.mutate(s => ({state: s, events: [draft], result: null}));
	const base = JSON.stringify({seq: through, hash: point.hash, ledger: point.ledger});
	const before = await d.client.get(d.keys.auditBase).exec();
	const mod = before.kvs[0]?.mod_revision ?? 0;
	const res = await d.client
		.if(d.keys.auditBase, 'Mod', '==', mod)
		.then(d.client.put(d.keys.auditBase).value(base), d.client.delete().inRange({start: d.keys.audit, end: d.keys.auditAt(cut)}))
		.commit();
	if (!res.succeeded) throw new StoreError('LOCK_TIMEOUT', `${d.where}: another retention moved the trail's base meanwhile; ${file} holds events ${first}…${through}, nothing was removed`, d.where);
	return {from: first, through, events: point.lines.length, file, sha256, bytes: bytes.length, vouchedBy: vouch.events[0]?.seq};
}

/** A new file, written and fsynced; an existing one is never overwritten. */
async function writeNew(file: string, bytes: Buffer): Promise<void> {
	const fh = await open(file, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600).catch((error: NodeJS.ErrnoException) => {
		throw new StoreError('IO', `--to: ${file}: ${error.code === 'EEXIST' ? 'exists already (a retention never overwrites a file: name a new one)' : error.message}; nothing was removed`, file);
	});
	try {
		await fh.writeFile(bytes);
		await fh.sync();
	} finally {
		await fh.close();
	}
}
