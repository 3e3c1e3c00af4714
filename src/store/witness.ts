import {createHash} from 'node:crypto';
import {realpath, stat} from 'node:fs/promises';
import {join} from 'node:path';
import {z} from 'zod';
import type {Head} from './audit-log.js';
import {PrivateLog} from './private-log.js';

/**
 * Witnesses: every calyx process that reads or writes an audit trail records the head it saw in a
 * log of its own user, outside the data directory ($XDG_STATE_HOME/calyx/witness/), where nobody
 * who can write the data directory can reach it. A trail rewritten whole (every hash recomputed,
 * the head in state.json too) still verifies on its own; it contradicts the heads witnessed before.
 */

/** Which trail a witness speaks of: the data directory's real path and its identity (made again, it is another trail). */
export interface Trail {
	dir: string;
	dirId: string;
}

export async function trailOf(dataDir: string): Promise<Trail> {
	const dir = await realpath(dataDir);
	const st = await stat(dir);
	return {dir, dirId: `${st.dev}:${st.ino}`};
}

/** The file name a trail's witnesses and checkpoints go under: a hash of its real path. */
export const trailKey = (trail: Trail) => createHash('sha256').update(trail.dir).digest('hex').slice(0, 16);

export const Hex = z.string().regex(/^[0-9a-f]{64}$/);
const Point = z.object({seq: z.number().int().min(0), hash: Hex, offset: z.number().int().min(0)});

export const WitnessEntry = z.object({
	v: z.literal(1),
	dir: z.string(),
	dirId: z.string(),
	seq: z.number().int().min(1),
	hash: Hex,
	/** The byte just past the head line's newline in audit.ndjson: where a later check starts. */
	offset: z.number().int().min(1),
	at: z.string(),
	/** A write or `audit verify` verified the chain up to this head (`verified`); a read only saw it. */
	by: z.enum(['write', 'read', 'verify', 'checkpoint']),
	verified: z.boolean(),
	/** Where the rolling re-check of older lines goes on (see anchor.ts). */
	scrub: Point.optional(),
	/** Values folded over the verified events up to this head, by fold name (see ChainFold). Keep small. */
	derived: z.record(z.string(), z.unknown()).optional(),
});
export type WitnessEntry = z.infer<typeof WitnessEntry>;

const parseEntry = (raw: unknown) => {
	const out = WitnessEntry.safeParse(raw);
	return out.success ? out.data : undefined;
};

export const witnessLog = (home: string, trail: Trail) => new PrivateLog(join(home, 'calyx', 'witness', `${trailKey(trail)}.ndjson`), parseEntry);

/** A head someone vouched for: a witness entry or a signed checkpoint, and where it was read. */
export interface Claim {
	seq: number;
	hash: string;
	at: string;
	source: 'witness' | 'checkpoint';
	file: string;
	by?: string;
	signer?: string;
}

export interface Contradiction extends Claim {
	/** The chain's hash at that seq now, or null when the chain's committed head is before it. */
	current: string | null;
}

/**
 * The claims the chain contradicts, lowest seq first (the first witnessed head it contradicts
 * leads). `hashes` holds the chain's hash at each claimed seq up to its committed `head`; `walked`
 * is how far the walk verified (a claim past a broken line cannot be judged, and is not).
 */
export function contradictions(claims: readonly Claim[], hashes: ReadonlyMap<number, string>, head: Head, walked: number): Contradiction[] {
	const out: Contradiction[] = [];
	for (const c of claims) {
		if (c.seq === 0) continue; // an empty trail: nothing to contradict
		if (c.seq > head.seq) out.push({...c, current: null});
		else if (c.seq <= walked && hashes.get(c.seq) !== c.hash) out.push({...c, current: hashes.get(c.seq) ?? null});
	}
	return out.sort((a, b) => a.seq - b.seq || a.at.localeCompare(b.at));
}
