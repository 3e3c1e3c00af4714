import type {ArchiveRecord} from '../core/archive.js';
import type {State} from '../core/model/index.js';
import {historyRow, type HistoryRow} from '../core/view/history.js';
import type {BatchStore} from './api.js';
import {ArchiveReader} from './archive-log.js';
import {archiveTail} from './archive-tail.js';
import {storePaths} from './paths.js';

/** A store, or its data directory: one that lists its ended deployments itself (etcd) is read through them. */
export type HistorySource = {dir: string} & Partial<Pick<BatchStore, 'endedTail' | 'archived'>>;

/**
 * A service's deployments, newest first: the live ones from the document, then the last `limit`
 * archived ones, each from its record. From a data directory they are read from the end of the
 * archive index and each record checked against its digest: the cost follows the rows shown and
 * how far back the service's last ones lie. A store with its own archive (etcd) is asked for them.
 */
export async function serviceHistory(state: State, from: HistorySource, service: string, limit: number): Promise<{rows: HistoryRow[]; older: boolean}> {
	const live = state.deployments
		.filter(d => d.service === service)
		.map(d => historyRow(d, state.leases.find(l => l.id === d.leaseId), state.intents.find(i => i.id === d.intentId)));
	const liveIds = new Set(live.map(r => r.id));
	const {records, older} = await endedOf(state, from, limit, id => !liveIds.has(id), service);
	const archived = records.map(record => historyRow(record.deployment, record.leases.find(l => l.id === record.deployment.leaseId), record.intent));
	return {rows: [...live.reverse(), ...archived.reverse()], older};
}

type Records = {records: ArchiveRecord[]; older: boolean};

/** The service's last `limit` archived records that `notLive` keeps, oldest ended first. */
async function endedOf(state: State, from: HistorySource, limit: number, notLive: (id: string) => boolean, service: string): Promise<Records> {
	if (from.endedTail && from.archived) {
		const archived = from.archived.bind(from);
		const tail = await from.endedTail(limit, row => row.service === service && notLive(row.id));
		const records = await Promise.all(tail.rows.map(row => archived(row.id)));
		// A record that went missing between the two reads is not shown rather than shown wrong.
		return {records: records.filter(r => r !== undefined), older: tail.older};
	}
	const paths = storePaths(from.dir);
	const tail = await archiveTail(paths.archiveIndex, limit, state.rev, e => e.summary.service === service && notLive(e.id));
	const reader = new ArchiveReader(paths);
	return {records: await Promise.all(tail.entries.map(e => reader.read(e))), older: tail.older};
}
