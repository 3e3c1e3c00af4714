import {ENDED_SHOWN} from '../store/archive-tail.js';
import {revPast} from '../store/journal-rev.js';
import {readFrom} from '../store/lines.js';
import {readListIndex} from '../store/list-read.js';
import {storePaths} from '../store/paths.js';
import {colorWanted, dataDirOf} from './env.js';
import {filteredList, serviceFilter, sinceFilter, statusFilter, type ListFilter, type Parsed} from './list-filter.js';
import {renderList} from './render/list.js';
import {drawnFor, paintedText} from './render/terminal.js';

/**
 * `calyx canary list` without loading the program. Scripts and status lines poll it, and loading
 * commander, zod and the engine costs ~200 ms here before any work is done; the document's list rows
 * need none of them. It answers only the plain forms (`canary list` with --json, --no-color, --data,
 * --all, --ended with a plain count, and the filters --service, --status, --since with good values)
 * and only from rows that check out; for anything else it declines and the program runs as usual, which
 * also reports every error (no data directory, a damaged state, a bad filter) in its own words.
 */
interface ListArgs {
	json: boolean;
	ended: number | 'all';
	color?: false;
	data?: string;
	filter: ListFilter;
}

type FilterFlag = '--service' | '--status' | '--since';
const FILTERS: Record<FilterFlag, (text: string, now: number, filter: ListFilter) => Parsed<unknown>> = {
	'--service': (text, _now, filter) => take(serviceFilter(text), value => (filter.services = value)),
	'--status': (text, _now, filter) => take(statusFilter(text), value => (filter.statuses = value)),
	'--since': (text, now, filter) => take(sinceFilter(text, now), value => (filter.since = value)),
};

function take<T>(parsed: Parsed<T>, set: (value: T) => void): Parsed<T> {
	if ('value' in parsed) set(parsed.value);
	return parsed;
}

/** The option's value, from `--flag value` or `--flag=value`; undefined when it has none. */
function valueAt(args: string[], i: number, flag: string): {value: string; next: number} | undefined {
	const arg = args[i]!;
	if (arg.startsWith(`${flag}=`)) return {value: arg.slice(flag.length + 1), next: i};
	if (arg === flag && args[i + 1] !== undefined && !args[i + 1]!.startsWith('-')) return {value: args[i + 1]!, next: i + 1};
	return undefined;
}

function parse(args: string[], now: number): ListArgs | undefined {
	const out: ListArgs = {json: false, ended: ENDED_SHOWN, filter: {}};
	const words: string[] = [];
	for (let i = 0; i < args.length; i++) {
		const arg = args[i]!;
		const flag = (Object.keys(FILTERS) as FilterFlag[]).find(f => arg === f || arg.startsWith(`${f}=`));
		const data = valueAt(args, i, '--data');
		if (arg === '--json') out.json = true;
		else if (arg === '--no-color') out.color = false;
		else if (data) [out.data, i] = [data.value, data.next];
		else if (arg === '--all') out.ended = 'all';
		// Anything but a plain count is the program's to refuse, in its own words.
		else if (arg === '--ended' && /^\d{1,7}$/.test(args[i + 1] ?? '')) out.ended = Number(args[++i]);
		else if (flag) {
			const given = valueAt(args, i, flag);
			// A bad value is the program's to refuse, naming the flag and what it allows.
			if (!given || 'problem' in FILTERS[flag](given.value, now, out.filter)) return undefined;
			i = given.next;
		} else if (arg.startsWith('-')) return undefined;
		else words.push(arg);
	}
	return words.length === 2 && words[0] === 'canary' && words[1] === 'list' ? out : undefined;
}

/** True when it printed the list; false when the program should run instead (nothing printed). */
export async function quickList(args: string[], io: {stdout: NodeJS.WritableStream & {isTTY?: boolean}; env: NodeJS.ProcessEnv}, now = Date.now()): Promise<boolean> {
	const opts = parse(args, now);
	// An etcd store has no files to read quickly: the program reads it.
	if (!opts || io.env.CALYX_STORE) return false;
	try {
		const paths = storePaths(dataDirOf(opts.data, io.env));
		// The journal before the document (store/journal.ts): its records are commits past the document's rev.
		const journal = await readFrom(paths.journal, 0);
		const live = await readListIndex(paths);
		const rev = live && revPast(journal, live.rev);
		if (!live || rev === undefined) return false;
		const list = await filteredList({...live, rev}, paths.archiveIndex, opts.ended, opts.filter);
		const text = paintedText(renderList(list, {json: opts.json, color: colorWanted(opts.color, io.stdout, io.env)}));
		io.stdout.write(`${opts.json ? text : drawnFor(io.env, text)}\n`);
		return true;
	} catch {
		return false;
	}
}
