import {archiveTail, ENDED_SHOWN} from '../store/archive-tail.js';
import {readListIndex} from '../store/list-read.js';
import {storePaths, type StorePaths} from '../store/paths.js';
import {readData} from '../store/safe-fs.js';
import {dataDirOf} from './env.js';

/**
 * `calyx __complete ids <kind> [--data <dir>]`: the ids a shell offers on Tab, one a line (see
 * commands/completion.ts). Run on every Tab, so it loads neither commander nor zod: deployments
 * come from the document's list rows (the live ones, then the last that ended), the rest from the state
 * document read once, as it is on disk. Read only: nothing is written, nothing is locked. A shell
 * must never print an error over the command line being typed, so any failure prints nothing.
 */
export const ID_KINDS = ['deployment', 'lease', 'intent', 'key', 'service'] as const;
export type IdKind = (typeof ID_KINDS)[number];

/** What a shell may be handed as a word: no space, quote, glob or control character could come through. */
const SAFE_WORD = /^[A-Za-z0-9][A-Za-z0-9._:@+-]{0,127}$/;

type Doc = Partial<Record<'keys' | 'intents' | 'leases' | 'deployments' | 'services', Array<Record<string, unknown>>>>;

async function documentOf(paths: StorePaths): Promise<Doc> {
	const doc = JSON.parse((await readData(paths.state)).toString('utf8')) as unknown;
	return doc !== null && typeof doc === 'object' ? (doc as Doc) : {};
}

const field = (rows: Array<Record<string, unknown>> | undefined, name: string) => (Array.isArray(rows) ? rows.map(r => r?.[name]) : []);

async function deploymentIds(paths: StorePaths): Promise<unknown[]> {
	const live = await readListIndex(paths);
	// A stale index (a write under way, an older calyx): the document holds the live ones too.
	if (!live) return field((await documentOf(paths)).deployments, 'id');
	const ended = await archiveTail(paths.archiveIndex, ENDED_SHOWN, live.rev);
	return [...live.deployments.map(d => d.id), ...ended.entries.map(e => e.id).reverse()];
}

export async function idsOf(kind: IdKind, paths: StorePaths): Promise<string[]> {
	let ids: unknown[];
	if (kind === 'deployment') ids = await deploymentIds(paths);
	else {
		const doc = await documentOf(paths);
		if (kind === 'key') ids = (doc.keys ?? []).filter(k => k?.revokedAt === undefined).map(k => k?.id);
		else if (kind === 'service') ids = [...field(doc.services, 'name'), ...field(doc.intents, 'service'), ...field(doc.deployments, 'service')];
		else ids = field(kind === 'lease' ? doc.leases : doc.intents, 'id');
	}
	return [...new Set(ids.filter((id): id is string => typeof id === 'string' && SAFE_WORD.test(id)))];
}

/** The hidden command itself: its arguments after `__complete`. */
export async function completeIds(args: string[], io: {stdout: NodeJS.WritableStream; env: NodeJS.ProcessEnv}): Promise<void> {
	const [what, kind, ...rest] = args;
	if (what !== 'ids' || !ID_KINDS.includes(kind as IdKind)) return;
	const at = rest.indexOf('--data');
	// An etcd store has no files to read without loading its client: a Tab offers nothing rather than a data directory's ids.
	if (io.env.CALYX_STORE || rest.includes('--store')) return;
	try {
		const ids = await idsOf(kind as IdKind, storePaths(dataDirOf(at >= 0 ? rest[at + 1] : undefined, io.env)));
		if (ids.length > 0) io.stdout.write(`${ids.join('\n')}\n`);
	} catch {
		// No data directory, a damaged file: the command that runs will say so; a Tab offers nothing.
	}
}
