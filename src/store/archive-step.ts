import {archiveEnded, restoreArchived, type ArchiveRecord} from '../core/archive.js';
import type {Command} from '../core/engine/commands.js';
import type {EventDraft} from '../core/events.js';
import type {Deployment, State} from '../core/model/index.js';
import type {ArchiveReader, StagedArchive} from './archive-log.js';

/**
 * The archive's part in a commit (see core/archive.ts for what moves and why). Before the
 * commands: an archived deployment a command names is brought back, so that the engine decides
 * about it as about any other (a rollback of a completed one proceeds; a promote is refused in
 * its usual words). After: whatever ended leaves the document; one brought back and left
 * unchanged goes back without being written again.
 */
const DEPLOYMENT_ID = /^DEP-\d{8}-\d{3,}$/;

const namedDeployment = (cmd: Command): string | undefined => {
	const id = (cmd as {id?: unknown}).id;
	return typeof id === 'string' && DEPLOYMENT_ID.test(id) ? id : undefined;
};

export async function restoreNamed(reader: Pick<ArchiveReader, 'record'>, state: State, cmds: readonly Command[]): Promise<{state: State; restored: Set<Deployment>}> {
	const restored = new Set<Deployment>();
	const live = new Set(state.deployments.map(d => d.id));
	let next = state;
	for (const id of new Set(cmds.map(namedDeployment))) {
		if (!id || live.has(id)) continue;
		const record = await reader.record(id, state.rev);
		if (!record) continue;
		next = restoreArchived(next, record);
		restored.add(record.deployment);
	}
	return {state: next, restored};
}

/** The next state without what ended, and the records to write (none for one restored and unchanged). */
export function settleArchive(next: State, restored: ReadonlySet<Deployment>): {state: State; records: ArchiveRecord[]} {
	const {state, records} = archiveEnded(next);
	return {state, records: records.filter(r => !restored.has(r.deployment))};
}

/** More than this many at once is a migration's move, said in one event rather than one each. */
const EACH_UP_TO = 25;

/**
 * The audit events of an archiving: one per deployment, or one for a migration's bulk (the first
 * write of a document from before the archive, or more than EACH_UP_TO at once). `at`: the time of
 * the commit's last event, so that the trail's times never go back.
 */
export function archiveEvents(records: readonly ArchiveRecord[], staged: StagedArchive, at: string, migrating: boolean): EventDraft[] {
	if (migrating || records.length > EACH_UP_TO) {
		const ids = records.map(r => r.deployment.id);
		return [
			{
				at,
				actor: 'store',
				kind: 'store.archived',
				subject: 'state',
				reason: `${records.length} ended deployments moved from the document to the archive, with their intents and leases (${ids[0]} … ${ids.at(-1)})`,
				data: {count: records.length, first: ids[0], last: ids.at(-1), bytes: staged.bytes, sha256: staged.sha256},
			},
		];
	}
	return records.map((r, i) => {
		const p = staged.placed[i]!;
		const dep = r.deployment;
		return {
			at,
			actor: 'store',
			kind: 'deployment.archived',
			subject: dep.id,
			reason: `${dep.id} ended (${dep.status.replace('_', ' ')}): moved to the archive with ${p.intent ?? 'no intent'} and ${p.leases.length} lease${p.leases.length === 1 ? '' : 's'}`,
			data: {status: dep.status, ...(p.intent ? {intent: p.intent} : {}), leases: p.leases, at: p.at, len: p.len, sha256: p.sha256},
		};
	});
}
