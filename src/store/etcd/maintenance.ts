import type {Etcd3} from 'etcd3';
import {StoreError} from '../errors.js';
import type {KeyLayout} from './keys.js';

/**
 * Keeps the cluster's history from growing to etcd's quota (2 GiB by default, then NOSPACE stops
 * every write): etcd keeps every version of every key until its history is compacted, and the
 * space compaction frees is given back to the filesystem only by defragmenting each member. The
 * engine that leads runs `maintain` after its cycles; each action is rate-limited by times kept in
 * etcd (so a new leader does not start over) and logged there, shown by `calyx store status`.
 * Compaction removes old versions only, never a live key: the trail, samples and archive are live.
 */
export interface MaintenancePolicy {
	/** Revisions of history kept behind the newest. */
	retainRevisions: number;
	/** The least time between compactions. */
	compactEveryMs: number;
	/** A member is defragmented when its database is at least this many times its in-use size … */
	defragRatio: number;
	/** … and at least this many bytes would be given back. */
	defragMinBytes: number;
	/** The least time between two defragmentations of one member (each blocks that member while it runs). */
	defragEveryMs: number;
}

export const DEFAULT_POLICY: MaintenancePolicy = {retainRevisions: 10_000, compactEveryMs: 5 * 60_000, defragRatio: 2, defragMinBytes: 64 << 20, defragEveryMs: 60 * 60_000};

export interface MaintenanceAction {
	at: string;
	kind: 'compacted' | 'defragmented' | 'failed';
	detail: string;
	revision?: number;
	member?: string;
	before?: number;
	after?: number;
}

/** What `x/maintenance` holds. */
interface Kept {
	policy: MaintenancePolicy;
	compactedAt?: number;
	compactedRevision?: number;
	/** By member id: when it was last defragmented. */
	defraggedAt: Record<string, number>;
	log: MaintenanceAction[];
}

export interface MemberStatus {
	id: string;
	name: string;
	endpoint: string;
	leader: boolean;
	dbSize?: number;
	dbSizeInUse?: number;
	raftTerm?: number;
	version?: string;
	alarms: string[];
	unreachable?: string;
}

export interface ClusterStatus {
	endpoints: string[];
	members: MemberStatus[];
	revision: number;
	compactedRevision?: number;
	policy: MaintenancePolicy;
	log: MaintenanceAction[];
}

const LOG_KEPT = 20;
const DEFRAG_MS = 120_000;
const mb = (n: number) => `${(n / 1048576).toFixed(1)} MB`;
const why = (error: unknown) => (error instanceof Error ? error.message : String(error)).split('\n')[0]!.slice(0, 200);

export class EtcdMaintenance {
	constructor(
		readonly client: Etcd3,
		readonly keys: KeyLayout,
		readonly where: string,
		/** A client of one member's endpoint (closed after use). */
		readonly member: (endpoint: string) => Etcd3,
	) {}

	async #kept(): Promise<{kept: Kept; mod: string; revision: number}> {
		const res = await this.client.get(this.keys.maintenance).exec();
		const kv = res.kvs[0];
		let kept: Kept = {policy: DEFAULT_POLICY, defraggedAt: {}, log: []};
		if (kv) {
			try {
				const raw = JSON.parse(kv.value.toString('utf8')) as Partial<Kept>;
				kept = {...kept, ...raw, policy: {...DEFAULT_POLICY, ...raw.policy}, defraggedAt: raw.defraggedAt ?? {}, log: raw.log ?? []};
			} catch {
				throw new StoreError('CORRUPT', `${this.where}: ${this.keys.maintenance} is not JSON (set the policy again: calyx store init)`, this.keys.maintenance);
			}
		}
		return {kept, mod: kv ? String(kv.mod_revision) : '0', revision: Number(res.header.revision)};
	}

	async policy(): Promise<MaintenancePolicy> {
		return (await this.#kept()).kept.policy;
	}

	/** Sets the policy (what was done so far is kept). */
	async setPolicy(policy: Partial<MaintenancePolicy>): Promise<MaintenancePolicy> {
		const {kept} = await this.#kept();
		const next = {...kept.policy, ...policy};
		await this.client.put(this.keys.maintenance).value(JSON.stringify({...kept, policy: next}));
		return next;
	}

	/** What is due now under the policy, done and logged; the actions taken (none when nothing was due). */
	async run(now: number): Promise<MaintenanceAction[]> {
		const {kept, mod, revision} = await this.#kept();
		const {policy} = kept;
		const at = new Date(now).toISOString();
		if (kept.compactedAt !== undefined && now - kept.compactedAt < policy.compactEveryMs) return [];
		const actions: MaintenanceAction[] = [];
		const target = revision - policy.retainRevisions;
		if (target > (kept.compactedRevision ?? 0)) {
			try {
				await this.client.kv.compact({revision: target, physical: true});
				actions.push({at, kind: 'compacted', revision: target, detail: `history before revision ${target} compacted (kept the last ${policy.retainRevisions})`});
			} catch (error) {
				// Compacted past it already (the server's own auto-compaction): nothing to do.
				if (!/compacted/.test(why(error))) actions.push({at, kind: 'failed', revision: target, detail: `compaction to revision ${target}: ${why(error)}`});
			}
		}
		for (const m of await this.members()) {
			if (m.dbSize === undefined || m.dbSizeInUse === undefined) continue;
			const spare = m.dbSize - m.dbSizeInUse;
			const due = now - (kept.defraggedAt[m.id] ?? Number.NEGATIVE_INFINITY) >= policy.defragEveryMs;
			if (!due || spare < policy.defragMinBytes || m.dbSize < policy.defragRatio * m.dbSizeInUse) continue;
			actions.push(await this.#defragment(m, at));
			kept.defraggedAt[m.id] = now;
		}
		const compacted = actions.find(a => a.kind === 'compacted')?.revision;
		const next: Kept = {...kept, compactedAt: now, ...(compacted ? {compactedRevision: compacted} : {}), log: [...kept.log, ...actions].slice(-LOG_KEPT)};
		// Only over what was read: a policy set meanwhile wins, and this round is done again later.
		await this.client.if(this.keys.maintenance, 'Mod', '==', mod).then(this.client.put(this.keys.maintenance).value(JSON.stringify(next))).commit();
		return actions;
	}

	/** One member at a time: defragmentation blocks the member while it runs (the others serve). */
	async #defragment(m: MemberStatus, at: string): Promise<MaintenanceAction> {
		const one = this.member(m.endpoint);
		try {
			await one.maintenance.defragment({deadline: Date.now() + DEFRAG_MS});
			const after = Number((await one.maintenance.status()).dbSize);
			return {at, kind: 'defragmented', member: m.name, before: m.dbSize!, after, detail: `${m.name}: database ${mb(m.dbSize!)} → ${mb(after)} (in use ${mb(m.dbSizeInUse!)})`};
		} catch (error) {
			return {at, kind: 'failed', member: m.name, detail: `defragmenting ${m.name}: ${why(error)}`};
		} finally {
			one.close();
		}
	}

	/** Every member's status, each asked at its own endpoint; one that does not answer says why. */
	async members(): Promise<MemberStatus[]> {
		const {members} = await this.client.cluster.memberList({});
		return Promise.all(
			members.map(async (m): Promise<MemberStatus> => {
				const endpoint = m.clientURLs[0] ?? '';
				const base = {id: m.ID, name: m.name || m.ID, endpoint, leader: false, alarms: []};
				if (!endpoint) return {...base, unreachable: 'not started (no client URL)'};
				const one = this.member(endpoint);
				try {
					const s = await one.maintenance.status();
					return {...base, leader: s.leader === m.ID, dbSize: Number(s.dbSize), dbSizeInUse: Number(s.dbSizeInUse), raftTerm: Number(s.raftTerm), version: s.version, alarms: s.errors ?? []};
				} catch (error) {
					return {...base, unreachable: why(error)};
				} finally {
					one.close();
				}
			}),
		);
	}

	async status(endpoints: string[]): Promise<ClusterStatus> {
		const [{kept, revision}, members] = await Promise.all([this.#kept(), this.members()]);
		// etcd says its compacted revision only beside a hash of the key space: asked of one member.
		const hashed = await this.client.maintenance.hashKV({revision: 0}).catch(() => undefined);
		const compacted = hashed ? Number(hashed.compact_revision) : kept.compactedRevision;
		return {endpoints, members, revision, ...(compacted ? {compactedRevision: compacted} : {}), policy: kept.policy, log: kept.log};
	}
}
