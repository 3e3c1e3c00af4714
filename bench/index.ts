/**
 * Every benchmark in turn: store, archive, CLI, console, targets, the exporter, the etcd store. Each prints its own figures against a baseline
 * measured in the same run. Run: npm run bench (needs the build: `npm ci` does it).
 */
import {spawnSync} from 'node:child_process';
import {resolve} from 'node:path';

let failed = 0;
for (const name of ['store', 'archive', 'cli', 'ui', 'ui-startup', 'ui-idle', 'router', 'revert', 'halt-latency', 'exporter', 'etcd']) {
	console.log(`\n=== bench:${name} ===`);
	// React's production build, as bin/calyx.js gives operators (React reads NODE_ENV as it loads).
	const env = {...process.env, NODE_ENV: 'production'};
	const run = spawnSync(process.execPath, ['--import', 'tsx', resolve(import.meta.dirname, `${name}.ts`)], {stdio: 'inherit', env});
	if (run.status !== 0) failed++;
}
process.exitCode = failed === 0 ? 0 : 1;
