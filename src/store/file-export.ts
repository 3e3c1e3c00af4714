import {ArchiveIndex, type ArchiveEntry} from './archive-index.js';
import {ArchiveReader} from './archive-log.js';
import type {BatchStore} from './api.js';
import {chainFields} from './audit-log.js';
import {blocks, eachLine} from './lines.js';
import {parseSample} from './metrics-log.js';
import {revOfAuditLine, type StoreParts} from './parts.js';
import type {StorePaths} from './paths.js';

const NL = Buffer.from('\n');

/**
 * A data directory's parts, through the committed state (`store.read()`, verified by the caller):
 * audit lines up to its head grouped by the revision that wrote them, samples of committed
 * revisions grouped by deployment and revision, and the archive through its index, each record
 * checked against its digest. Lines a crashed commit left past the head are not taken.
 */
export async function readFileParts(store: BatchStore, paths: StorePaths): Promise<StoreParts> {
	const state = await store.read();
	return {state, audit: await auditCommits(paths.audit, state.auditHead.seq), samples: await sampleGroups(paths.metrics, state.rev), archive: await archived(paths, state.rev)};
}

async function auditCommits(path: string, headSeq: number): Promise<StoreParts['audit']> {
	const commits: StoreParts['audit'] = [];
	let lines: Buffer[] = [];
	let at: {seq: number; rev: number} | undefined;
	const close = () => {
		if (at) commits.push({...at, bytes: Buffer.concat(lines)});
		lines = [];
	};
	for await (const block of blocks(path)) {
		if (block.torn) continue;
		const more = eachLine(block, line => {
			const f = chainFields(line);
			if (!f || f.seq > headSeq) return false;
			const rev = revOfAuditLine(line, path);
			if (rev !== at?.rev) {
				close();
				at = {seq: f.seq, rev};
			}
			lines.push(line, NL);
		});
		if (!more) break;
	}
	close();
	return commits;
}

async function sampleGroups(path: string, throughRev: number): Promise<StoreParts['samples']> {
	// A commit's samples of several deployments may interleave: grouped by both, in the order first seen.
	const groups = new Map<string, {deploymentId: string; rev: number; parts: Buffer[]}>();
	for await (const block of blocks(path)) {
		if (block.torn) continue;
		eachLine(block, (line, start) => {
			const {rev, deploymentId} = parseSample(path, line, start);
			if (rev > throughRev) return;
			const key = `${rev}\u0000${deploymentId}`;
			const group = groups.get(key) ?? {deploymentId, rev, parts: []};
			groups.set(key, group);
			group.parts.push(line, NL);
		});
	}
	return [...groups.values()].map(g => ({deploymentId: g.deploymentId, rev: g.rev, lines: g.parts.length / 2, bytes: Buffer.concat(g.parts)}));
}

/** The newest record of each archived deployment, each in its commit's place (what the etcd store keeps). */
async function archived(paths: StorePaths, throughRev: number): Promise<StoreParts['archive']> {
	const reader = new ArchiveReader(paths);
	await reader.assertIndexed();
	const entries: Array<{entry: ArchiveEntry; n: number}> = [];
	let last: {rev: number; n: number} | undefined;
	await new ArchiveIndex(paths.archiveIndex).each(throughRev, entry => {
		const n = last?.rev === entry.rev ? last.n + 1 : 0;
		last = {rev: entry.rev, n};
		entries.push({entry, n});
	});
	const newest = new Map<string, {entry: ArchiveEntry; n: number}>();
	for (const e of entries) {
		newest.delete(e.entry.id);
		newest.set(e.entry.id, e);
	}
	const out: StoreParts['archive'] = [];
	for (const {entry, n} of newest.values()) out.push({rev: entry.rev, n, record: await reader.read(entry)});
	return out;
}
