import type {ArchiveRecord} from '../../core/archive.js';
import {ArchiveRecordSchema} from '../archive-log.js';
import {StoreError} from '../errors.js';
import {eachLine} from '../lines.js';
import {parseSample} from '../metrics-log.js';
import {revOfAuditLine, type StoreParts} from '../parts.js';
import {check} from '../validate.js';
import {recordOps, type Op} from './archive.js';
import {SnapshotCodec, type Kv} from './snapshot.js';
import type {EtcdStore} from './store.js';

/**
 * Keys per range read: a response must stay below the client's 4 MB gRPC message limit (a commit's
 * audit key is ~20 KB at 50 events; one near etcd's 1.4 MB limit would need a page of its own).
 */
const PAGE = 32;
/** etcd refuses a request over ~1.5 MiB (the whole transaction): one value must fit in one with room to spare. */
export const MAX_VALUE_BYTES = 1_400_000;

/** Puts per transaction when a first state is written (etcd allows 128 operations). */
const CHUNK = 100;
/** Bytes per transaction when a first state is written: etcd refuses a request over ~1.5 MiB. */
const CHUNK_BYTES = 1_000_000;
/** Puts in groups within both limits (a value larger than CHUNK_BYTES goes alone). */
export function* chunks<T extends {key: string; value: string | Buffer}>(puts: readonly T[]): Generator<T[]> {
	let chunk: T[] = [];
	let bytes = 0;
	for (const p of puts) {
		const size = p.key.length + p.value.length;
		if (chunk.length > 0 && (chunk.length >= CHUNK || bytes + size > CHUNK_BYTES)) {
			yield chunk;
			chunk = [];
			bytes = 0;
		}
		chunk.push(p);
		bytes += size;
	}
	if (chunk.length > 0) yield chunk;
}
/** Every key under `prefix` as it was at `revision`, in key order, a page at a time. */
async function scan(store: EtcdStore, prefix: string, revision: string): Promise<Kv[]> {
	const client = store.parts.client;
	// The end of a prefix range: its last byte plus one (prefixes here end in '/').
	const end = `${prefix.slice(0, -1)}${String.fromCharCode(prefix.charCodeAt(prefix.length - 1) + 1)}`;
	const out: Kv[] = [];
	for (let start = prefix; ; ) {
		const res = await client.getAll().inRange({start, end}).revision(revision).sort('Key', 'Ascend').limit(PAGE).exec();
		for (const kv of res.kvs) out.push({key: kv.key.toString(), value: kv.value, mod: String(kv.mod_revision)});
		if (!res.more || res.kvs.length === 0) return out;
		start = `${res.kvs.at(-1)!.key.toString()}\u0000`;
	}
}

/** Whether the store's name on the cluster holds a store (its meta), and how many keys in all. */
export async function etcdOccupied(store: EtcdStore): Promise<{meta: boolean; keys: number}> {
	const {client} = store.parts;
	const [meta, keys] = await Promise.all([client.get(store.keys.meta).exec(), client.getAll().prefix(store.keys.prefix).count()]);
	return {meta: meta.kvs.length > 0, keys};
}

/** Removes what a migration that crashed left under the store's name: only while no meta makes it a store. */
export async function cleanEtcd(store: EtcdStore): Promise<boolean> {
	const {client} = store.parts;
	const res = await client.if(store.keys.meta, 'Create', '==', 0).then(client.delete().prefix(store.keys.prefix)).commit();
	return res.succeeded;
}

/**
 * The store's parts, all read at one etcd revision (the one its meta was read at), so that a commit
 * landing meanwhile is either wholly in them or not at all. Samples and records are checked as
 * the store reads them.
 */
export async function readEtcdParts(store: EtcdStore): Promise<StoreParts> {
	const k = store.keys;
	// A store elsewhere must be able to verify the chain from its first event.
	const base = await store.parts.client.get(k.auditBase).string();
	if (base !== null) {
		const seq = (JSON.parse(base) as {seq?: unknown}).seq;
		throw new StoreError('INVALID', `${store.where}: its trail starts after seq ${String(seq)} (calyx store retain moved the older events to a file): a store migrated from it could not verify its chain from the first event; nothing was written`, k.auditBase);
	}
	const at = await store.parts.client.get(k.meta).exec();
	const revision = at.header.revision;
	const {state} = new SnapshotCodec(k, store.where).decode(await scan(store, k.state, revision));
	const audit: StoreParts['audit'] = [];
	for (const kv of await scan(store, k.audit, revision)) {
		const seq = Number(kv.key.slice(k.audit.length));
		const first = kv.value.subarray(0, Math.max(0, kv.value.indexOf(10)));
		if (!Number.isSafeInteger(seq) || seq > state.auditHead.seq) continue;
		audit.push({seq, rev: revOfAuditLine(first, `${store.where} ${kv.key}`), bytes: kv.value});
	}
	const samples: StoreParts['samples'] = [];
	for (const kv of await scan(store, k.metrics, revision)) {
		const where = `${store.where} ${kv.key}`;
		let lines = 0;
		let group: {deploymentId: string; rev: number} | undefined;
		eachLine({start: 0, buf: kv.value}, (line, start) => {
			if (line.length === 0) return;
			const s = parseSample(where, line, start);
			if (group && (group.rev !== s.rev || group.deploymentId !== s.deploymentId)) throw new StoreError('CORRUPT', `${where}: holds samples of more than one commit or deployment`, kv.key);
			group = {deploymentId: s.deploymentId, rev: s.rev};
			lines++;
		});
		if (group && group.rev <= state.rev) samples.push({...group, lines, bytes: kv.value});
	}
	return {state, audit, samples, archive: await records(store, revision)};
}

async function records(store: EtcdStore, revision: string): Promise<StoreParts['archive']> {
	const k = store.keys;
	const byId = new Map<string, {rev: number; order: string; record: ArchiveRecord}>();
	for (const kv of await scan(store, `${k.prefix}r/`, revision)) {
		let raw: {rev?: unknown; order?: unknown; record?: unknown};
		try {
			raw = JSON.parse(kv.value.toString('utf8')) as typeof raw;
		} catch {
			throw new StoreError('CORRUPT', `${store.where}: ${kv.key} is not JSON`, kv.key);
		}
		const problem = check(ArchiveRecordSchema, raw.record, 'record');
		if (problem || !Number.isSafeInteger(raw.rev) || typeof raw.order !== 'string') {
			throw new StoreError('CORRUPT', `${store.where}: ${kv.key} is not an archive record (${problem ? `${problem.field}: ${problem.message}` : 'rev or order missing'})`, kv.key);
		}
		const record = raw.record as ArchiveRecord;
		byId.set(record.deployment.id, {rev: raw.rev as number, order: raw.order, record});
	}
	const out: StoreParts['archive'] = [];
	for (const kv of await scan(store, k.order, revision)) {
		const {id} = JSON.parse(kv.value.toString('utf8')) as {id: string};
		const stored = byId.get(id);
		if (!stored || stored.order !== kv.key) throw new StoreError('CORRUPT', `${store.where}: ${kv.key} lists ${id}, whose record is not placed there`, kv.key);
		out.push({rev: stored.rev, n: Number(kv.key.slice(kv.key.lastIndexOf('-') + 1)), record: stored.record});
		byId.delete(id);
	}
	const unlisted = [...byId.keys()][0];
	if (unlisted) throw new StoreError('CORRUPT', `${store.where}: the record of ${unlisted} has no row in ${k.order}`, k.record(unlisted));
	return out;
}

/** The keys a migration writes besides the state: the trail, the samples, the archive, as the store's commits would have. */
export function partsOps(store: EtcdStore, parts: StoreParts): Array<Required<Op>> {
	const k = store.keys;
	const ops: Array<Required<Op>> = [
		...parts.audit.map(c => ({key: k.auditAt(c.seq), value: c.bytes})),
		...parts.samples.map(s => ({key: k.samplesAt(s.deploymentId, s.rev), value: s.bytes})),
		...parts.archive.flatMap(a => recordOps(k, a.record, a.rev, a.n).ops as Array<Required<Op>>),
	];
	const big = ops.find(op => op.value.length > MAX_VALUE_BYTES);
	if (big) throw new StoreError('INVALID', `${big.key} would hold ${big.value.length} bytes, over the ${MAX_VALUE_BYTES} one etcd request takes; nothing was written`, big.key);
	return ops;
}
