#!/usr/bin/env node
// chalk ignores NO_COLOR; map it (and --no-color) before anything that loads chalk or ink.
if (process.env.NO_COLOR || process.argv.includes('--no-color')) process.env.FORCE_COLOR = '0';
await import('../dist/cli/main.js');
