/**
 * The store's keys under its prefix. Live state is `s/…` (read whole, at one revision: a snapshot);
 * history is kept a key per commit or per record, so that no key grows with the history and a
 * commit stays within etcd's request limits (1.5 MiB, 128 operations per transaction).
 *
 *   s/meta                   revision, audit head, config, history, and the order of each list
 *   s/e/<list>/<id>          one live entity (key, intent, lease, deployment, service)
 *   a/<seq>                  one commit's chained audit lines (NDJSON), by the seq of its first event
 *   t/base                   after a retention: the last removed event's seq and hash, and the
 *                            registries up to it (vouched for by the audit.retained event)
 *   m/<deployment>/<rev>     one commit's samples of a deployment (NDJSON)
 *   r/<deployment>           an ended deployment's archive record, with its intent and leases
 *   ri/<intent or lease id>  the deployment an archived intent or lease left with
 *   ro/<rev>-<n>             the archive in the order records were written (its list rows)
 *   c/<rev>                  the id of the commit that made the revision: a commit whose reply was
 *                            lost is told from a conflict by it
 *   election/engine/…        the engine's election (etcd3's Election, over a lease)
 *   x/maintenance            the history's compaction and defragmentation policy, and what was done last
 */
export const LISTS = ['keys', 'intents', 'leases', 'deployments', 'services'] as const;
export type ListName = (typeof LISTS)[number];

/** Numbers padded so that keys sort as the numbers do (etcd ranges are byte-ordered). */
export const padded = (n: number) => String(n).padStart(12, '0');

export class KeyLayout {
	constructor(readonly prefix: string) {}

	get state() {
		return `${this.prefix}s/`;
	}
	get meta() {
		return `${this.prefix}s/meta`;
	}
	entity(list: ListName, id: string) {
		return `${this.prefix}s/e/${list}/${id}`;
	}
	/** The list and id of an entity key, or undefined for any other key. */
	entityOf(key: string): {list: ListName; id: string} | undefined {
		const rest = key.startsWith(`${this.prefix}s/e/`) ? key.slice(this.prefix.length + 4) : undefined;
		const slash = rest?.indexOf('/') ?? -1;
		if (rest === undefined || slash < 0) return undefined;
		const list = rest.slice(0, slash) as ListName;
		return LISTS.includes(list) ? {list, id: rest.slice(slash + 1)} : undefined;
	}
	get audit() {
		return `${this.prefix}a/`;
	}
	/** Where the trail on the cluster starts after a retention removed its oldest events (retention.ts). */
	get auditBase() {
		return `${this.prefix}t/base`;
	}
	auditAt(seq: number) {
		return `${this.prefix}a/${padded(seq)}`;
	}
	samples(deploymentId: string) {
		return `${this.prefix}m/${deploymentId}/`;
	}
	samplesAt(deploymentId: string, rev: number) {
		return `${this.prefix}m/${deploymentId}/${padded(rev)}`;
	}
	get metrics() {
		return `${this.prefix}m/`;
	}
	record(deploymentId: string) {
		return `${this.prefix}r/${deploymentId}`;
	}
	recordRef(id: string) {
		return `${this.prefix}ri/${id}`;
	}
	get order() {
		return `${this.prefix}ro/`;
	}
	orderAt(rev: number, n: number) {
		return `${this.prefix}ro/${padded(rev)}-${String(n).padStart(4, '0')}`;
	}
	commit(rev: number) {
		return `${this.prefix}c/${padded(rev)}`;
	}
	get maintenance() {
		return `${this.prefix}x/maintenance`;
	}
	/** What a watch event under this key changes, for ChangeNotice. */
	kindOf(key: string): 'state' | 'audit' | 'metrics' | undefined {
		if (!key.startsWith(this.prefix)) return undefined;
		const rest = key.slice(this.prefix.length);
		if (rest.startsWith('s/')) return 'state';
		if (rest.startsWith('a/')) return 'audit';
		if (rest.startsWith('m/')) return 'metrics';
		return undefined;
	}
}
