import {readFile} from 'node:fs/promises';
import {Checkpoint, checkpointLog, forgery} from './checkpoint.js';
import {readData} from './safe-fs.js';
import {witnessLog, WitnessEntry, type Claim, type Trail} from './witness.js';

/**
 * Everything that vouches for a trail's head and can be read here: this user's witness and
 * checkpoint logs for the data directory, and files named on purpose (`audit verify --witness`):
 * a shipped checkpoint (`audit checkpoint --json`), a syslog extract (one per line, anything before
 * the first `{` ignored), another user's witness log.
 */
export interface Claims {
	claims: Claim[];
	/** Checkpoints whose signature does not hold, or lines that claim to be one and are not shaped like one. */
	forged: Array<{file: string; reason: string}>;
	files: string[];
	/** Files named that could not be read. */
	unreadable: Array<{file: string; reason: string}>;
	/** Claims about other data directories (or an earlier directory at the same path), left aside. */
	skipped: number;
}

export async function readClaims(home: string, trail: Trail, extra: readonly string[] = []): Promise<Claims> {
	const out: Claims = {claims: [], forged: [], files: [], unreadable: [], skipped: 0};
	const own = [witnessLog(home, trail).file, checkpointLog(home, trail).file];
	for (const file of [...own, ...extra]) {
		let text: string;
		try {
			// This user's logs are opened without following a link; a file named on purpose may be one.
			text = (await (own.includes(file) ? readData(file) : readFile(file))).toString('utf8');
		} catch (error) {
			// This user's own logs simply do not exist until something was witnessed.
			if (!own.includes(file)) out.unreadable.push({file, reason: error instanceof Error ? error.message : String(error)});
			continue;
		}
		out.files.push(file);
		for (const raw of documents(text)) judge(raw, file, trail, out);
	}
	return out;
}

/** The JSON objects a file holds: one document (pretty-printed or not, or an array), or one per line. */
function documents(text: string): unknown[] {
	try {
		const whole: unknown = JSON.parse(text);
		return Array.isArray(whole) ? whole : [whole];
	} catch {
		return text.split('\n').flatMap(line => {
			const at = line.indexOf('{');
			if (at < 0) return [];
			try {
				return [JSON.parse(line.slice(at)) as unknown];
			} catch {
				return [];
			}
		});
	}
}

function judge(raw: unknown, file: string, trail: Trail, out: Claims): void {
	if (typeof raw !== 'object' || raw === null) return;
	const mine = (c: {dir: string; dirId: string}) => c.dir === trail.dir && c.dirId === trail.dirId;
	if ((raw as {kind?: unknown}).kind === 'calyx.checkpoint') {
		const parsed = Checkpoint.safeParse(raw);
		if (!parsed.success) return void out.forged.push({file, reason: 'a line claims to be a checkpoint but is not shaped like one'});
		const c = parsed.data;
		if (!mine(c)) return void out.skipped++;
		const why = forgery(c);
		if (why) return void out.forged.push({file, reason: `the checkpoint of seq ${c.seq} at ${c.at}: ${why}`});
		out.claims.push({seq: c.seq, hash: c.hash, at: c.at, source: 'checkpoint', file, signer: c.signer});
		return;
	}
	const entry = WitnessEntry.safeParse(raw);
	if (!entry.success) return;
	if (!mine(entry.data)) return void out.skipped++;
	out.claims.push({seq: entry.data.seq, hash: entry.data.hash, at: entry.data.at, source: 'witness', file, by: entry.data.by});
}
