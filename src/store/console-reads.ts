import type {CanaryPlan} from '../core/model/index.js';
import type {TrackRecord} from '../core/replay/track-record.js';
import type {HistoryRow} from '../core/view/history.js';
import type {BatchStore, Store} from './api.js';
import {serviceHistory, type HistorySource} from './service-history.js';

/**
 * What the console reads besides the state, for views that ask once (reads only: no lock, no write).
 * Its hooks call these; no view reaches into storage.
 */

/**
 * A service's history as the console shows it (H on a deployment): the live document's
 * deployments of the service, then its last `limit` archived ones, read as `calyx history` reads
 * them (from the end of the archive index, each record checked against its digest).
 */
export async function consoleServiceHistory(store: Pick<Store, 'read' | 'dir'> & HistorySource, service: string, limit: number): Promise<{rows: HistoryRow[]; older: boolean}> {
	return serviceHistory(await store.read(), store, service, limit);
}

/** Whether this store reads the archive and the metrics log as a replay needs (the file store does). */
export const canReplay = (store: Store): store is BatchStore => typeof (store as Partial<BatchStore>).listDeployments === 'function';

/**
 * What a lease's plan would have done to the service's last deployments (`lease show`'s replay
 * line), for the cosign dialog. Undefined for a store without the archive's reads (an in-memory
 * one): the dialog then shows no line rather than a wrong one.
 */
export async function consoleTrackRecord(store: Store, plan: CanaryPlan, service: string): Promise<TrackRecord | undefined> {
	if (!canReplay(store)) return undefined;
	const {planTrackRecord} = await import('./recorded-samples.js');
	return planTrackRecord(store, plan, service);
}
