/**
 * A real service under calyx, end to end through the built CLI: HAProxy (Debian's) in front of two
 * HTTP servers (v1 stable, v2 canary), the service registered with `calyx service apply`, the
 * pipeline run with an engine. The split is measured by sending requests through HAProxy, and the
 * record is checked against HAProxy's own state, also after the leading engine is killed with -9.
 */
import type {ChildProcess} from 'node:child_process';
import {mkdtemp, rm, writeFile} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {HaproxyDriver} from '../../src/drivers/targets/haproxy.js';
import {countAnswers, haproxyAbsent, startBackend, startHaproxy, until, type Backend, type Haproxy} from '../drivers/haproxy-harness.js';
import {cliOf, type Doc} from './cli-rig.js';
import {sandbox, type Sandbox} from './tmux.js';

const absent = haproxyAbsent();
const required = Boolean(process.env.CI) || (process.env.CALYX_TEST_REQUIRE ?? '').split(',').includes('haproxy');
if (absent && required) throw new Error(`the HAProxy pipeline test is required here: ${absent}`);
if (absent) console.log(`skipping the HAProxy pipeline test: ${absent}`);

const REQUESTS = 400;
/** Round robin over weights p and 100 − p is exact over any 100 consecutive requests; a point of slack for requests in flight. */
const TOLERANCE = 2;
const TRIALS = 20;

describe.skipIf(absent !== undefined)('a service behind a real HAProxy, driven by calyx', () => {
	let dir: string;
	let stable: Backend;
	let canary: Backend;
	let hx: Haproxy;
	let box: Sandbox;
	let haproxy: HaproxyDriver;
	// The built CLI over the sandbox, made once the sandbox is (beforeAll).
	let cli: ReturnType<typeof cliOf>;
	const calyx = (args: string[], key?: string) => cli.calyx(args, key);
	const json = (args: string[], key?: string) => cli.json(args, key);
	const status = (dep: string) => json(['canary', 'status', dep]);
	const weights = async () => {
		const r = await haproxy.read({signal: AbortSignal.timeout(5000)});
		return {stable: r.stable.weight, canary: r.canary.weight, percent: r.canaryPercent};
	};
	/** An operator who moved all traffic back to the stable server by hand (after a completed canary, say). */
	const atRest = () => haproxy.apply(0, {signal: AbortSignal.timeout(5000)});

	const signedLease = (from: string, to: string, plan: string[]) => cli.signedLease(from, to, plan);
	const startEngine = () => cli.startEngine();
	const stopEngine = (child: ChildProcess, signal: NodeJS.Signals) => cli.stopEngine(child, signal);
	const confirmedAt = async (dep: string, percent: number) => {
		await until(async () => {
			const s = await status(dep);
			return s.target.state === 'confirmed' && s.target.desired.percent === percent;
		}, 30_000, `${dep} confirmed at ${percent}%`);
	};
	const CLEAN = ['--tes-delta', '0.2', '--error-rate', '0.2', '--cpu', '50', '--memory', '60'];

	beforeAll(async () => {
		dir = await mkdtemp(join(tmpdir(), 'calyx-hx-e2e-'));
		stable = await startBackend('v1');
		canary = await startBackend('v2');
		hx = await startHaproxy(dir, {stablePort: stable.port, canaryPort: canary.port});
		const settings = {kind: 'haproxy', socket: hx.socket, backend: 'app', servers: {stable: 'stable', canary: 'canary'}, config: hx.config, timeoutMs: 2000};
		haproxy = HaproxyDriver.from(settings);
		box = sandbox('1h', true);
		cli = cliOf(box);
		const definition = join(dir, 'web.json');
		await writeFile(definition, JSON.stringify({name: 'web', target: settings}));
		const applied = await calyx(['service', 'apply', '-f', definition, '--reason', 'web behind HAProxy']);
		expect(applied.code, applied.stderr).toBe(0);
	}, 60_000);

	afterAll(async () => {
		await cli?.stopEngines();
		await hx?.stop();
		await Promise.all([stable?.close(), canary?.close()]);
		await rm(dir, {recursive: true, force: true});
	});

	it('goes 5 → 25 → 100 % on HAProxy, each tier seen in the traffic; a critical sample puts all traffic back, verified against HAProxy', async () => {
		const lease = await signedLease('1.0.0', '2.0.0', ['--bake', '1s', '--min-samples', '1']);
		const started = await calyx(['canary', 'start', lease]);
		expect(started.code, started.stderr).toBe(0);
		const dep = started.stdout.split('\n')[0]!;
		expect(started.stdout).toContain('target: 5% · confirmed by the haproxy target');
		const engine = startEngine();
		try {
			for (const percent of [5, 25]) {
				await confirmedAt(dep, percent);
				// No sample yet at this tier: the gate cannot pass while the traffic is counted.
				const seen = await countAnswers(hx.port, REQUESTS);
				expect(Math.abs((seen.v2 ?? 0) - (REQUESTS * percent) / 100), JSON.stringify(seen)).toBeLessThanOrEqual(TOLERANCE);
				expect((await calyx(['metrics', 'push', dep, ...CLEAN])).code).toBe(0);
			}
			await confirmedAt(dep, 100);
			expect(await countAnswers(hx.port, REQUESTS)).toEqual({v2: REQUESTS});
			expect((await calyx(['metrics', 'push', dep, ...CLEAN])).code).toBe(0);
			await until(async () => (await status(dep)).status === 'completed', 30_000, `${dep} completed`);
			expect(await weights()).toEqual({stable: 0, canary: 100, percent: 100});

			// The next version, halted by a critical sample: the plan rolls back, HAProxy says it did.
			await atRest();
			const second = await signedLease('2.0.0', '3.0.0', ['--bake', '1h', '--min-samples', '1']);
			const dep2 = (await calyx(['canary', 'start', second])).stdout.split('\n')[0]!;
			await confirmedAt(dep2, 5);
			const seen = await countAnswers(hx.port, REQUESTS);
			expect(Math.abs((seen.v2 ?? 0) - REQUESTS * 0.05)).toBeLessThanOrEqual(TOLERANCE);
			const critical = await calyx(['metrics', 'push', dep2, '--tes-delta', '-6.5']);
			expect(critical.stdout).toMatch(/CRITICAL: TES drop > 5%/);
			const after = await status(dep2);
			expect(after).toMatchObject({status: 'rolled_back', rollback: {trigger: 'automatic', verified: true}});
			expect(await weights()).toEqual({stable: 100, canary: 0, percent: 0});
			expect(await countAnswers(hx.port, REQUESTS)).toEqual({v1: REQUESTS});
		} finally {
			await stopEngine(engine, 'SIGTERM');
		}
	}, 240_000);

	it(`${TRIALS} kill -9 of the leading engine at random moments never leave HAProxy and the record apart once a new leader ran`, async () => {
		await atRest();
		// Many small tiers, no bake: a canary that moves at every sample, so kills land among decisions and applies.
		const tiers = Array.from({length: 100}, (_, i) => i + 1).join(',');
		const lease = await signedLease('3.0.0', '4.0.0', ['--tiers', tiers, '--bake', '0s', '--min-samples', '1']);
		const dep = (await calyx(['canary', 'start', lease])).stdout.split('\n')[0]!;
		let pushing = true;
		const pusher = (async () => {
			while (pushing) await calyx(['metrics', 'push', dep, ...CLEAN]);
		})();
		const seen: number[] = [];
		try {
			for (let trial = 0; trial < TRIALS; trial++) {
				const engine = startEngine();
				// The scenario, not a synchronisation: the kill lands at a random moment of the leader's work.
				await new Promise(resolve => setTimeout(resolve, 200 + Math.random() * 900));
				await stopEngine(engine, 'SIGKILL');
				// A new leader runs one cycle: it finishes what the dead one left, without a second decision.
				const next = await calyx(['engine', '--once']);
				expect(next.code, next.stderr || next.stdout).toBe(0);
				const [record, router] = [await status(dep), await weights()];
				expect(record.target.state, JSON.stringify(record.target)).toBe('confirmed');
				const seenBoth = JSON.stringify({target: record.target, router});
				expect(router.percent, seenBoth).toBe(record.target.confirmed.percent);
				expect(router.canary, seenBoth).toBe(record.target.desired.percent === 100 && record.status === 'completed' ? 100 : record.target.confirmed.percent);
				seen.push(router.percent);
				if (record.status === 'completed') break;
			}
		} finally {
			pushing = false;
			await pusher;
		}
		// Every trial ran (the canary has tiers to spare), the canary moved across them, and each decision was applied once in the trail.
		expect(seen).toHaveLength(TRIALS);
		expect(new Set(seen).size).toBeGreaterThan(1);
		// A kill between a commit's audit append and its document write leaves lines the next writer
		// records as never taking effect (store.recovered names their seqs): those applied nothing.
		const all = (await json(['audit', 'list'])).events as Doc[];
		const undone = all.filter(e => e.kind === 'store.recovered' && Array.isArray(e.data.seqs)).map(e => e.data.seqs as [number, number]);
		const tookEffect = (e: Doc) => !undone.some(([first, last]) => e.seq >= first && e.seq <= last);
		const events = (await json(['audit', 'list', '--deployment', dep])).events as Doc[];
		const applied = events.filter(e => e.kind === 'canary.tier_applied' && tookEffect(e)).map(e => e.data.generation);
		expect(applied.length, JSON.stringify({applied, undone})).toBe(new Set(applied).size);
	}, 400_000);
});
