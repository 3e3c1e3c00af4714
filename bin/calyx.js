#!/usr/bin/env node
// `--version` answers before anything heavy loads: scripts call it often and it must cost what bare node costs.
const args = process.argv.slice(2);
// A reader that stops early (`calyx canary list | head -1`) is not an error worth a stack trace.
process.stdout.on('error', error => {
	if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
	throw error;
});
if (args.length === 1 && (args[0] === '--version' || args[0] === '-V')) {
	const {readFileSync} = await import('node:fs');
	process.stdout.write(`${JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')).version}\n`);
} else {
	// chalk ignores NO_COLOR: map it (and --no-color) before anything that loads chalk or ink.
	if (process.env.NO_COLOR || args.includes('--no-color')) process.env.FORCE_COLOR = '0';
	// Operators get React's production build; development mode costs twice the CPU in the console.
	process.env.NODE_ENV ??= 'production';
	// `canary list` is polled by scripts: answered from the store's list index without loading the
	// program when it can be (see src/cli/quick-list.ts); otherwise the program runs as usual.
	const quick = args.includes('canary') && args.includes('list') && (await (await import('../dist/cli/quick-list.js')).quickList(args, {stdout: process.stdout, env: process.env}));
	if (!quick) await import('../dist/cli/main.js');
}
