import type {ChildProcess} from 'node:child_process';
import {writeFile} from 'node:fs/promises';
import {join, resolve} from 'node:path';

/** The console benches launch programs on a pty through util-linux `script -c`, a shell command line. */
export const quote = (s: string) => `'${s.replaceAll("'", `'\\''`)}'`;

const ROOT = resolve(import.meta.dirname, '../..');

/** The baseline of the console benches: an Ink app that prints `marker` and stays up. Returns its path. */
export async function writeMinimalInkApp(dir: string, marker: string): Promise<string> {
	const path = join(dir, 'minimal.mjs');
	const react = JSON.stringify(join(ROOT, 'node_modules/react/index.js'));
	const ink = JSON.stringify(join(ROOT, 'node_modules/ink/build/index.js'));
	await writeFile(path, `import {createElement} from ${react};\nimport {render, Text} from ${ink};\nrender(createElement(Text, null, '${marker}'));\nsetInterval(() => {}, 3_600_000);\n`);
	return path;
}

/** Kills what runs on the pty: `script`, the shell and the program (spawned detached, one group). */
export function stopGroup(child: ChildProcess): void {
	try {
		process.kill(-child.pid!, 'SIGKILL');
	} catch {
		// already gone
	}
}
