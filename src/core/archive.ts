import {ENDED} from './engine/transitions.js';
import {HISTORY_KEEP, emptyHistory, type Deployment, type History, type Intent, type Lease, type ServiceHistory, type State} from './model/index.js';

/**
 * Hot and cold state. The document holds what is live; a deployment that ended (completed, rolled
 * back) leaves it for the archive with its intent and leases, and the document keeps a bounded
 * summary of it (`history`) for the decisions that look back. A rollback that fails has not ended:
 * it occupies its service and waits for the operator, so it stays.
 *
 * Pure: the store writes what this decides, in the commit that ends the deployment.
 */
export interface ArchiveRecord {
	deployment: Deployment;
	/** Absent when another live entity still refers to it (it then stays in the document). */
	intent?: Intent;
	leases: Lease[];
}

const FINISHED_INTENT: ReadonlyArray<Intent['status']> = ['deployed', 'rolled_back'];

export const isArchivable = (dep: Pick<Deployment, 'status'>) => ENDED.includes(dep.status);

const serviceOf = (h: History, service: string): ServiceHistory => (h.services[service] ??= {standing: [], rollbacks: []});
const keepNewest = <T>(list: T[]) => (list.length > HISTORY_KEEP ? list.slice(list.length - HISTORY_KEEP) : list);
/** Ids compared part by part, numbers as numbers: `DEP-20261202-1000` comes after `DEP-20261202-999`. */
export function idOrder(a: string, b: string): number {
	const x = a.split('-');
	const y = b.split('-');
	for (let i = 0; i < Math.max(x.length, y.length); i++) {
		const [p, q] = [x[i], y[i]];
		if (p === q) continue;
		if (p === undefined) return -1;
		if (q === undefined) return 1;
		const numeric = /^\d+$/.test(p) && /^\d+$/.test(q);
		return numeric ? Number(p) - Number(q) : p < q ? -1 : 1;
	}
	return 0;
}

const newer = (a: string | undefined, b: string | undefined) => (a === undefined || (b !== undefined && idOrder(b, a) > 0) ? b : a);

function cloneHistory(h: History | undefined): History {
	const base = h ?? emptyHistory();
	return {
		archived: base.archived,
		statuses: {...base.statuses},
		lastIds: {...base.lastIds},
		services: Object.fromEntries(Object.entries(base.services).map(([k, v]) => [k, {standing: [...v.standing], rollbacks: [...v.rollbacks]}])),
	};
}

/** Moves the ended deployments (and their finished intents and leases) out of the document. */
export function archiveEnded(state: State): {state: State; records: ArchiveRecord[]} {
	const ended = state.deployments.filter(isArchivable);
	if (ended.length === 0) return {state, records: []};
	const leaving = new Set(ended.map(d => d.id));
	const staying = state.deployments.filter(d => !leaving.has(d.id));
	const heldIntents = new Set(staying.map(d => d.intentId));
	const history = cloneHistory(state.history);
	const records: ArchiveRecord[] = [];
	const goneIntents = new Set<string>();
	for (const dep of ended) {
		const intent = state.intents.find(i => i.id === dep.intentId);
		const takeIntent = intent && FINISHED_INTENT.includes(intent.status) && !heldIntents.has(intent.id) ? intent : undefined;
		if (takeIntent) goneIntents.add(takeIntent.id);
		const leases = takeIntent ? state.leases.filter(l => l.intentId === takeIntent.id) : [];
		records.push({deployment: dep, ...(takeIntent ? {intent: takeIntent} : {}), leases});
		remember(history, dep, takeIntent, leases);
	}
	const next: State = {
		...state,
		deployments: staying,
		intents: goneIntents.size ? state.intents.filter(i => !goneIntents.has(i.id)) : state.intents,
		leases: goneIntents.size ? state.leases.filter(l => !goneIntents.has(l.intentId)) : state.leases,
		history,
	};
	return {state: next, records};
}

function remember(h: History, dep: Deployment, intent: Intent | undefined, leases: Lease[]): void {
	h.archived++;
	h.statuses[dep.status] = (h.statuses[dep.status] ?? 0) + 1;
	h.lastIds.deployment = newer(h.lastIds.deployment, dep.id);
	if (intent) h.lastIds.intent = newer(h.lastIds.intent, intent.id);
	for (const l of leases) h.lastIds.lease = newer(h.lastIds.lease, l.id);
	const s = serviceOf(h, dep.service);
	if (dep.status === 'completed') {
		s.standing = keepNewest([...s.standing.filter(r => r.id !== dep.id), {id: dep.id, createdAt: dep.createdAt, version: dep.toVersion}].sort((a, b) => a.createdAt.localeCompare(b.createdAt)));
	}
	if (dep.rollback) s.rollbacks = keepNewest([...s.rollbacks.filter(r => r.id !== dep.id), {id: dep.id, at: dep.rollback.startedAt, intentId: dep.intentId}].sort((a, b) => a.at.localeCompare(b.at)));
}

/** Brings an archived deployment back into the document (a completed one being rolled back). */
export function restoreArchived(state: State, record: ArchiveRecord): State {
	const {deployment: dep, intent, leases} = record;
	if (state.deployments.some(d => d.id === dep.id)) return state;
	const history = cloneHistory(state.history);
	history.archived = Math.max(0, history.archived - 1);
	history.statuses[dep.status] = Math.max(0, (history.statuses[dep.status] ?? 0) - 1);
	const s = history.services[dep.service];
	if (s) {
		s.standing = s.standing.filter(r => r.id !== dep.id);
		s.rollbacks = s.rollbacks.filter(r => r.id !== dep.id);
	}
	const knownIntent = intent && state.intents.some(i => i.id === intent.id);
	const knownLeases = new Set(state.leases.map(l => l.id));
	return {
		...state,
		deployments: [...state.deployments, dep],
		intents: intent && !knownIntent ? [...state.intents, intent] : state.intents,
		leases: [...state.leases, ...leases.filter(l => !knownLeases.has(l.id))],
		history,
	};
}

/** Rollbacks of the service that began at or after `since` (ms), live and archived. */
export function rollbacksSince(state: State, service: string, since: number): number {
	const live = state.deployments.filter(d => d.service === service && d.rollback && Date.parse(d.rollback.startedAt) >= since).length;
	const archived = state.history?.services[service]?.rollbacks.filter(r => Date.parse(r.at) >= since).length ?? 0;
	return live + archived;
}

/** The version the newest completed deployment of the service left in place, live or archived. */
export function deployedVersion(state: State, service: string): string | undefined {
	const live = state.deployments.findLast(d => d.service === service && d.status === 'completed');
	const archived = state.history?.services[service]?.standing.at(-1);
	if (!live) return archived?.version;
	if (!archived) return live.toVersion;
	return archived.createdAt > live.createdAt ? archived.version : live.toVersion;
}

/** A deployment of the same service made after `dep` that still stands (not rolled back), live or archived. */
export function standingAfter(state: State, dep: Deployment): {id: string; status: Deployment['status']} | undefined {
	const live = state.deployments.find(d => d.service === dep.service && d.id !== dep.id && d.createdAt > dep.createdAt && d.status !== 'rolled_back');
	if (live) return live;
	const archived = state.history?.services[dep.service]?.standing.find(r => r.id !== dep.id && r.createdAt > dep.createdAt);
	return archived && {id: archived.id, status: 'completed'};
}

/** Every id of a kind a new one must not reuse: those in the document and the newest archived. */
export function takenIds(state: State, kind: 'deployment' | 'intent' | 'lease'): string[] {
	const live = kind === 'deployment' ? state.deployments : kind === 'intent' ? state.intents : state.leases;
	const last = state.history?.lastIds[kind];
	return last ? [...live.map(x => x.id), last] : live.map(x => x.id);
}
