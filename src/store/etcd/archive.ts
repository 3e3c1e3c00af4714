import type {Etcd3} from 'etcd3';
import type {ArchiveRecord} from '../../core/archive.js';
import {deploymentSummary, type DeploymentSummary} from '../../core/view/summary.js';
import {ArchiveRecordSchema, digest, type StagedArchive} from '../archive-log.js';
import {StoreError} from '../errors.js';
import {check} from '../validate.js';
import type {KeyLayout} from './keys.js';
import {allKeys, pagesBackward, prefixEnd} from './pages.js';

/** An order key's value: the row it lists (with the id it orders). */
const rowSummary = (value: Buffer) => (JSON.parse(value.toString('utf8')) as {summary: DeploymentSummary}).summary;

/** A put (value) or a delete (no value) in a commit's transaction. */
export interface Op {
	key: string;
	value?: string | Buffer;
}

/**
 * The keys that hold a record archived at `rev` as the `n`th of its commit: `r/<id>`, its row in
 * `ro/`, and `ri/` for its intent and leases (a commit's staging and a migration write the same).
 */
export function recordOps(keys: KeyLayout, record: ArchiveRecord, rev: number, n: number): {order: string; ops: Op[]} {
	const id = record.deployment.id;
	const order = keys.orderAt(rev, n);
	const ops: Op[] = [
		{key: keys.record(id), value: JSON.stringify({rev, order, record})},
		{key: order, value: JSON.stringify({id, summary: deploymentSummary(record.deployment)})},
	];
	for (const ref of [...(record.intent ? [record.intent.id] : []), ...record.leases.map(l => l.id)]) ops.push({key: keys.recordRef(ref), value: id});
	return {order, ops};
}

/** `r/<id>`: the record, the revision that archived it, and its place in `ro/` (replaced if it ends again). */
interface Stored {
	rev: number;
	order: string;
	record: ArchiveRecord;
}

/**
 * The archive on etcd: a key per ended deployment, found by its id or by the id of an intent or lease
 * archived with it (one get, never a scan), and an order key per record for the list and the most
 * recently ended. Written in the commit that ends the deployment, like the file store's.
 */
export class EtcdArchive {
	constructor(
		readonly client: Etcd3,
		readonly keys: KeyLayout,
		readonly where: string,
	) {}

	async #stored(deploymentId: string): Promise<Stored | undefined> {
		const key = this.keys.record(deploymentId);
		const text = await this.client.get(key).string();
		if (text === null) return undefined;
		let raw: unknown;
		try {
			raw = JSON.parse(text);
		} catch {
			throw new StoreError('CORRUPT', `${this.where}: ${key} is not JSON`, key);
		}
		const problem = check(ArchiveRecordSchema, (raw as {record?: unknown}).record, 'record');
		if (problem) throw new StoreError('CORRUPT', `${this.where}: ${key} fails its schema at ${problem.field}: ${problem.message}`, key, {field: problem.field});
		return raw as Stored;
	}

	/** The record of a deployment, or of the deployment an intent or lease id was archived with. */
	async record(id: string): Promise<ArchiveRecord | undefined> {
		const direct = await this.#stored(id);
		if (direct) return direct.record;
		const owner = await this.client.get(this.keys.recordRef(id)).string();
		return owner === null ? undefined : (await this.#stored(owner))?.record;
	}

	/** The records written last, newest first. */
	async recent(limit: number): Promise<ArchiveRecord[]> {
		if (limit <= 0) return [];
		const ids = await this.client.getAll().prefix(this.keys.order).sort('Key', 'Descend').limit(limit).strings();
		const records = await Promise.all(Object.values(ids).map(row => this.#stored((JSON.parse(row) as {id: string}).id)));
		return records.filter((r): r is Stored => r !== undefined).map(r => r.record);
	}

	/** Every archived deployment's list row, in the order they ended: a page at a time (a year's rows are more than one reply may carry). */
	async summaries(): Promise<DeploymentSummary[]> {
		const range = {start: this.keys.order, end: prefixEnd(this.keys.order)};
		return (await allKeys(this.client, range)).map(kv => rowSummary(kv.value));
	}

	/**
	 * The last `limit` rows that `match`, in the order they ended, read from the newest back a page
	 * at a time, and whether an older one matches too: a list's tail costs its rows, not the archive.
	 */
	async tail(limit: number, match: (row: DeploymentSummary) => boolean): Promise<{rows: DeploymentSummary[]; older: boolean}> {
		const rows: DeploymentSummary[] = [];
		for await (const page of pagesBackward(this.client, {start: this.keys.order, end: prefixEnd(this.keys.order)})) {
			for (const kv of page) {
				const row = rowSummary(kv.value);
				if (!match(row)) continue;
				if (rows.length === limit) return {rows: rows.reverse(), older: true};
				rows.push(row);
			}
		}
		return {rows: rows.reverse(), older: false};
	}

	/** The writes that archive `records` at `rev`, and what their audit events name (archive-step.ts). */
	async stage(records: readonly ArchiveRecord[], rev: number): Promise<{ops: Op[]; staged: StagedArchive}> {
		const ops: Op[] = [];
		const placed: StagedArchive['placed'] = [];
		const whole: string[] = [];
		for (const [n, record] of records.entries()) {
			const id = record.deployment.id;
			const body = JSON.stringify(record);
			const placing = recordOps(this.keys, record, rev, n);
			// One that ends again (a completed deployment rolled back) is listed once, where it ended last.
			const before = await this.#stored(id);
			if (before && before.order !== placing.order) ops.push({key: before.order});
			ops.push(...placing.ops);
			placed.push({id, status: record.deployment.status, at: rev, len: body.length, sha256: digest(body), ...(record.intent ? {intent: record.intent.id} : {}), leases: record.leases.map(l => l.id)});
			whole.push(body);
		}
		const all = whole.join('');
		return {ops, staged: {placed, sha256: digest(all), bytes: Buffer.byteLength(all), write: () => Promise.resolve()}};
	}
}
