import type {State} from '../core/model/index.js';
import {historyRow, type HistoryRow} from '../core/view/history.js';
import {ArchiveReader} from './archive-log.js';
import {archiveTail} from './archive-tail.js';
import type {StorePaths} from './paths.js';

/**
 * A service's deployments, newest first: the live ones from the document, then the last `limit`
 * archived ones, read from the end of the archive index and each from its record (checked against
 * its digest). The cost follows the rows shown and how far back the service's last ones lie.
 */
export async function serviceHistory(state: State, paths: StorePaths, service: string, limit: number): Promise<{rows: HistoryRow[]; older: boolean}> {
	const live = state.deployments
		.filter(d => d.service === service)
		.map(d => historyRow(d, state.leases.find(l => l.id === d.leaseId), state.intents.find(i => i.id === d.intentId)));
	const liveIds = new Set(live.map(r => r.id));
	const tail = await archiveTail(paths.archiveIndex, limit, state.rev, e => e.summary.service === service && !liveIds.has(e.id));
	const reader = new ArchiveReader(paths);
	const archived = await Promise.all(
		tail.entries.map(async e => {
			const record = await reader.read(e);
			return historyRow(record.deployment, record.leases.find(l => l.id === record.deployment.leaseId), record.intent);
		}),
	);
	return {rows: [...live.reverse(), ...archived.reverse()], older: tail.older};
}
