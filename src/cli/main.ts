import {readFileSync} from 'node:fs';
import type {Io} from './context.js';
import {safeJson} from '../core/text.js';

const io: Io = {stdout: process.stdout, stderr: process.stderr, stdin: process.stdin, env: process.env};
const {version} = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {version: string};

const argv = process.argv.slice(2);
const GLOBAL_WITH_VALUE = new Set(['--data', '--expect-rev']);

/** Whether the arguments name a command, or are only global options (`calyx --data /srv/calyx`). */
function namesCommand(list: string[]): boolean {
	for (let i = 0; i < list.length; i++) {
		if (GLOBAL_WITH_VALUE.has(list[i]!)) i++;
		else if (!list[i]!.startsWith('-')) return true;
	}
	return false;
}

// No command on a terminal opens the console; without a terminal there is nothing to show but help.
// `calyx --readonly` asks for the console by name (as `k9s --readonly` does): it goes to `ui` even
// without a terminal, where `ui` says it needs one instead of commander calling the flag unknown.
// The command comes first so that `ui` parses its own options; the global ones are read anywhere.
const bareOptions = !namesCommand(argv) && !argv.some(a => ['-h', '--help', '-V', '--version'].includes(a));
const wantsConsole = (process.stdin.isTTY && process.stdout.isTTY) || argv.includes('--readonly');
const args = bareOptions && wantsConsole ? ['ui', ...argv] : argv;

/** `--version --json` (or -V): the version as a document; --version alone is answered by bin/calyx.js. */
const isVersion = (a: string) => a === '--version' || a === '-V';
const versionJson = argv.some(isVersion) && argv.includes('--json') && argv.every(a => isVersion(a) || a === '--json' || a === '--no-color');

if (argv[0] === '__complete') {
	// A shell asks on every Tab: answered without loading commander, zod or the engine.
	await (await import('./complete-ids.js')).completeIds(argv.slice(1), io);
} else if (versionJson) {
	io.stdout.write(`${safeJson({version}, 2)}\n`);
} else {
	await runProgram();
}

async function runProgram() {
	const [{CommanderError}, {buildProgram, exitCodeOf}] = await Promise.all([import('commander'), import('./program.js')]);
	try {
		await buildProgram(io, version).parseAsync(args, {from: 'user'});
	} catch (error) {
		if (!(error instanceof CommanderError)) throw error;
		process.exitCode = exitCodeOf(error);
		// Usage errors owe --json its one document too (commander has already said why on stderr).
		if (argv.includes('--json') && process.exitCode !== 0) {
			const message = error.message.replace(/^error: /, '');
			io.stdout.write(`${safeJson({ok: false, error: {code: error.code, message, reasons: [], exitCode: process.exitCode}}, 2)}\n`);
		}
	}
}
