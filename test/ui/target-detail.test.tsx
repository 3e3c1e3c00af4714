import {cleanup} from 'ink-testing-library';
import {afterEach, describe, expect, it} from 'vitest';
import {appliedCommand, failedCommand, formatDuration, iso, ms, targetWork, type State, type TargetReading} from '../../src/core/index.js';
import {frameOf, KEY, press, selectRow, waitForFrame} from './helpers/ink.js';
import {signedLease} from './helpers/leases.js';
import {mount, type Mounted} from './helpers/mount.js';

afterEach(() => cleanup());

const SIZE = {columns: 140, rows: 70};
const lineOf = (frame: string, head: string) => frame.split('\n').find(l => l.startsWith(head)) ?? '';

/** Opens a deployment's detail. */
async function detail(m: Mounted, id: string): Promise<string> {
	await press(m.r, 'g');
	await waitForFrame(m.r, f => /^› DEP-/m.test(f));
	await selectRow(m.r, id);
	await press(m.r, KEY.enter);
	return waitForFrame(m.r, `› ${id}`);
}

/** The target's pending work for a deployment (the test answers it as a driver would). */
const workOf = (m: Mounted, id: string) => {
	const work = targetWork(m.store.state).find(w => w.id === id);
	if (!work) throw new Error(`no target work for ${id}`);
	return work;
};

describe('the detail view says what the target confirmed', () => {
	it('a confirmed step: the share, and how long ago the router read it back', async () => {
		const m = await mount({size: SIZE});
		const id = m.fx.dep.running;
		const frame = await detail(m, id);
		const observed = m.store.state.deployments.find(d => d.id === id)!.observed!;
		const ago = formatDuration(m.clock.now() - ms(observed.at));
		expect(lineOf(frame, 'target (simulated)')).toBe(`target (simulated) 5% · confirmed ${ago} ago`);
	});

	it('a decision not confirmed yet is applying, then confirmed once the target answers', async () => {
		const m = await mount({size: SIZE});
		const id = m.fx.dep.awaiting;
		await detail(m, id);
		m.store.external({type: 'canary.promote', actor: 'human:bob', id}, {settle: false});
		const applying = await waitForFrame(m.r, 'target (simulated) 25% · applying');
		expect(lineOf(applying, 'target (simulated)')).toBe('target (simulated) 25% · applying (the target confirmed 5% before)');
		m.store.settleTargets();
		await waitForFrame(m.r, f => lineOf(f, 'target (simulated)') === 'target (simulated) 25% · confirmed 0s ago');
		expect(m.store.fleet.read('inventory').percent).toBe(25);
	});

	it('a decision the target failed: failed, when and why', async () => {
		const m = await mount({size: SIZE});
		const id = m.fx.dep.halted;
		await detail(m, id);
		m.store.external({type: 'rollback', actor: 'human:bob', id, reason: 'bad deploy'}, {settle: false});
		await waitForFrame(m.r, '0% · applying');
		m.store.report(failedCommand(workOf(m, id), {code: 'rejected', message: 'router refused the weights', attempts: 3}));
		m.clock.advance(3000);
		const failed = await waitForFrame(m.r, f => lineOf(f, 'target (simulated)') === 'target (simulated) 0% · failed 3s ago: router refused the weights');
		expect(failed).toMatch(/rollback \(manual\) by human:bob from \S+ NOT VERIFIED: router refused the weights: bad deploy/);
		expect(m.store.state.deployments.find(d => d.id === id)!.status).toBe('rollback_failed');
	});

	it('a promotion the target failed halts and rolls back the canary: the error stays on screen', async () => {
		const m = await mount({size: SIZE});
		const id = m.fx.dep.awaiting;
		await detail(m, id);
		m.store.external({type: 'canary.promote', actor: 'human:bob', id}, {settle: false});
		await waitForFrame(m.r, '25% · applying');
		m.store.report(failedCommand(workOf(m, id), {code: 'rejected', message: 'router refused the weights', attempts: 3}));
		const frame = await waitForFrame(m.r, /^last target error \S+ UTC router refused the weights$/m);
		expect(lineOf(frame, 'target (simulated)')).toBe('target (simulated) 0% · applying (the target confirmed 5% before)');
		expect(frame).toMatch(/halted \(target\) by engine at \S+ UTC the target could not apply 25%: router refused the weights/);
		expect(frame).toMatch(/rollback \(automatic\) by engine from \S+ reverting: waiting for the target to read back/);
	});

	it('escapes what a target wrote: its error is shown, never played to the terminal', async () => {
		const m = await mount({size: SIZE});
		const id = m.fx.dep.halted;
		await detail(m, id);
		m.store.external({type: 'rollback', actor: 'human:bob', id, reason: 'bad deploy'}, {settle: false});
		m.store.report(failedCommand(workOf(m, id), {code: 'rejected', message: 'refused', attempts: 1}));
		await waitForFrame(m.r, '0% · failed');
		// A message the engine would refuse at entry, as a state written by something else holds it.
		const tampered: State = structuredClone(m.store.state);
		tampered.deployments.find(d => d.id === id)!.targetError!.message = 'refused \u001b[2J\u001b[32mALL CLEAR\u0007';
		m.store.state = {...tampered, rev: tampered.rev + 1};
		m.store.notify({state: true, audit: false, metrics: false});
		const frame = await waitForFrame(m.r, 'target (simulated) 0% · failed 0s ago: refused \\x1b[2J\\x1b[32mALL CLEAR\\x07');
		expect(frame).not.toMatch(/[\u0007\u001b]/);
	});

	it('a rollback in progress is reverting until the target reads the snapshot back', async () => {
		const m = await mount({size: SIZE});
		const id = m.fx.dep.halted;
		await detail(m, id);
		m.store.external({type: 'rollback', actor: 'human:bob', id, reason: 'bad deploy'}, {settle: false});
		await waitForFrame(m.r, /rollback \(manual\) by human:bob from \S+ reverting: waiting for the target to read back: bad deploy/);
		expect(lineOf(frameOf(m.r), 'target (simulated)')).toBe('target (simulated) 0% · applying (the target confirmed 5% before)');
		m.store.settleTargets();
		await waitForFrame(m.r, /rollback \(manual\) by human:bob from \S+ verified against the snapshot: bad deploy/);
	});
});

describe('the header names the target', () => {
	it('the kinds the live deployments steer, simulated when none steers a real one', async () => {
		const m = await mount();
		expect(frameOf(m.r).split('\n')[0]).toBe('calyx target simulated engine leader you human:alice (human key)');
		const leaseId = signedLease(m, 'edge');
		const reading: TargetReading = {kind: 'simulated', split: {percent: 0, stable: {weight: 100, version: '1.0.0'}, canary: {weight: 0}}, at: iso(m.clock.now())};
		const id = m.store.external<{id: string}>({type: 'canary.start', actor: 'human:bob', leaseId, reading}, {settle: false}).result.id;
		// A deployment that steers HAProxy (its definition is another test's business): the kind, as the document holds it.
		m.store.state = {...m.store.state, deployments: m.store.state.deployments.map(d => (d.id === id ? {...d, target: 'haproxy' as const} : d))};
		m.store.notify({state: true, audit: false, metrics: false});
		await waitForFrame(m.r, f => f.split('\n')[0] === 'calyx target haproxy + simulated engine leader you human:alice (human key)');
		// The simulator does not answer for haproxy: its first tier waits for the router.
		const frame = await detail(m, id);
		expect(lineOf(frame, 'target (haproxy)')).toBe('target (haproxy) 5% · applying');
		// Rolled back, read back by the router: nothing live steers haproxy any more.
		m.store.external({type: 'rollback', actor: 'human:bob', id, reason: 'not today'});
		m.store.report(appliedCommand(workOf(m, id), {split: reading.split, evidence: 'router'}, false));
		await waitForFrame(m.r, f => f.split('\n')[0] === 'calyx target simulated engine leader you human:alice (human key)');
		expect(m.store.state.deployments.find(d => d.id === id)!.status).toBe('rolled_back');
	});
});
