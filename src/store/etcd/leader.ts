import {hostname} from 'node:os';
import type {Campaign, Etcd3} from 'etcd3';
import type {Leadership} from '../api.js';

/** The lease's time to live: how long a dead or frozen leader keeps the canaries undriven. */
export const DEFAULT_TTL_S = 3;
/** How soon a candidate whose campaign failed (its lease lost) stands again. */
const RESTAND_MS = 500;
/** How long standing waits to learn whether it leads or follows. */
const STAND_MS = 5_000;

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

/**
 * Leadership by etcd's election over a lease (etcd3's Election): the candidate whose key was made
 * first leads; its lease is kept alive while it runs, and lapses after the TTL when its box dies or
 * it freezes, so that the next candidate leads. `key()` is the leader's election key, which every
 * write of this process compares while it leads: a leader that wakes after losing it cannot write.
 */
export class EtcdLeadership implements Leadership {
	#role: 'leader' | 'follower' = 'follower';
	#campaign: Campaign | undefined;
	#key: string | undefined;
	#released = false;
	#retry: NodeJS.Timeout | undefined;
	#watchdog: NodeJS.Timeout | undefined;
	#stopWatch: (() => void) | undefined;
	readonly #listeners = new Set<(role: 'leader' | 'follower') => void>();

	constructor(
		readonly client: Etcd3,
		readonly prefix: string,
		readonly ttlS: number,
	) {}

	static election(client: Etcd3, prefix: string, ttlS = DEFAULT_TTL_S) {
		return client.namespace(prefix).election('engine', ttlS);
	}

	get role() {
		return this.#role;
	}

	/** The election key this process leads by, or undefined while it follows. */
	key(): string | undefined {
		return this.#role === 'leader' ? this.#key : undefined;
	}

	onChange(listener: (role: 'leader' | 'follower') => void): () => void {
		this.#listeners.add(listener);
		return () => this.#listeners.delete(listener);
	}

	/** Stands for election; resolves once this process leads or follows a live leader. */
	async stand(): Promise<void> {
		this.#retry = undefined;
		if (this.#released) return;
		const campaign = EtcdLeadership.election(this.client, this.prefix, this.ttlS).campaign(JSON.stringify({pid: process.pid, host: hostname()}));
		this.#campaign = campaign;
		campaign.on('error', () => this.#lost(campaign));
		const elected = new Promise<void>(resolve => campaign.on('elected', () => resolve()));
		elected.then(
			async () => {
				if (this.#campaign !== campaign || this.#released) return;
				this.#key = await campaign.getCampaignKey();
				this.#become('leader');
				this.#watch(campaign);
			},
			() => undefined,
		);
		// A follower is one whose key stands behind another's: it waits in the election, and this returns.
		await Promise.race([elected, this.#behind(campaign)]).catch(() => undefined);
	}

	/** Resolves once this campaign's key exists and is not the first (another candidate leads). */
	async #behind(campaign: Campaign): Promise<void> {
		const mine = await campaign.getCampaignKey();
		const deadline = Date.now() + STAND_MS;
		while (Date.now() < deadline && this.#campaign === campaign && this.#role === 'follower') {
			const first = await this.client.getAll().prefix(`${this.prefix}election/engine/`).sort('Create', 'Ascend').limit(1).keys();
			if ((await this.client.get(mine).exec()).kvs.length > 0 && first[0] !== undefined && first[0] !== mine) return;
			await new Promise(resolve => setTimeout(resolve, 20));
		}
	}

	/**
	 * A leader cut off from the cluster cannot tell that its lease lapsed (the client would say so
	 * only after twice the TTL). Its lease was alive when it last saw its key, and its last keepalive
	 * was at most a third of the TTL before that: so it steps down, on a timer of its own, before two
	 * thirds of the TTL have passed since it last saw its key, and another can be elected only after.
	 */
	#watch(campaign: Campaign): void {
		const every = (this.ttlS * 1000) / 6;
		const margin = (this.ttlS * 1000 * 2) / 3 - every;
		const stepDown = () => this.#lost(campaign);
		let expiry = setTimeout(stepDown, margin);
		const check = async () => {
			this.#watchdog = undefined;
			if (this.#campaign !== campaign || this.#role !== 'leader' || !this.#key) return clearTimeout(expiry);
			const asked = Date.now();
			const seen = await this.client
				.get(this.#key)
				.options({deadline: asked + every})
				.exec()
				.then(
					res => (res.kvs.length > 0 ? 'alive' : 'gone'),
					() => 'unknown',
				);
			if (seen === 'gone') return stepDown();
			if (seen === 'alive') {
				clearTimeout(expiry);
				expiry = setTimeout(stepDown, margin - (Date.now() - asked));
			}
			if (this.#campaign === campaign) this.#watchdog = setTimeout(() => void check(), every);
		};
		this.#stopWatch = () => clearTimeout(expiry);
		this.#watchdog = setTimeout(() => void check(), every);
	}

	/** This process's election key is gone (its lease lapsed while it was frozen): it follows, and stands again. */
	fenced(): void {
		if (this.#campaign) this.#lost(this.#campaign);
	}

	#lost(campaign: Campaign): void {
		if (this.#campaign !== campaign) return;
		this.#campaign = undefined;
		this.#key = undefined;
		if (this.#watchdog) clearTimeout(this.#watchdog);
		this.#stopWatch?.();
		this.#become('follower');
		void campaign.resign().catch(() => undefined);
		if (!this.#released && !this.#retry) this.#retry = setTimeout(() => void this.stand(), RESTAND_MS);
	}

	#become(role: 'leader' | 'follower'): void {
		if (this.#role === role) return;
		this.#role = role;
		for (const listener of [...this.#listeners]) listener(role);
	}

	async release(): Promise<void> {
		this.#released = true;
		if (this.#retry) clearTimeout(this.#retry);
		if (this.#watchdog) clearTimeout(this.#watchdog);
		this.#stopWatch?.();
		const campaign = this.#campaign;
		this.#campaign = undefined;
		this.#key = undefined;
		await campaign?.resign().catch(() => undefined);
		this.#become('follower');
	}
}

/** The process leading now (its campaign value), if any. */
export async function leaderOf(client: Etcd3, prefix: string): Promise<Leader | undefined> {
	return parseLeader(await EtcdLeadership.election(client, prefix).leader());
}

/** How many candidates wait behind the leader. */
export async function followersOf(client: Etcd3, prefix: string): Promise<number> {
	const n = await client.getAll().prefix(`${prefix}election/engine/`).count();
	return Math.max(0, n - 1);
}
