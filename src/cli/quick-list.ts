import {ENDED_SHOWN, withEnded} from '../store/archive-tail.js';
import {readListIndex} from '../store/list-read.js';
import {storePaths} from '../store/paths.js';
import {colorWanted, dataDirOf} from './env.js';
import {renderList} from './render/list.js';
import {paintedText} from './render/terminal.js';

/**
 * `calyx canary list` without loading the program. Scripts and status lines poll it, and loading
 * commander, zod and the engine costs ~200 ms here before any work is done; the list index needs
 * none of them. It answers only the plain forms (`canary list` with --json, --no-color, --data,
 * --all, --ended with a plain count)
 * and only from a fresh index; for anything else it declines and the program runs as usual, which
 * also reports every error (no data directory, a damaged state) in its own words.
 */
interface ListArgs {
	json: boolean;
	ended: number | 'all';
	color?: false;
	data?: string;
}

function parse(args: string[]): ListArgs | undefined {
	const out: ListArgs = {json: false, ended: ENDED_SHOWN};
	const words: string[] = [];
	for (let i = 0; i < args.length; i++) {
		const arg = args[i]!;
		if (arg === '--json') out.json = true;
		else if (arg === '--no-color') out.color = false;
		else if (arg === '--data' && args[i + 1] !== undefined && !args[i + 1]!.startsWith('-')) out.data = args[++i];
		else if (arg.startsWith('--data=')) out.data = arg.slice('--data='.length);
		else if (arg === '--all') out.ended = 'all';
		// Anything but a plain count is the program's to refuse, in its own words.
		else if (arg === '--ended' && /^\d{1,7}$/.test(args[i + 1] ?? '')) out.ended = Number(args[++i]);
		else if (arg.startsWith('-')) return undefined;
		else words.push(arg);
	}
	return words.length === 2 && words[0] === 'canary' && words[1] === 'list' ? out : undefined;
}

/** True when it printed the list; false when the program should run instead (nothing printed). */
export async function quickList(args: string[], io: {stdout: NodeJS.WritableStream & {isTTY?: boolean}; env: NodeJS.ProcessEnv}): Promise<boolean> {
	const opts = parse(args);
	if (!opts) return false;
	try {
		const paths = storePaths(dataDirOf(opts.data, io.env));
		const live = await readListIndex(paths);
		if (!live) return false;
		const list = await withEnded(live, paths.archiveIndex, opts.ended);
		io.stdout.write(`${paintedText(renderList(list, {json: opts.json, color: colorWanted(opts.color, io.stdout, io.env)}))}\n`);
		return true;
	} catch {
		return false;
	}
}
