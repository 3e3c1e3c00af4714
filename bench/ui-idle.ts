/**
 * The console idle as an operator runs it: the built `calyx ui` on a pty (util-linux `script`,
 * 120×50) over a data directory with 50 live canaries, each sampled once a second by an engine.
 * For each case, the CPU time of the console's own process (utime + stime from /proc; split into
 * its JS thread and the others, V8's GC helpers mostly; stime, the kernel's part, also alone), the
 * bytes it wrote to the terminal and the frames it painted (its writes, a burst apart), over a
 * window (CALYX_BENCH_IDLE_S, default 60 s) scaled to a minute, against a minimal Ink app idle on
 * the same kind of pty.
 *   - read-only console, the engine in another process (`calyx engine`): the watching alone, its
 *     first minute and the minute after apart (the first also pays V8's warm-up: compiles and the
 *     startup heap's collections);
 *   - the same with a deployment's detail open (its gauges and sparklines move every second,
 *     painted by the screen writer without an ink pass while nothing else changes: live-detail.ts);
 *   - the console as leader, the engine inside it (what `calyx ui` is on a quiet box).
 * Run: node --import tsx bench/ui-idle.ts (part of npm run bench:ui).
 * CALYX_BENCH_PROFILE=<dir> also writes a CPU profile of the console per case into <dir> (each
 * case then runs in a console of its own, stopped with SIGTERM so that node writes the profile).
 */
import {execFileSync, spawn, type ChildProcess} from 'node:child_process';
import {existsSync, readdirSync, readFileSync} from 'node:fs';
import {mkdtemp, rm} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join, resolve} from 'node:path';
import {cosign, generateKeyPair, Signers, SimFleet, type Holder, type Intent, type Lease} from '../src/core/index.js';
import {reconcileDeployment} from '../src/drivers/reconciler.js';
import {readTarget, resolveTarget} from '../src/drivers/targets/resolve.js';
import {SimWorldFile} from '../src/store/sim-world.js';
import {ensureDemoTrust} from '../src/store/trust.js';
import {initStore} from '../src/store/index.js';
import {quote, stopGroup, writeMinimalInkApp} from './lib/pty.js';
import {table} from './lib/stats.js';

const ROOT = resolve(import.meta.dirname, '..');
const BIN = join(ROOT, 'bin', 'calyx.js');
if (!existsSync(join(ROOT, 'dist', 'ui', 'index.js'))) {
	console.error('bench:ui-idle: dist/ is missing; run npm run build first');
	process.exit(2);
}
const WINDOW_S = Number(process.env.CALYX_BENCH_IDLE_S ?? 60);
const PROFILE = process.env.CALYX_BENCH_PROFILE ? resolve(process.env.CALYX_BENCH_PROFILE) : undefined;
const CANARIES = 50;
/** Writes to the pty closer than this are one painted frame (the console paints at most 10 a second). */
const FRAME_GAP_MS = 30;
const root = await mkdtemp(join(tmpdir(), 'calyx-bench-idle-'));
// Keys and the (demo) trust of the bench's own, inherited by the console it starts.
Object.assign(process.env, {XDG_CONFIG_HOME: join(root, 'config'), CALYX_TRUST: 'demo'});
// /proc/<pid>/stat counts CPU time in clock ticks.
const TICKS_PER_S = Number(execFileSync('getconf', ['CLK_TCK'], {encoding: 'utf8'}).trim());

/** Fifty canaries through the real pipeline (intent, two keys, start), baking for an hour so they stay live. */
async function seed(dir: string): Promise<string> {
	const {store} = await initStore(dir, {trust: ensureDemoTrust().trust});
	// The simulated fleet is the simulated driver's file, beside the state.
	await new SimWorldFile(dir).update(world => {
		const fleet = new SimFleet(world);
		for (let i = 0; i < CANARIES; i++) fleet.addService(`svc-${i}`, '1.0.0', {scenario: {kind: 'healthy'}, load: 40});
	});
	const signers = new Signers([ensureDemoTrust().admin], {demo: true});
	const keys: Record<'human' | 'agent', Holder> = {
		human: {id: 'bench-human', role: 'human', owner: 'bench-human', ...generateKeyPair()},
		agent: {id: 'bench-agent', role: 'agent', owner: 'bench-agent', ...generateKeyPair()},
	};
	for (const role of ['human', 'agent'] as const) await store.run(signers.register(keys[role], new Date().toISOString()));
	let newest = '';
	for (let i = 0; i < CANARIES; i++) {
		const {result: draft} = await store.run<Intent>(signers.propose({actor: 'bench', service: `svc-${i}`, fromVersion: '1.0.0', toVersion: '1.1.0', files: 3, lines: 40, criticality: 'low'}, keys.agent));
		await store.run(signers.approve(draft, keys.human, undefined, 'bench'));
		const intent = (await store.read()).intents.find(x => x.id === draft.id)!;
		const {result: lease} = await store.run<Lease>({type: 'lease.issue', actor: 'bench', intentId: intent.id, plan: {bakeMs: 3_600_000}, ackRisk: true});
		for (const role of ['agent', 'human'] as const) {
			const key = keys[role];
			await store.run({type: 'lease.cosign', actor: `${role}:${key.id}`, leaseId: lease.id, role, keyId: key.id, signature: cosign(lease, intent, role, key.id, key.privateKey)});
		}
		const reading = await readTarget(resolveTarget(`svc-${i}`, {dataDir: dir}), AbortSignal.timeout(5000));
		const {result} = await store.run<{id: string}>({type: 'canary.start', actor: 'bench', leaseId: lease.id, reading});
		await reconcileDeployment(store, {dataDir: dir}, result.id);
		newest = result.id;
	}
	await store.close();
	return newest;
}

// Whatever the bench started goes with it, also when a step fails (a console left behind keeps drawing).
const started = new Set<ChildProcess>();
process.on('exit', () => started.forEach(stopGroup));

/** A program on a pty: its output byte count, and its pid (script execs the command's shell). */
function onPty(command: string, env: NodeJS.ProcessEnv) {
	const child = spawn('script', ['-qfec', `stty cols 120 rows 50; exec ${command}`, '/dev/null'], {env, stdio: ['pipe', 'pipe', 'ignore'], detached: true});
	started.add(child);
	let out = '';
	let bytes = 0;
	// A frame is painted in one write, which the pty may hand over in pieces: pieces this close are one frame.
	let frames = 0;
	let lastData = Number.NEGATIVE_INFINITY;
	child.stdout!.on('data', (d: Buffer) => {
		const at = performance.now();
		if (at - lastData > FRAME_GAP_MS) frames += 1;
		lastData = at;
		bytes += d.length;
		out = (out + d.toString()).slice(-65_536);
	});
	return {
		child,
		bytes: () => bytes,
		frames: () => frames,
		until: (marker: string) => poll(() => out.includes(marker), () => `"${marker}" on screen (last output: ${JSON.stringify(out.slice(-300))})`),
		type: (keys: string) => child.stdin!.write(keys),
		/** The program's pid: the one child of script. */
		pid: () => poll(() => Number(readFileSync(`/proc/${child.pid}/task/${child.pid}/children`, 'utf8').trim().split(' ')[0]) || undefined, 'the program started'),
		stop: () => stopGroup(child),
		/** Ends the program with SIGTERM and waits for it to go (a profiled one writes its profile on the way out). */
		end: async () => {
			const pid = await poll(() => Number(readFileSync(`/proc/${child.pid}/task/${child.pid}/children`, 'utf8').trim().split(' ')[0]) || undefined, 'the program started');
			process.kill(pid, 'SIGTERM');
			await poll(() => !existsSync(`/proc/${pid}/stat`) || readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.startsWith('Z'), 'the program gone after SIGTERM');
			stopGroup(child);
		},
	};
}

async function poll<T>(probe: () => T | undefined | false, what: string | (() => string), timeoutMs = 30_000): Promise<T> {
	const deadline = Date.now() + timeoutMs;
	for (;;) {
		const v = probe();
		if (v) return v;
		if (Date.now() > deadline) throw new Error(`bench:ui-idle: no ${typeof what === 'string' ? what : what()} within ${timeoutMs} ms`);
		await new Promise(r => setTimeout(r, 50));
	}
}

/** utime + stime of a process, and stime alone (the kernel's part: file reads, watches, the pty), in ms. */
function cpuMs(pid: number): {cpu: number; sys: number} {
	const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
	const [user, sys] = [Number(fields[11]), Number(fields[12])].map(t => (t * 1000) / TICKS_PER_S) as [number, number];
	return {cpu: user + sys, sys};
}

/** The process's peak resident memory so far (VmHWM), in MiB. */
function peakRssMiB(pid: number): number {
	const kib = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
	return Number(kib) / 1024;
}

/** CPU of `pid`, bytes written to its terminal and frames painted over the window, scaled to a minute, and its peak memory. */
/**
 * CPU ms of the JS thread and of all the others (libuv's pool: file reads and stats; V8's
 * helpers: GC, compilation; node names none of them apart). Where a profile of the JS thread
 * leaves a case's time unexplained, this says which side it went to.
 */
function threadsMs(pid: number): {js: number; others: number} {
	const out = {js: 0, others: 0};
	for (const tid of readdirSync(`/proc/${pid}/task`)) {
		try {
			const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
			const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
			out[tid === String(pid) ? 'js' : 'others'] += ((Number(fields[11]) + Number(fields[12])) * 1000) / TICKS_PER_S;
		} catch {
			// A thread that ended between the listing and the read.
		}
	}
	return out;
}

async function measure(pid: number, pty?: {bytes: () => number; frames: () => number}) {
	const cpu0 = cpuMs(pid);
	const threads0 = threadsMs(pid);
	const bytes0 = pty?.bytes() ?? 0;
	const frames0 = pty?.frames() ?? 0;
	await new Promise(r => setTimeout(r, WINDOW_S * 1000)); // the measuring window itself, not a wait for a condition
	const scale = 60 / WINDOW_S;
	const cpu1 = cpuMs(pid);
	const threads1 = threadsMs(pid);
	const split = `${Math.round((threads1.js - threads0.js) * scale)} / ${Math.round((threads1.others - threads0.others) * scale)}`;
	return {split, cpu: (cpu1.cpu - cpu0.cpu) * scale, sys: (cpu1.sys - cpu0.sys) * scale, bytes: ((pty?.bytes() ?? 0) - bytes0) * scale, frames: ((pty?.frames() ?? 0) - frames0) * scale, rss: peakRssMiB(pid)};
}

const row = (label: string, m: {split: string; cpu: number; sys: number; bytes: number; frames: number; rss: number}, target = '') => [
	label,
	`${Math.round(m.cpu)}`,
	m.split,
	`${(m.cpu / 600).toFixed(2)}%`,
	`${Math.round(m.sys)}`,
	`${(m.bytes / 1024).toFixed(1)}`,
	`${(m.bytes / 60).toFixed(0)}`,
	`${(m.frames / 60).toFixed(2)}`,
	m.rss.toFixed(0),
	target,
];

const dir = join(root, 'data');
const marker = await seed(dir);
const {CI: _ci, ...inherited} = process.env; // with CI set, ink prints only the last frame
const env = {...inherited, XDG_CONFIG_HOME: join(root, 'config'), XDG_STATE_HOME: join(root, 'state'), CALYX_DATA: dir, NODE_ENV: 'production'};
const node = quote(process.execPath);
const rows: string[][] = [];
const settle = () => new Promise(r => setTimeout(r, 3000)); // first reads and frames done before counting

const minimalApp = await writeMinimalInkApp(root, 'minimal-ready');
const minimal = onPty(`${node} ${quote(minimalApp)}`, env);
await minimal.until('minimal-ready');
await settle();
rows.push(row('minimal Ink app (baseline)', await measure(await minimal.pid(), minimal)));
minimal.stop();

const engine = spawn(process.execPath, [BIN, 'engine'], {env, stdio: 'ignore', detached: true});
started.add(engine);
/** The console's command line; profiled, a profile named after the case. */
const consoleCmd = (args: string, name: string) => `${node} ${PROFILE ? `--cpu-prof --cpu-prof-dir=${quote(PROFILE)} --cpu-prof-name=${quote(`${name}.cpuprofile`)} ` : ''}${quote(BIN)} ${args}`;
try {
	let watching = onPty(consoleCmd('ui --readonly', 'list'), env);
	await watching.until(marker);
	let pid = await watching.pid();
	await settle();
	// Its first minute also pays V8's work on the code just loaded (optimizing compiles, the startup
	// heap collected), on its helper threads: shown apart. The target is for the minutes after it:
	// an operator's console stays open for hours.
	rows.push(row('read-only console, list: first minute', await measure(pid, watching)));
	rows.push(row('read-only console, list: the minute after', await measure(pid, watching), '< 1%, < 10 KB/s'));
	if (PROFILE) {
		await watching.end();
		watching = onPty(consoleCmd('ui --readonly', 'detail'), env);
		await watching.until(marker);
		pid = await watching.pid();
	}
	watching.type('\r');
	await watching.until('Metrics');
	await settle();
	rows.push(row('read-only console, detail open', await measure(pid, watching), '< 2%, < 10 KB/s'));
	if (PROFILE) await watching.end();
	watching.stop();
	rows.push(row('the engine process (for scale)', await measure(engine.pid!)));
} finally {
	stopGroup(engine);
}

const leader = onPty(consoleCmd('ui', 'leader'), env);
await leader.until(marker);
await settle();
rows.push(row('console as leader (engine inside), list', await measure(await leader.pid(), leader)));
if (PROFILE) await leader.end();
leader.stop();

console.log(`calyx console idle on a pty, ${CANARIES} live canaries sampled every second, 120×50, ${WINDOW_S} s windows scaled to a minute\n`);
console.log(table([['case', 'cpu ms/min', 'js / other threads', 'of a core', 'sys ms/min', 'KiB/min', 'bytes/s', 'frames/s', 'peak RSS MiB', 'target'], ...rows]));
// Retried: a console killed a moment ago may not be gone yet, its engine still writing there (ENOTEMPTY).
await rm(root, {recursive: true, force: true, maxRetries: 5});

