/**
 * The CLI's costs, each against bare `node -e 0` measured in the same run: `calyx --version`,
 * `calyx canary list --json` at 10,000 deployments, and `calyx metrics push --stdin` throughput.
 * Run: npm run bench:cli (needs `npm run build` first; `npm ci` does it).
 */
import {spawn} from 'node:child_process';
import {existsSync} from 'node:fs';
import {mkdtemp, rm} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join, resolve} from 'node:path';
import {runDrill, type Deployment, type State} from '../src/core/index.js';
import {initStore} from '../src/store/index.js';
import {ms, perSecond, ratio, sample, stats, table, thousands} from './lib/stats.js';

const BIN = resolve(import.meta.dirname, '../bin/calyx.js');
if (!existsSync(resolve(import.meta.dirname, '../dist/cli/main.js'))) {
	console.error('bench:cli: dist/ is missing; run npm run build first');
	process.exit(2);
}
const root = await mkdtemp(join(tmpdir(), 'calyx-bench-cli-'));

function run(args: string[], env: NodeJS.ProcessEnv = {}, input = ''): Promise<{code: number; stdout: string}> {
	return new Promise((done, fail) => {
		const child = spawn(process.execPath, args, {env: {...process.env, ...env}, stdio: ['pipe', 'pipe', 'inherit']});
		let stdout = '';
		child.stdout.on('data', d => (stdout += d));
		child.on('error', fail);
		child.on('close', code => done({code: code ?? -1, stdout}));
		child.stdin.end(input);
	});
}

/** A data directory holding `n` deployments: clones of a finished drill deployment, plus the live ones. */
async function dataDirWith(n: number, live: boolean): Promise<{dir: string; running: string}> {
	const drill = runDrill({bakeMs: live ? 1e12 : 60_000});
	const dir = join(root, `data-${n}-${live}`);
	const {store} = await initStore(dir);
	const finished = runDrill().state.deployments.find(d => d.status === 'completed')!;
	const running = drill.state.deployments.find(d => d.status === 'running') ?? drill.state.deployments[0]!;
	const clones: Deployment[] = Array.from({length: Math.max(0, n - 1)}, (_, i) => ({...structuredClone(finished), id: `DEP-20250101-${String(i + 1).padStart(5, '0')}`}));
	const state: State = {...drill.state, deployments: [...clones, running]};
	await store.mutate(() => ({state, events: [], result: null}));
	await store.close();
	return {dir, running: running.id};
}

const ITER = 15;
const bare = stats(await sample(() => run(['-e', '0']), {iterations: ITER, warmup: 2}));
const version = stats(await sample(() => run([BIN, '--version']), {iterations: ITER, warmup: 2}));
const big = await dataDirWith(10_000, false);
const list = stats(await sample(() => run([BIN, 'canary', 'list', '--json'], {CALYX_DATA: big.dir}), {iterations: 10, warmup: 1}));

const live = await dataDirWith(1, true);
const SAMPLES = 5_000;
const ndjson = Array.from({length: SAMPLES}, (_, i) => JSON.stringify({tesDelta: 0.1 + (i % 7) / 10, errorRate: 0.3, cpu: 50 + (i % 20), memory: 60})).join('\n');
const started = performance.now();
const pushed = await run([BIN, 'metrics', 'push', live.running, '--stdin', '--json'], {CALYX_DATA: live.dir}, ndjson);
const pushMs = performance.now() - started;
const recorded = (JSON.parse(pushed.stdout) as {recorded: number}).recorded;

console.log(`calyx CLI benchmark (node ${process.version}; ${ITER} runs each unless said)\n`);
console.log(
	table([
		['what', 'median ms', 'p95 ms', 'vs node -e 0', 'target'],
		['node -e 0 (floor)', ms(bare.median), ms(bare.p95), '1.0×', ''],
		['calyx --version', ms(version.median), ms(version.p95), ratio(version.median, bare.median), '≤ 1.5×'],
		['calyx canary list --json @ 10k deployments', ms(list.median), ms(list.p95), ratio(list.median, bare.median), '≤ 250 ms'],
	]),
);
console.log(
	`\nmetrics push --stdin: ${thousands(recorded)} samples (each evaluated by the monitor and the gate) in ${ms(pushMs)} ms ` +
		`= ${thousands(perSecond(recorded, pushMs))} samples/s (target ≥ 2,000/s; exit ${pushed.code})`,
);
await rm(root, {recursive: true, force: true});
