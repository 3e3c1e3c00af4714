import {chainStatements, registryDifferences, type KeyEvent} from '../core/registry-chain.js';
import type {State} from '../core/model/index.js';
import type {Trust} from '../core/trust.js';
import {blocks} from './lines.js';

const NEEDLE = Buffer.from('"kind":"key.');

/**
 * The key events of the audit trail up to `throughSeq`, read without parsing the other lines: a
 * trail of a million events holds a handful of key events, and only those lines are parsed.
 */
export async function keyEvents(path: string, throughSeq = Number.MAX_SAFE_INTEGER): Promise<KeyEvent[]> {
	const out: KeyEvent[] = [];
	for await (const {buf, torn} of blocks(path)) {
		if (torn) break;
		for (let at = buf.indexOf(NEEDLE); at >= 0; at = buf.indexOf(NEEDLE, at + 1)) {
			const start = buf.lastIndexOf(10, at) + 1;
			const end = buf.indexOf(10, at);
			let event: KeyEvent;
			try {
				event = JSON.parse(buf.toString('utf8', start, end < 0 ? buf.length : end)) as KeyEvent;
			} catch {
				continue;
			}
			if (event.seq > throughSeq) return out;
			out.push(event);
			if (end < 0) break;
			at = end;
		}
	}
	return out;
}

/** The document's keys against those the trail's statements register (core/registry-chain.ts), for `audit verify`. */
export async function registryAgainstTrail(auditPath: string, trust: Trust, state: State, throughSeq: number) {
	const events = await keyEvents(auditPath, throughSeq);
	return {keys: state.keys.length, differences: registryDifferences(trust, chainStatements(events), state.keys)};
}
