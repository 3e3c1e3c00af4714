import {hostname} from 'node:os';
import type {Etcd3, Lease} from 'etcd3';
import type {Leadership} from '../api.js';

/** The lease's time to live: how long a dead or frozen leader keeps the canaries undriven. */
export const DEFAULT_TTL_S = 3;
/** How soon a candidate whose lease was lost stands again. */
const RESTAND_MS = 500;
/** How often a follower looks whether it leads now (takeover is the TTL plus at most this). */
const FOLLOW_MS = 250;

export interface Leader {
	pid: number;
	host: string;
}

const parseLeader = (text: string | undefined): Leader | undefined => {
	if (!text) return undefined;
	try {
		const v = JSON.parse(text) as Partial<Leader>;
		return typeof v.pid === 'number' && typeof v.host === 'string' ? {pid: v.pid, host: v.host.slice(0, 255)} : undefined;
	} catch {
		return undefined;
	}
};

const electionPrefix = (prefix: string) => `${prefix}election/engine/`;

/** The candidate that leads: the election key made first (its create revision is the lowest). */
async function first(client: Etcd3, prefix: string, deadlineMs?: number) {
	const range = client.getAll().prefix(electionPrefix(prefix)).sort('Create', 'Ascend').limit(1);
	const res = await (deadlineMs === undefined ? range : range.options({deadline: Date.now() + deadlineMs})).exec();
	return res.kvs[0];
}

interface Candidacy {
	lease: Lease;
	key: string;
	/** The step-down timer of a leader: it follows unless it sees its key again before then. */
	expiry?: NodeJS.Timeout;
}

/**
 * Leadership by an election over etcd leases: each candidate puts a key on a lease of its own, kept
 * alive while it runs; the one whose key was made first leads. A dead or frozen leader's lease
 * lapses after the TTL, its key goes, and the next candidate leads. `key()` is the leader's key,
 * which every write of this process compares while it leads: one that wakes after losing it cannot
 * write. Followers look every FOLLOW_MS (no watch: nothing is left running once they stop).
 */
export class EtcdLeadership implements Leadership {
	#role: 'leader' | 'follower' = 'follower';
	#candidacy: Candidacy | undefined;
	#released = false;
	#timer: NodeJS.Timeout | undefined;
	readonly #listeners = new Set<(role: 'leader' | 'follower') => void>();

	constructor(
		readonly client: Etcd3,
		readonly prefix: string,
		readonly ttlS: number,
	) {}

	get role() {
		return this.#role;
	}

	/** The election key this process leads by, or undefined while it follows. */
	key(): string | undefined {
		return this.#role === 'leader' ? this.#candidacy?.key : undefined;
	}

	onChange(listener: (role: 'leader' | 'follower') => void): () => void {
		this.#listeners.add(listener);
		return () => this.#listeners.delete(listener);
	}

	/** Stands for election; resolves once this process knows whether it leads. */
	async stand(): Promise<void> {
		this.#timer = undefined;
		if (this.#released) return;
		const lease = this.client.lease(this.ttlS);
		const id = await lease.grant();
		const c: Candidacy = {lease, key: `${electionPrefix(this.prefix)}${id}`};
		this.#candidacy = c;
		lease.on('lost', () => this.#lost(c));
		try {
			await this.client.put(c.key).value(JSON.stringify({pid: process.pid, host: hostname()})).lease(id).exec();
		} catch (error) {
			// No key, no candidacy: its lease is not kept alive for nothing.
			if (this.#candidacy === c) await this.#end(c);
			throw error;
		}
		await this.#look(c);
	}

	/**
	 * Whether this candidacy leads now. A leader cut off from the cluster cannot tell that its lease
	 * lapsed (the client would say so only after twice the TTL). Its lease was alive when it last saw
	 * its key, and its last keepalive was at most a third of the TTL before that: so it steps down, on
	 * a timer of its own, before two thirds of the TTL have passed since then, and another can lead
	 * only after. Two engines never decide at once.
	 */
	async #look(c: Candidacy): Promise<void> {
		if (this.#candidacy !== c || this.#released) return;
		const every = this.#role === 'leader' ? (this.ttlS * 1000) / 6 : FOLLOW_MS;
		const asked = Date.now();
		const leading = await first(this.client, this.prefix, every).then(
			kv => (kv ? kv.key.toString() === c.key : false),
			() => undefined,
		);
		if (this.#candidacy !== c || this.#released) return;
		if (leading === true) {
			clearTimeout(c.expiry);
			c.expiry = setTimeout(() => this.#lost(c), (this.ttlS * 1000 * 2) / 3 - every - (Date.now() - asked));
			this.#become('leader');
		} else if (leading === false) {
			if (this.#role === 'leader') return this.#lost(c);
		}
		this.#timer = setTimeout(() => void this.#look(c), every);
	}

	/** This process's key is gone or its lease lost: it follows, and stands again. */
	fenced(): void {
		if (this.#candidacy) this.#lost(this.#candidacy);
	}

	#lost(c: Candidacy): void {
		if (this.#candidacy !== c) return;
		void this.#end(c);
		this.#become('follower');
		this.#restand();
	}

	/** Stands again soon, and again after that while the cluster does not answer. */
	#restand(): void {
		if (this.#released) return;
		this.#timer = setTimeout(() => void this.stand().catch(() => this.#restand()), RESTAND_MS);
	}

	#end(c: Candidacy): Promise<void> {
		this.#candidacy = undefined;
		clearTimeout(c.expiry);
		if (this.#timer) clearTimeout(this.#timer);
		this.#timer = undefined;
		// Revoking deletes the key at once: the next candidate need not wait for the TTL.
		return c.lease.revoke().catch(() => undefined);
	}

	#become(role: 'leader' | 'follower'): void {
		if (this.#role === role) return;
		this.#role = role;
		for (const listener of [...this.#listeners]) listener(role);
	}

	async release(): Promise<void> {
		this.#released = true;
		if (this.#timer) clearTimeout(this.#timer);
		this.#timer = undefined;
		if (this.#candidacy) await this.#end(this.#candidacy);
		this.#become('follower');
	}
}

/** The process leading now (its key's value), if any. */
export async function leaderOf(client: Etcd3, prefix: string): Promise<Leader | undefined> {
	return parseLeader((await first(client, prefix))?.value.toString());
}

/** How many candidates wait behind the leader. */
export async function followersOf(client: Etcd3, prefix: string): Promise<number> {
	const n = await client.getAll().prefix(electionPrefix(prefix)).count();
	return Math.max(0, n - 1);
}
