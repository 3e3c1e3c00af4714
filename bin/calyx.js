#!/usr/bin/env node
// `--version` answers before anything heavy loads: scripts call it often and it must cost what bare node costs.
const args = process.argv.slice(2);
if (args.length === 1 && (args[0] === '--version' || args[0] === '-V')) {
	const {readFileSync} = await import('node:fs');
	process.stdout.write(`${JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')).version}\n`);
} else {
	// chalk ignores NO_COLOR: map it (and --no-color) before anything that loads chalk or ink.
	if (process.env.NO_COLOR || args.includes('--no-color')) process.env.FORCE_COLOR = '0';
	await import('../dist/cli/main.js');
}
