import {cleanup} from 'ink-testing-library';
import {afterEach, describe, expect, it} from 'vitest';
import type {RollbackRecord} from '../../src/core/index.js';
import {openDialog} from '../../src/ui/model/dialog.js';
import {STILL_REVERTING, successOutcome} from '../../src/ui/model/outcome.js';
import {KEY, press, selectRow, type, waitForFrame, type Rendered} from './helpers/ink.js';
import {signedLease} from './helpers/leases.js';
import {mount, type Mounted} from './helpers/mount.js';

afterEach(() => cleanup());

const statusOf = (frame: string) => frame.split('\n').at(-2)!;

/** Rolls back the selected deployment through its dialog: the typed id, then a reason. */
async function rollBack(r: Rendered, id: string, reason = 'schema drift'): Promise<void> {
	await selectRow(r, id);
	await press(r, 'r');
	await waitForFrame(r, `Roll back ${id}`);
	await type(r, id);
	await press(r, KEY.enter);
	await waitForFrame(r, 'reason:');
	await type(r, reason);
	await press(r, KEY.enter);
}

const depOf = (m: Mounted, id: string) => m.store.state.deployments.find(d => d.id === id)!;

describe('a rollback from the console is the target\'s to verify', () => {
	it('says rolled back and verified only once the target has read the snapshot back', async () => {
		const m = await mount();
		const id = m.fx.dep.halted;
		await rollBack(m.r, id);
		await waitForFrame(m.r, `✓ rolled back ${id}: target verified against the snapshot`);
		// One command decided it; the target's answer (through settle) verified it.
		expect(m.store.runs).toEqual([expect.objectContaining({type: 'rollback', id})]);
		expect(m.targets.settles).toEqual([id]);
		expect(m.store.reports).toEqual([expect.objectContaining({type: 'target.applied', id})]);
		expect(depOf(m, id)).toMatchObject({status: 'rolled_back', rollback: {verified: true}});
		expect(m.store.fleet.read('search')).toMatchObject({percent: 0, canary: {weight: 0}});
		const kinds = m.store.log.filter(e => e.subject === id).map(e => e.kind);
		expect(kinds.indexOf('rollback.verified')).toBeGreaterThan(kinds.lastIndexOf('deployment.rolling_back'));
	});

	it('says it is still reverting while the target has not confirmed, and the detail follows it to verified', async () => {
		const m = await mount({size: {columns: 140, rows: 60}, targets: t => (t.answers = false)});
		const id = m.fx.dep.halted;
		await rollBack(m.r, id);
		const frame = await waitForFrame(m.r, `rolling back ${id}`);
		expect(statusOf(frame)).toBe(`· rolling back ${id}: ${STILL_REVERTING}`);
		expect(frame).not.toContain('rolled back ' + id);
		expect(frame).not.toContain('ROLLBACK FAILED');
		expect(m.targets.settles).toEqual([id]);
		expect(m.store.reports).toEqual([]);
		expect(depOf(m, id)).toMatchObject({status: 'rolling_back', rollback: {verified: false}});
		await press(m.r, KEY.enter);
		await waitForFrame(m.r, /rollback \(manual\) by human:alice from \S+ reverting: waiting for the target to read back: schema drift/);
		// The engine leading elsewhere carries it out: the detail says verified.
		m.store.engineCycle();
		await waitForFrame(m.r, /rollback \(manual\) by human:alice from \S+ verified against the snapshot: schema drift/);
		expect(depOf(m, id).status).toBe('rolled_back');
	});

	it('says it is still reverting when carrying the decision to the target failed, and runs the command once', async () => {
		const m = await mount({targets: t => (t.settleError = 'fleet API timed out after 10s')});
		const id = m.fx.dep.halted;
		await rollBack(m.r, id);
		const frame = await waitForFrame(m.r, `rolling back ${id}: still reverting`);
		expect(frame).not.toContain('fleet API timed out');
		expect(m.store.runs).toEqual([expect.objectContaining({type: 'rollback', id})]);
		expect(depOf(m, id).status).toBe('rolling_back');
	});

	it('says ROLLBACK FAILED when the target reads back something else than the snapshot', async () => {
		const m = await mount();
		const id = m.fx.dep.halted;
		m.store.fleet.world.services.search!.scenario = {kind: 'healthy', rollbackDrift: true};
		await rollBack(m.r, id);
		const frame = await waitForFrame(m.r, `✗ ROLLBACK FAILED for ${id}: target `);
		const dep = depOf(m, id);
		expect(dep.status).toBe('rollback_failed');
		expect(statusOf(frame)).toContain(`target ${dep.rollback!.actualChecksum!.slice(0, 12)} ≠ snapshot ${dep.rollback!.expectedChecksum.slice(0, 12)}`);
	});
});

describe('a start from the console', () => {
	it('says what the target made of it: a first tier whose sanity check fails halts, and the plan rolls back', async () => {
		const m = await mount();
		const leaseId = signedLease(m, 'mail');
		m.store.fleet.addService('mail', '1.0.0', {scenario: {kind: 'healthy', sanityFailAt: 5}});
		await press(m.r, '2');
		await waitForFrame(m.r, /\[2 Leases/);
		await selectRow(m.r, leaseId);
		await press(m.r, 's');
		await waitForFrame(m.r, '✓ target at rest');
		await type(m.r, leaseId);
		await press(m.r, KEY.enter);
		const frame = await waitForFrame(m.r, `✓ started DEP-`);
		const dep = /started (DEP-\d{8}-\d+)/.exec(frame)![1]!;
		expect(statusOf(frame)).toBe(`✓ started ${dep} from ${leaseId}, now rolled back at 5%: Enter to see why`);
		expect(depOf(m, dep)).toMatchObject({status: 'rolled_back', halt: {trigger: 'sanity'}, rollback: {trigger: 'automatic', verified: true}});
		expect(m.store.fleet.read('mail')).toMatchObject({percent: 0, stable: {version: '1.0.0'}});
	});
});

describe('the outcome of a rollback', () => {
	const record = (over: Partial<RollbackRecord> = {}): RollbackRecord =>
		({trigger: 'manual', reason: 'x', actor: 'human:alice', startedAt: '2026-11-25T10:00:00Z', step: 'tier-5', verified: false, expectedChecksum: 'e'.repeat(64), ...over}) as RollbackRecord;
	const rollback = openDialog('rollback', 'DEP-1');

	it('is verified only when the target verified it', () => {
		expect(successOutcome(rollback, {verified: true, rollback: record({verified: true, endedAt: '2026-11-25T10:00:01Z'})})).toEqual({ok: true, text: 'rolled back DEP-1: target verified against the snapshot'});
	});

	it('is pending while the target has not read back, neither ✓ done nor ✗ failed', () => {
		expect(successOutcome(rollback, {status: 'rolling_back', verified: false, rollback: record()})).toEqual({ok: true, pending: true, text: `rolling back DEP-1: ${STILL_REVERTING}`});
	});

	it('failed when the target refused or read back another split', () => {
		expect(successOutcome(rollback, {verified: false, rollback: record({endedAt: '2026-11-25T10:00:01Z', error: 'refused'})})).toMatchObject({ok: false, text: 'ROLLBACK FAILED for DEP-1: refused'});
		const drift = record({endedAt: '2026-11-25T10:00:01Z', actualChecksum: 'a'.repeat(64)});
		expect(successOutcome(rollback, {verified: false, rollback: drift})).toMatchObject({ok: false, text: `ROLLBACK FAILED for DEP-1: target ${'a'.repeat(12)} ≠ snapshot ${'e'.repeat(12)}`});
	});
});
