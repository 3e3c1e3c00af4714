/**
 * The console's start-up as an operator sees it: from launching `calyx ui` in a terminal (a pty
 * from util-linux `script`) to its first frame showing a deployment, with 1,000 deployments in the
 * store, against a minimal Ink app printing one line, launched the same way in the same run.
 * Run: node --import tsx bench/ui-startup.ts (part of npm run bench:ui).
 */
import {spawn} from 'node:child_process';
import {existsSync} from 'node:fs';
import {mkdtemp, rm} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join, resolve} from 'node:path';
import {runDrill, type Deployment, type State} from '../src/core/index.js';
import {initStore} from '../src/store/index.js';
import {quote, stopGroup, writeMinimalInkApp} from './lib/pty.js';
import {ms, ratio, sample, stats, table} from './lib/stats.js';

const ROOT = resolve(import.meta.dirname, '..');
const BIN = join(ROOT, 'bin', 'calyx.js');
if (!existsSync(join(ROOT, 'dist', 'ui', 'index.js'))) {
	console.error('bench:ui-startup: dist/ is missing; run npm run build first');
	process.exit(2);
}
const root = await mkdtemp(join(tmpdir(), 'calyx-bench-ui-'));

/** Runs `command` on a pty and resolves with the ms until `marker` appears in its output; then kills it. */
function untilShown(command: string, marker: string, env: NodeJS.ProcessEnv): Promise<number> {
	return new Promise((done, fail) => {
		const start = performance.now();
		const child = spawn('script', ['-qfec', `stty cols 120 rows 50; ${command}`, '/dev/null'], {env, stdio: ['pipe', 'pipe', 'ignore'], detached: true});
		let out = '';
		const timer = setTimeout(() => finish(new Error(`no "${marker}" within 30 s: ${out.slice(-300)}`)), 30_000);
		const finish = (error?: Error, at?: number) => {
			clearTimeout(timer);
			stopGroup(child);
			if (error) fail(error);
			else done(at! - start);
		};
		child.stdout.on('data', d => {
			out += d;
			if (out.includes(marker)) finish(undefined, performance.now());
		});
		child.on('error', error => finish(error));
	});
}

/** 1,000 deployments: the drill's two plus finished clones; the keys of the drill are not needed to look. */
async function dataDir(): Promise<{dir: string; marker: string}> {
	const drill = runDrill();
	const finished = drill.state.deployments.find(d => d.status === 'completed')!;
	const clones: Deployment[] = Array.from({length: 998}, (_, i) => ({...structuredClone(finished), id: `DEP-20250101-${String(i + 1).padStart(4, '0')}`}));
	const state: State = {...drill.state, deployments: [...drill.state.deployments, ...clones]};
	const dir = join(root, 'data');
	const {store} = await initStore(dir);
	await store.mutate(() => ({state, events: [], result: null}));
	await store.close();
	return {dir, marker: drill.deployments[0]!};
}

const minimalApp = await writeMinimalInkApp(root, 'minimal-ready');
const {dir, marker} = await dataDir();
// With CI set, ink prints only the last frame: an operator's terminal has no CI variable.
const {CI: _ci, ...inherited} = process.env;
const env = {...inherited, XDG_CONFIG_HOME: join(root, 'config'), XDG_STATE_HOME: join(root, 'state'), CALYX_DATA: dir, NODE_ENV: 'production'};
const RUNS = Number(process.env.CALYX_BENCH_RUNS ?? 10);
const minimal = stats(await sample(() => untilShown(`${quote(process.execPath)} ${quote(minimalApp)}`, 'minimal-ready', env), {iterations: RUNS, warmup: 1}));
const console_ = stats(await sample(() => untilShown(`${quote(process.execPath)} ${quote(BIN)} ui --readonly`, marker, env), {iterations: RUNS, warmup: 1}));

console.log(`calyx console start-up on a pty, 1,000 deployments, 120×50 (${RUNS} runs each)\n`);
console.log(
	table([
		['launch → first frame', 'median ms', 'p95 ms', 'ratio', 'target'],
		['minimal Ink app, one line (baseline)', ms(minimal.median), ms(minimal.p95), '1.0×', ''],
		['calyx ui --readonly', ms(console_.median), ms(console_.p95), ratio(console_.median, minimal.median), '≤ 1.5×'],
	]),
);
await rm(root, {recursive: true, force: true});
