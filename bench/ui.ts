/**
 * The console's costs on a terminal, measured on the real mount (alternate screen, maxFps 10)
 * over a fake TTY that counts bytes:
 *   1. time to the first frame with 1,000 deployments, modules already loaded: the render alone
 *      (launch to first frame against a minimal Ink app is bench/ui-startup.ts);
 *   2. CPU time and bytes written per minute while idle with 50 live canaries: measured over a
 *      shortened window (CALYX_BENCH_IDLE_S, default 20 s) and scaled to a minute;
 *   3. peak memory (RSS, heap) of the process.
 * Run: npm run bench:ui (React's production build, as bin/calyx.js gives operators)
 */
// First: the fixture signs as the test suite does, with a home and a demo trust of the bench's own.
import '../test/setup-trust.js';
import {EventEmitter} from 'node:events';
import {createElement} from 'react';
import {render, Text} from 'ink';
import type {Clock, State} from '../src/core/index.js';
import {mountConsole} from '../src/ui/run-console.js';
import {silentLog} from '../src/ui/log.js';
import {FakeStore, fakeEngine} from '../test/ui/helpers/fake-store.js';
import {buildFixture, type Fixture} from '../test/ui/helpers/fixture.js';
import {asStreams, FakeTtyIn, FakeTtyOut} from '../test/ui/helpers/tty.js';

const RUNS = Number(process.env.CALYX_BENCH_RUNS ?? 15);
const IDLE_S = Number(process.env.CALYX_BENCH_IDLE_S ?? 20);
const SIZE = {columns: 120, rows: 50};
// The console's own render options (see run-console.tsx), for the baseline app too.
const RENDER = {exitOnCtrlC: false, patchConsole: false, maxFps: 10} as const;

const quantile = (xs: number[], q: number) => {
	const s = [...xs].sort((a, b) => a - b);
	return s[Math.min(s.length - 1, Math.ceil(q * s.length) - 1)]!;
};
const fmt = (n: number, digits = 1) => n.toFixed(digits);
const mib = (bytes: number) => `${fmt(bytes / 1024 / 1024)} MiB`;
/** CPU used over a window, scaled to a minute, and as a share of one core (the target is < 3%). */
const cpuPerMinute = (used: NodeJS.CpuUsage, scale: number) => {
	const perMinute = ((used.user + used.system) / 1000) * scale;
	return `${fmt(perMinute, 0).padStart(6)} ms/min (${fmt(perMinute / 600, 2)}% of a core)`;
};

let peakRss = 0;
let peakHeap = 0;
const sampleMemory = () => {
	const m = process.memoryUsage();
	peakRss = Math.max(peakRss, m.rss);
	peakHeap = Math.max(peakHeap, m.heapUsed);
};
// Sampled often while frames are being built, not during the idle windows (sampling costs CPU too).
const memoryTimer = setInterval(sampleMemory, 20);

/** 950 ended deployments cloned from a live one (ids and services renumbered), plus the fixture's 50. */
function thousand(fx: Fixture): State {
	const template = fx.state.deployments.find(d => d.id === fx.dep.fillers[0])!;
	const history = Array.from({length: 1000 - fx.state.deployments.length}, (_, k) => ({
		...structuredClone(template),
		id: `DEP-20261124-${String(k + 1).padStart(4, '0')}`,
		service: `svc-h${k}`,
		status: 'completed' as const,
		createdAt: new Date(Date.parse(template.createdAt) - (k + 1) * 60_000).toISOString(),
	}));
	return {...fx.state, deployments: [...fx.state.deployments, ...history]};
}

/** A clock that runs in real time from the fixture's moment, so the countdowns really move. */
const liveClock = (fx: Fixture): Clock => {
	const offset = fx.clock.now() - Date.now();
	return {now: () => Date.now() + offset};
};

/** Resolves with the time at which `out` first receives `marker`. */
function firstWrite(out: FakeTtyOut, marker: string): Promise<number> {
	return new Promise(resolve => {
		const write = out.write;
		out.write = (chunk, ...rest) => {
			const ok = write(chunk, ...rest);
			if (out.output.includes(marker)) {
				out.write = write;
				resolve(performance.now());
			}
			return ok;
		};
	});
}

function mount(fx: Fixture, state: State, clock: Clock) {
	const store = new FakeStore({...fx, state}, fx.clock);
	const out = new FakeTtyOut(SIZE.columns, SIZE.rows);
	const input = new FakeTtyIn();
	const signals = new EventEmitter();
	const done = mountConsole(
		{store, dataDir: '/srv/calyx', readonly: false, identity: fx.keys.human, engine: fakeEngine(), clock},
		{...asStreams(out, input), signals, log: silentLog},
	);
	// Ended as a terminal closing would (q on a leading console with live canaries asks first).
	const stop = async () => {
		signals.emit('SIGHUP');
		await done;
		process.exitCode = undefined;
	};
	return {store, out, input, done, stop};
}

async function consoleFirstFrame(fx: Fixture, state: State): Promise<number> {
	const start = performance.now();
	const c = mount(fx, state, fx.clock);
	const at = await firstWrite(c.out, fx.dep.running);
	await c.stop();
	return at - start;
}

async function firstFrames(fx: Fixture) {
	const state = thousand(fx);
	const ui: number[] = [];
	await consoleFirstFrame(fx, state); // warm the JIT once
	for (let i = 0; i < RUNS; i++) ui.push(await consoleFirstFrame(fx, state));
	console.log(`\n1. first frame, modules loaded, ${state.deployments.length} deployments, ${SIZE.columns}×${SIZE.rows}, ${RUNS} runs`);
	console.log(`   console        median ${fmt(quantile(ui, 0.5))} ms   p95 ${fmt(quantile(ui, 0.95))} ms   (launch → first frame: bench:ui-startup)`);
}

interface IdleRun {
	label: string;
	seconds: number;
	setup?: (c: ReturnType<typeof mount>) => Promise<void> | void;
	/** Something other than the operator, every second (the leader's engine tick). */
	everySecond?: (c: ReturnType<typeof mount>) => void;
}

async function idle(fx: Fixture, run: IdleRun) {
	const c = mount(fx, fx.state, liveClock(fx));
	await firstWrite(c.out, fx.dep.running);
	await run.setup?.(c);
	await new Promise(resolve => setTimeout(resolve, 1500)); // let the first frames settle before counting
	const perSecond: number[] = [];
	let last = c.out.bytes;
	const startBytes = c.out.bytes;
	const cpu = process.cpuUsage();
	await new Promise<void>(resolve => {
		let n = 0;
		const timer = setInterval(() => {
			run.everySecond?.(c);
			sampleMemory();
			perSecond.push(c.out.bytes - last);
			last = c.out.bytes;
			if (++n >= run.seconds) {
				clearInterval(timer);
				resolve();
			}
		}, 1000);
	});
	const used = process.cpuUsage(cpu);
	const bytes = c.out.bytes - startBytes;
	const scale = 60 / run.seconds;
	await c.stop();
	console.log(
		`   ${run.label.padEnd(34)} ${fmt((bytes * scale) / 1024, 2).padStart(8)} KiB/min   cpu ${cpuPerMinute(used, scale)}` +
			`   bytes/s median ${quantile(perSecond, 0.5)} p95 ${quantile(perSecond, 0.95)}`,
	);
}

async function idleBaseline(seconds: number) {
	const out = new FakeTtyOut(SIZE.columns, SIZE.rows);
	const app = render(createElement(Text, null, 'ready'), {...asStreams(out, new FakeTtyIn()), ...RENDER});
	await new Promise(resolve => setTimeout(resolve, 500));
	const start = out.bytes;
	const cpu = process.cpuUsage();
	await new Promise(resolve => setTimeout(resolve, seconds * 1000));
	const used = process.cpuUsage(cpu);
	app.unmount();
	const scale = 60 / seconds;
	console.log(
		`   ${'minimal ink app (baseline)'.padEnd(34)} ${fmt(((out.bytes - start) * scale) / 1024, 2).padStart(8)} KiB/min   cpu ${cpuPerMinute(used, scale)}`,
	);
}

/** The engine's own cost in the ticking variant, without a console: the console's share is the difference. */
async function ticksAlone(fx: Fixture, seconds: number) {
	const store = new FakeStore(fx, fx.clock);
	const cpu = process.cpuUsage();
	await new Promise<void>(resolve => {
		let n = 0;
		const timer = setInterval(() => {
			store.external({type: 'tick', actor: 'engine'});
			if (++n >= seconds) {
				clearInterval(timer);
				resolve();
			}
		}, 1000);
	});
	const used = process.cpuUsage(cpu);
	console.log(`   ${'engine ticks alone (no console)'.padEnd(34)} ${''.padStart(8)}            cpu ${cpuPerMinute(used, 60 / seconds)}`);
}

async function main() {
	sampleMemory();
	const baseRss = peakRss;
	console.log(`calyx console bench: React ${process.env.NODE_ENV === 'production' ? 'production' : 'development'} build, Node ${process.version}`);
	const fx = buildFixture({fillers: 47});
	await firstFrames(fx);
	clearInterval(memoryTimer);
	const live = fx.state.deployments.filter(d => ['running', 'holding', 'awaiting_promotion'].includes(d.status)).length;
	console.log(`\n2. idle, ${live} live canaries, ${SIZE.columns}×${SIZE.rows}: ${IDLE_S} s windows scaled to one minute`);
	await idleBaseline(Math.max(5, Math.round(IDLE_S / 2)));
	await idle(fx, {label: 'list, nothing changes', seconds: IDLE_S});
	await idle(fx, {
		label: 'detail open (seconds countdown)',
		seconds: Math.max(5, Math.round(IDLE_S / 2)),
		setup: c => c.input.type('\r'),
	});
	const tick = (c: ReturnType<typeof mount>) => c.store.external({type: 'tick', actor: 'engine'});
	await idle(fx, {label: 'list, engine ticks every second', seconds: IDLE_S, everySecond: tick});
	await idle(fx, {label: 'detail open, engine ticks', seconds: IDLE_S, setup: c => c.input.type('\r'), everySecond: tick});
	await ticksAlone(fx, IDLE_S);
	sampleMemory();
	console.log(`\n3. memory: peak RSS ${mib(peakRss)} (at start ${mib(baseRss)}), peak heap used ${mib(peakHeap)}`);
}

await main();
