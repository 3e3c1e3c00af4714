import type {ArchiveRecord} from '../core/archive.js';
import type {State} from '../core/model/index.js';
import {StoreError} from './errors.js';

/**
 * A store taken apart for a migration between the file store and the etcd store: what both hold,
 * in the shapes both write. The audit trail as each commit's lines (the bytes, never re-encoded:
 * the chain must hash the same on both sides), the samples as each commit's lines per deployment,
 * the archive's records in the order they were written (the newest of a deployment archived twice).
 */
export interface StoreParts {
	state: State;
	/** One commit's chained lines, by the seq of the first, with the revision that wrote them. */
	audit: Array<{seq: number; rev: number; bytes: Buffer}>;
	/** One commit's samples of one deployment (metrics log lines). */
	samples: Array<{deploymentId: string; rev: number; lines: number; bytes: Buffer}>;
	/** Each archived deployment's record, the revision that archived it and its place among that commit's records. */
	archive: Array<{rev: number; n: number; record: ArchiveRecord}>;
}

/** What a migration reports of the parts it carried. */
export interface PartsSummary {
	events: number;
	head: State['auditHead'];
	rev: number;
	deployments: {live: number; archived: number};
	samples: number;
	commits: number;
}

export const summarise = (p: StoreParts): PartsSummary => ({
	events: p.state.auditHead.seq,
	head: p.state.auditHead,
	rev: p.state.rev,
	deployments: {live: p.state.deployments.length, archived: p.archive.length},
	samples: p.samples.reduce((n, s) => n + s.lines, 0),
	commits: p.audit.length,
});

/** The revision of a commit's first audit line (each line names it): how lines are grouped by commit. */
export function revOfAuditLine(line: Buffer, where: string): number {
	let rev: unknown;
	try {
		rev = (JSON.parse(line.toString('utf8')) as {rev?: unknown}).rev;
	} catch {
		rev = undefined;
	}
	if (!Number.isSafeInteger(rev) || (rev as number) < 0) throw new StoreError('CORRUPT', `${where}: an audit line without a revision; nothing was written`, where);
	return rev as number;
}
