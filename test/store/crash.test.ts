import {cpSync, readdirSync, readFileSync, statSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {describe, expect, it} from 'vitest';
import {deploymentSummary, systemClock} from '../../src/core/index.js';
import {mulberry32} from '../../src/core/sim/prng.js';
import {initStore, openStore, type StoreError} from '../../src/store/index.js';
import {STALE_MS} from '../../src/store/lock.js';
import {snapshot} from '../cli/helpers.js';
import {Child, seedCanary, tempDir, until} from './helpers.js';

const TRIALS = 200;
/**
 * A TypeScript child costs about a CPU-second to start on this box (tsx's loader), so one child
 * hosts several trials: independent writers on their own data directories, each at its own point
 * of its own commit loop when the child is killed.
 */
const TRIALS_PER_CHILD = 4;
const LANES = 2;
const intent = {type: 'intent.create' as const, actor: 'human:alice', service: 'checkout', fromVersion: '1.4.0', toVersion: '1.5.0'};

interface Outcome {
	acked: number;
	archived: number;
	recovered: boolean;
	/** Killed with journal records standing: the state read was the document and those records. */
	journaled: boolean;
}

/**
 * After the kill: the directory opens and reads without a byte written, holds every acknowledged
 * mutation, and once repaired (what the next write also does) verifies.
 */
async function check(dir: string, acks: string[][], deploymentId: string): Promise<Outcome> {
	const before = snapshot(dir);
	const journaled = (statSync(join(dir, 'state.journal'), {throwIfNoEntry: false})?.size ?? 0) > 0;
	const store = await openStore(dir);
	const state = await store.read();
	const lastRev = acks.length ? Number(acks.at(-1)![2]) : 0;
	expect(state.rev).toBeGreaterThanOrEqual(lastRev);
	const intents = new Set(state.intents.map(i => i.id));
	for (const [, , , id] of acks) if (id !== '-') expect(intents.has(id!)).toBe(true);
	// A deployment whose move to the archive was acknowledged is there, whole.
	for (const [, , , , archived] of acks) if (archived) expect(await store.deployment(archived)).toMatchObject({archived: true, deployment: {id: archived, status: 'completed'}});
	// Every acknowledged sample is counted, whether the document or the journal took it.
	const sampled = () => state.deployments.find(d => d.id === deploymentId)!.sampleCount;
	expect(sampled()).toBeGreaterThanOrEqual(acks.filter(a => a.length === 4 && a[3] === '-').length);
	// The list index, whether it survived the kill or not, never shows anything but the document (and what the archive committed).
	const ended = (await store.recentlyEnded(Number.MAX_SAFE_INTEGER)).reverse().map(r => r.deployment);
	expect((await store.listDeployments()).deployments).toEqual([...ended, ...state.deployments].map(d => deploymentSummary(d)));
	// Readers see only what committed, before any repair.
	expect((await store.audit()).every(e => e.seq <= state.auditHead.seq)).toBe(true);
	await store.verifyAudit();
	expect(snapshot(dir)).toEqual(before);
	await store.repair();
	const report = await store.verifyAudit();
	expect(report, JSON.stringify(report)).toMatchObject({ok: true});
	// Repaired, the metrics log holds each counted sample once: none lost, none a crashed commit's.
	expect((await store.samples(deploymentId)).length).toBe((await store.read()).deployments.find(d => d.id === deploymentId)!.sampleCount);
	expect(readdirSync(dir).filter(n => n.endsWith('.tmp'))).toEqual([]);
	const recovered = (await store.audit({limit: 3})).some(e => e.kind === 'store.recovered' || e.kind === 'log.recovered');
	await store.close();
	return {acked: acks.length, archived: acks.filter(a => a[4]).length, recovered, journaled};
}

/**
 * One child, several trials: its writers commit in loops; it is killed with SIGKILL after a random
 * number of acknowledged mutations (plus a random fraction of a few milliseconds), which lands each
 * writer somewhere in its commit: before, between or after the appends and the rename.
 */
async function killMidFlight(writer: Child, dirs: string[], deploymentId: string, rnd: () => number): Promise<Outcome[]> {
	writer.send(`go ${deploymentId} ${dirs.join(' ')}`);
	const acked = () => writer.lines.filter(l => l.startsWith('ack ')).length;
	const wanted = Math.floor(rnd() * 8 * dirs.length);
	await until(() => acked() >= wanted || writer.proc.exitCode !== null, 'acks');
	if (rnd() < 0.8) await new Promise(resolve => setTimeout(resolve, rnd() * 3));
	await writer.kill('SIGKILL');
	const acks = writer.lines.filter(l => l.startsWith('ack ')).map(l => l.split(' '));
	const outcomes: Outcome[] = [];
	for (const [d, dir] of dirs.entries()) outcomes.push(await check(dir, acks.filter(a => a[1] === String(d)), deploymentId));
	return outcomes;
}

describe('kill -9 at random points', () => {
	it(`${TRIALS} trials: the state always loads, no acknowledged mutation is lost, the chain verifies`, async () => {
		const template = tempDir();
		const {store} = await initStore(template);
		const {deploymentId} = await seedCanary(store, systemClock);
		await store.close();
		const rnd = mulberry32(20261125);
		const outcomes: Outcome[] = [];
		let next = 0;
		// Each lane starts its next child while the current one runs: start-up dominates a trial.
		const lane = async () => {
			let ready = new Child('crash-writer.ts');
			try {
				for (let n = next++; n < TRIALS / TRIALS_PER_CHILD; n = next++) {
					const writer = ready;
					ready = new Child('crash-writer.ts');
					const dirs = Array.from({length: TRIALS_PER_CHILD}, () => {
						const dir = tempDir();
						cpSync(template, dir, {recursive: true});
						return dir;
					});
					outcomes.push(...(await killMidFlight(writer, dirs, deploymentId, rnd)));
				}
			} finally {
				await ready.kill();
			}
		};
		await Promise.all(Array.from({length: LANES}, lane));
		expect(outcomes).toHaveLength(TRIALS);
		expect(outcomes.reduce((n, o) => n + o.acked, 0)).toBeGreaterThan(TRIALS);
		// Moves to the archive were among them, acknowledged and checked (and others cut short by the kill).
		expect(outcomes.reduce((n, o) => n + o.archived, 0)).toBeGreaterThan(TRIALS / 10);
		// And kills that left journal records standing, which the checks read as committed.
		expect(outcomes.filter(o => o.journaled).length).toBeGreaterThan(TRIALS / 20);
		console.info(`kill -9: ${TRIALS} trials, ${outcomes.reduce((n, o) => n + o.acked, 0)} acknowledged mutations (${outcomes.reduce((n, o) => n + o.archived, 0)} moves to the archive), ${outcomes.filter(o => o.recovered).length} needed a recorded recovery, ${outcomes.filter(o => o.journaled).length} left journal records`);
	}, 240_000);
});

describe('a stale write lock', () => {
	async function heldBy(dir: string) {
		const holder = new Child('lock-holder.ts', [dir]);
		await holder.waitFor(l => l === 'locked', 'lock taken');
		return holder;
	}

	it('does not block the next writer once its holder was killed', async () => {
		const dir = tempDir();
		await initStore(dir);
		const holder = await heldBy(dir);
		await holder.kill('SIGKILL');
		// The holder's pid is gone: taken over at once, well inside a timeout shorter than the stale window.
		const store = await openStore(dir, {lockTimeoutMs: STALE_MS / 2});
		expect((await store.run(intent)).rev).toBe(1);
	});

	it('is taken over after the stale window when its holder cannot be checked (another host)', async () => {
		const dir = tempDir();
		await initStore(dir);
		const holder = await heldBy(dir);
		await holder.kill('SIGKILL');
		// The lock is a file naming its holder: rewritten as another host's (its mtime fresh again).
		const owner = join(dir, 'write.lock');
		writeFileSync(owner, JSON.stringify({...JSON.parse(readFileSync(owner, 'utf8')), host: 'elsewhere'}));
		const impatient = await openStore(dir, {lockTimeoutMs: 500});
		const error = (await impatient.run(intent).catch((e: unknown) => e)) as StoreError;
		expect(error.code).toBe('LOCK_TIMEOUT');
		expect(error.message).toContain(join(dir, 'write.lock'));
		const patient = await openStore(dir, {lockTimeoutMs: STALE_MS + 10_000});
		expect((await patient.run(intent)).rev).toBe(1);
	});

	it('makes a holder that stalled past the stale window abandon its write', async () => {
		const dir = tempDir();
		const {store} = await initStore(dir, {lockTimeoutMs: STALE_MS + 10_000});
		const holder = await heldBy(dir);
		try {
			holder.proc.kill('SIGSTOP');
			expect((await store.run(intent)).rev).toBe(1);
			holder.proc.kill('SIGCONT');
			holder.send('write');
			expect(await holder.waitFor(l => l.startsWith('lost') || l === 'wrote', 'holder outcome')).toBe('lost LOCK_LOST');
		} finally {
			await holder.kill();
		}
	});

	it('stays with a live holder across its refreshes', async () => {
		const dir = tempDir();
		await initStore(dir);
		const holder = await heldBy(dir);
		try {
			const lock = join(dir, 'write.lock');
			// The holder refreshes the mtime only while the lock still holds its token.
			const first = statSync(lock).mtimeMs;
			await until(() => statSync(lock).mtimeMs !== first, 'the holder to refresh its lock', 20_000);
			holder.send('write');
			expect(await holder.waitFor(l => l.startsWith('lost') || l === 'wrote', 'holder outcome')).toBe('wrote');
		} finally {
			await holder.kill();
		}
	});

	it('held by a live process makes a writer time out, naming the lock, and apply nothing', async () => {
		const dir = tempDir();
		const {store} = await initStore(dir, {lockTimeoutMs: 300});
		const holder = await heldBy(dir);
		try {
			const error = (await store.run(intent).catch((e: unknown) => e)) as StoreError;
			expect(error.code).toBe('LOCK_TIMEOUT');
			expect(error.message).toMatch(/nothing was applied/);
			// Readers never wait for writers.
			expect((await store.read()).rev).toBe(0);
			expect((await store.verifyAudit()).ok).toBe(true);
			holder.send('write');
			expect(await holder.waitFor(l => l.startsWith('lost') || l === 'wrote', 'holder outcome')).toBe('wrote');
		} finally {
			await holder.kill();
		}
		expect((await store.read()).rev).toBe(0);
	});
});
