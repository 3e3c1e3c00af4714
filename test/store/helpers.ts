import {readingAt, settleAllTargets} from '../target.js';
import {approval, HOLDERS, registerHolders} from '../trust.js';
import {spawn, spawnSync, type ChildProcessWithoutNullStreams} from 'node:child_process';
import {createHash} from 'node:crypto';
import {mkdtempSync, readdirSync, readFileSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {fileURLToPath} from 'node:url';
import {afterEach, expect} from 'vitest';
import {cosign, ManualClock, type CanaryPlan, type Clock} from '../../src/core/index.js';
import {StoreError, type Store} from '../../src/store/index.js';

const made: string[] = [];
afterEach(() => {
	for (const dir of made.splice(0)) rmSync(dir, {recursive: true, force: true});
});

/** A fresh data directory, removed after the test. */
export function tempDir(): string {
	const dir = mkdtempSync(join(tmpdir(), 'calyx-store-'));
	made.push(dir);
	return dir;
}

export const sha = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex');
export const listing = (dir: string) => readdirSync(dir).sort();

/** A pid that was alive a moment ago and is not now. */
export const deadPid = () => spawnSync(process.execPath, ['-e', '0']).pid!;

/** Polls `condition` until it holds or the deadline passes (never a fixed sleep). */
export async function until<T>(condition: () => T | Promise<T>, what: string, timeoutMs = 20_000): Promise<NonNullable<T>> {
	const deadline = Date.now() + timeoutMs;
	for (;;) {
		const value = await condition();
		if (value) return value as NonNullable<T>;
		if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
		await new Promise(resolve => setTimeout(resolve, 10));
	}
}

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** A fixture under test/store/fixtures run as its own TypeScript process; its stdout kept as lines. */
export class Child {
	readonly proc: ChildProcessWithoutNullStreams;
	readonly lines: string[] = [];
	stderr = '';
	exited: Promise<number | null>;
	constructor(fixture: string, args: string[] = [], env: NodeJS.ProcessEnv = {}) {
		const path = fileURLToPath(new URL(`./fixtures/${fixture}`, import.meta.url));
		this.proc = spawn(process.execPath, ['--import', 'tsx', path, ...args], {cwd: ROOT, env: {...process.env, ...env}});
		let partial = '';
		this.proc.stdout.setEncoding('utf8').on('data', (chunk: string) => {
			const parts = (partial + chunk).split('\n');
			partial = parts.pop()!;
			this.lines.push(...parts);
		});
		this.proc.stderr.setEncoding('utf8').on('data', (chunk: string) => (this.stderr += chunk));
		this.exited = new Promise(resolve => this.proc.on('exit', code => resolve(code)));
	}
	send(line: string): void {
		this.proc.stdin.write(`${line}\n`);
	}
	/** The first line matching, waiting for it (or failing with the child's stderr). */
	waitFor(match: (line: string) => boolean, what: string, timeoutMs = 30_000): Promise<string> {
		return until(() => {
			if (this.proc.exitCode !== null && !this.lines.some(match)) throw new Error(`${what}: child exited (${this.proc.exitCode}): ${this.stderr}`);
			return this.lines.find(match);
		}, `${what} (stderr: ${this.stderr.slice(-500)})`, timeoutMs);
	}
	async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
		if (this.proc.exitCode === null && this.proc.signalCode === null) this.proc.kill(signal);
		await this.exited;
	}
}

export const clockAt = (iso = '2026-11-25T10:00:00Z') => new ManualClock(iso);

/**
 * Keys, an approved intent, a two-key lease and a running canary, through the store. Bake time is
 * long so the canary stays on its first tier whatever the clock does (unless `plan` says otherwise).
 * With `settle: false` the first tier is only decided: the target has confirmed nothing yet.
 */
export async function seedCanary(store: Store, clock: Clock = clockAt(), opts: {settle?: boolean; plan?: Partial<CanaryPlan>} = {}) {
	const {human, agent} = HOLDERS;
	await registerHolders(store, clock);
	const {result: intent} = await store.run<{id: string}>({type: 'intent.create', fromVersion: '1.4.0', actor: 'human:alice', service: 'checkout', toVersion: '1.5.0'}, {clock});
	await store.run(approval(await store.read(), intent.id), {clock});
	const {result: lease} = await store.run<{id: string}>({type: 'lease.issue', actor: 'human:alice', intentId: intent.id, plan: {bakeMs: 86_400_000, ...opts.plan}}, {clock});
	for (const [role, keyId, keys] of [['human', 'alice', human], ['agent', 'ci-bot', agent]] as const) {
		const state = await store.read();
		const signature = cosign(state.leases.find(l => l.id === lease.id)!, state.intents.find(i => i.id === intent.id)!, role, keyId, keys.privateKey);
		await store.run({type: 'lease.cosign', actor: `${role}:${keyId}`, leaseId: lease.id, role, keyId, signature}, {clock});
	}
	const {result: deployment} = await store.run<{id: string}>({type: 'canary.start', actor: 'human:alice', leaseId: lease.id, reading: readingAt(clock)}, {clock});
	// The first tier confirmed by the simulated target and its sanity check passed, as an engine would have it.
	if (opts.settle !== false) await settleAllTargets(store, clock);
	return {intentId: intent.id, leaseId: lease.id, deploymentId: deployment.id, human, agent};
}

/** The StoreError a promise rejects with (it must reject with one). */
export async function refusal(promise: Promise<unknown>): Promise<StoreError> {
	const error = await promise.then(
		() => undefined,
		(e: unknown) => e,
	);
	expect(error).toBeInstanceOf(StoreError);
	return error as StoreError;
}

export const healthy = {tesDelta: 0.2, errorRate: 0.3, cpu: 55, memory: 60};
