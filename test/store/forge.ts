import {readFileSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {chain, type Head} from '../../src/store/audit-log.js';

type Line = {seq: number; prevHash: string; hash: string; rev: number; at: string; actor: string; kind: string; subject: string; reason: string; data: Record<string, unknown>};

/**
 * What someone who can write the data directory does to hide an event: edits the trail's lines
 * (`edit` may drop or change any), then recomputes every seq and hash after them and the head in
 * state.json, so that the chain verifies on its own.
 */
export function rewriteTrail(dir: string, edit: (lines: Line[]) => Line[]): Head {
	const path = join(dir, 'audit.ndjson');
	const lines = readFileSync(path, 'utf8').trimEnd().split('\n').map(l => JSON.parse(l) as Line);
	let head: Head = {seq: 0, hash: ''};
	let bytes = '';
	for (const {seq: _s, prevHash: _p, hash: _h, rev, ...draft} of edit(lines)) {
		const out = chain([draft], rev, head);
		head = out.head;
		bytes += out.bytes.toString();
	}
	writeFileSync(path, bytes);
	const statePath = join(dir, 'state.json');
	const state = readFileSync(statePath, 'utf8').replace(/"auditHead":\{"seq":\d+,"hash":"[0-9a-f]*"\}/, `"auditHead":{"seq":${head.seq},"hash":"${head.hash}"}`);
	writeFileSync(statePath, state);
	return head;
}
