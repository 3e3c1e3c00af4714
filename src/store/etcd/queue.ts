import type {Etcd3, Lease} from 'etcd3';
import {StoreError} from '../errors.js';
import type {KeyLayout} from './keys.js';

/** A queued writer that dies or freezes leaves the queue after this long (its lease lapses). */
const QUEUE_TTL_S = 5;
const POLL_MIN_MS = 2;
const POLL_MAX_MS = 25;

/**
 * Fairness for writers that collide. A commit first tries without waiting; one that lost a
 * conflict joins a queue (a key under `q/` on this process's lease, ordered by the revision that
 * made it) and tries again only when every writer queued before it has left, so that under heavy
 * contention writers take turns instead of one being starved by the others' first attempts.
 * Correctness never depends on it: the commit's compare of `s/meta` decides.
 */
export class WriteQueue {
	#lease: Lease | undefined;
	#n = 0;

	constructor(
		readonly client: Etcd3,
		readonly keys: KeyLayout,
		readonly where: string,
	) {}

	/** Joins the queue and waits for its turn; the returned function leaves it. */
	async join(deadline: number): Promise<() => Promise<void>> {
		if (!this.#lease) {
			const made = this.client.lease(QUEUE_TTL_S);
			// A lease lost (this process froze past its TTL) is not granted again: the next turn takes a new one.
			made.on('lost', () => this.#lease === made && (this.#lease = undefined));
			this.#lease = made;
		}
		const lease = this.#lease;
		const id = await lease.grant();
		const key = `${this.keys.prefix}q/${id}-${this.#n++}`;
		const put = await this.client.put(key).value('').lease(id).exec();
		const mine = Number(put.header.revision);
		const leave = async () => void (await this.client.delete().key(key).exec().catch(() => undefined));
		for (let wait = POLL_MIN_MS; ; wait = Math.min(wait * 2, POLL_MAX_MS)) {
			const ahead = await this.client
				.getAll()
				.prefix(`${this.keys.prefix}q/`)
				.sort('Create', 'Ascend')
				.limit(1)
				.exec();
			const first = ahead.kvs[0];
			if (!first || Number(first.create_revision) >= mine) return leave;
			if (Date.now() > deadline) {
				await leave();
				throw new StoreError('LOCK_TIMEOUT', `${this.where}: other writers held the write queue past the deadline; nothing was written`, this.where);
			}
			await new Promise(resolve => setTimeout(resolve, wait));
		}
	}

	async close(): Promise<void> {
		await this.#lease?.revoke().catch(() => undefined);
		this.#lease = undefined;
	}
}
