import type {Etcd3} from 'etcd3';

/** Keys per range request: a reply stays well under gRPC's 4 MiB message limit (audit keys are a few KB). */
export const PAGE = 256;

export interface PageKv {
	key: Buffer;
	value: Buffer;
	mod_revision: string | number;
}

/** The end of a prefix's range: the prefix with its last byte plus one (prefixes here end in '/'). */
export const prefixEnd = (prefix: string) => `${prefix.slice(0, -1)}${String.fromCharCode(prefix.charCodeAt(prefix.length - 1) + 1)}`;

/**
 * The keys from `start` (inclusive) to `end` (exclusive) in key order, a page at a time, read at
 * one revision (the first page's, unless given): a history of any length is read without a reply
 * too large for the client, and as one snapshot.
 */
export async function* pages(client: Etcd3, range: {start: string; end: string; revision?: string}): AsyncGenerator<readonly PageKv[]> {
	let revision = range.revision;
	for (let start = range.start; ; ) {
		const builder = client.getAll().inRange({start, end: range.end}).sort('Key', 'Ascend').limit(PAGE);
		const res = await (revision === undefined ? builder : builder.revision(revision)).exec();
		revision ??= String(res.header.revision);
		if (res.kvs.length > 0) yield res.kvs;
		if (!res.more || res.kvs.length === 0) return;
		start = `${res.kvs.at(-1)!.key.toString()}\u0000`;
	}
}

/** The same range from its last key back, a page at a time, at one revision: a tail read without the rest. */
export async function* pagesBackward(client: Etcd3, range: {start: string; end: string}): AsyncGenerator<readonly PageKv[]> {
	let revision: string | undefined;
	for (let end = range.end; ; ) {
		const builder = client.getAll().inRange({start: range.start, end}).sort('Key', 'Descend').limit(PAGE);
		const res = await (revision === undefined ? builder : builder.revision(revision)).exec();
		revision ??= String(res.header.revision);
		if (res.kvs.length > 0) yield res.kvs;
		if (!res.more || res.kvs.length === 0) return;
		// Exclusive: the last key read is where the next page ends.
		end = res.kvs.at(-1)!.key.toString();
	}
}

/** Every key of a range (see pages), in key order. */
export async function allKeys(client: Etcd3, range: {start: string; end: string; revision?: string}): Promise<PageKv[]> {
	const out: PageKv[] = [];
	for await (const page of pages(client, range)) out.push(...page);
	return out;
}
