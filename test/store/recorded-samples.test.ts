import {createHash} from 'node:crypto';
import {appendFileSync, readdirSync, readFileSync, statSync} from 'node:fs';
import {join} from 'node:path';
import {describe, expect, it} from 'vitest';
import {DEFAULT_PLAN} from '../../src/core/index.js';
import {planTrackRecord, recentRecorded, recordedDeployment} from '../../src/store/recorded-samples.js';
import {settleAllTargets} from '../target.js';
import {keyedStore, runToEnd, startCanary} from './archive-fixture.js';

const CLEAN = {tesDelta: 0.2, errorRate: 0.2, cpu: 50, memory: 50};

/** Every file of the data directory with its digest: "reads never write", made checkable. */
const digests = (dir: string) =>
	Object.fromEntries(
		readdirSync(dir)
			.filter(n => statSync(join(dir, n)).isFile())
			.map(n => [n, createHash('sha256').update(readFileSync(join(dir, n))).digest('hex')]),
	);

/** checkout's past: one canary completed (archived), one halted by a critical and rolled back (archived), one still running. */
async function past() {
	const {dir, store, clock, env} = await keyedStore();
	const push = (id: string, sample: Record<string, number>) => store.run({type: 'metrics.record', actor: 'agent:ci-bot', id, sample}, {clock});
	const completed = (await startCanary(store, clock, '1.4.0', '1.5.0')).deploymentId;
	await settleAllTargets(store, clock);
	await push(completed, CLEAN);
	await runToEnd(store, env, clock, completed);
	const halted = (await startCanary(store, clock, '1.5.0', '1.6.0')).deploymentId;
	await settleAllTargets(store, clock);
	await push(halted, CLEAN);
	clock.advance(1000);
	await push(halted, {...CLEAN, errorRate: 7});
	await runToEnd(store, env, clock, halted);
	const running = (await startCanary(store, clock, '1.5.0', '1.6.0')).deploymentId;
	await settleAllTargets(store, clock);
	await push(running, CLEAN);
	return {dir, store, completed, halted, running};
}

describe('recorded samples: what a replay reads of the past', () => {
	it('reads a deployment, archived or live, with every sample it recorded; reads never write', async () => {
		const {dir, store, completed, halted, running} = await past();
		const before = digests(dir);
		for (const id of [completed, halted, running]) {
			const recorded = (await recordedDeployment(store, id))!;
			expect(recorded.deployment.id).toBe(id);
			// The same samples the store's forward reader finds, taken from the end of the log.
			expect(recorded.samples).toEqual(await store.samples(id));
			expect(recorded.samples).toHaveLength(recorded.deployment.sampleCount);
		}
		expect((await recordedDeployment(store, halted))!.samples.at(-1)).toMatchObject({errorRate: 7});
		expect(await recordedDeployment(store, 'DEP-20990101-001')).toBeUndefined();
		expect(digests(dir)).toEqual(before);
		await store.close();
	});

	it('leaves out what a commit under way appended, and a torn last line', async () => {
		const {dir, store, halted} = await past();
		const recorded = (await recordedDeployment(store, halted))!;
		const {rev} = await store.read();
		const line = (r: number) => JSON.stringify({rev: r, deploymentId: halted, sample: {at: '2026-11-25T12:00:00.000Z', errorRate: 50}});
		appendFileSync(join(dir, 'metrics.ndjson'), `${line(rev + 1)}\n${line(rev).slice(0, 30)}`);
		expect(await recordedDeployment(store, halted)).toEqual(recorded);
		await store.close();
	});

	it('finds a service\'s last deployments that are over, newest first, leaving out the one still running', async () => {
		const {store, completed, halted} = await past();
		expect((await recentRecorded(store, 'checkout', 5)).map(r => [r.deployment.id, r.deployment.status])).toEqual([
			[halted, 'rolled_back'],
			[completed, 'completed'],
		]);
		expect((await recentRecorded(store, 'checkout', 1)).map(r => r.deployment.id)).toEqual([halted]);
		expect(await recentRecorded(store, 'payments', 5)).toEqual([]);
		const record = await planTrackRecord(store, {...DEFAULT_PLAN, bakeMs: 0, minSamples: 1}, 'checkout');
		expect(record.runs.map(r => r.deploymentId)).toEqual([halted, completed]);
		// Without bake and with one sample a tier, the clean sample promotes at once: the critical comes at 25%.
		expect(record.line).toBe('this plan against the last 2 deployments of checkout: 1 complete, 1 halted at 25% on error rate');
		await store.close();
	});
});
