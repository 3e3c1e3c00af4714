import {cleanup} from 'ink-testing-library';
import {afterEach, describe, expect, it} from 'vitest';
import {iso, ManualClock, UNREAD_TARGET, type Command} from '../../src/core/index.js';
import {consoleReducer, initialConsoleState, type ConsoleState} from '../../src/ui/model/console-state.js';
import {openDialog, READING_WAIT} from '../../src/ui/model/dialog.js';
import {frameOf, KEY, press, selectRow, type, waitFor, waitForFrame, type Rendered} from './helpers/ink.js';
import {signedLease} from './helpers/leases.js';
import {FakeStore} from './helpers/fake-store.js';
import {fixture, mount, type Mounted} from './helpers/mount.js';

afterEach(() => cleanup());

const TARGET_CHECKS = ['resource load', 'target version', 'target at rest'];
const unread = (frame: string) => TARGET_CHECKS.every(c => frame.includes(`… ${c}: ${UNREAD_TARGET}`));
const started = (m: Mounted) => m.store.runs.filter((c): c is Extract<Command, {type: 'canary.start'}> => c.type === 'canary.start');

/** Opens the start dialog on a lease in the leases pane, and waits until it has asked the target. */
async function openStart(m: Mounted, leaseId: string): Promise<string> {
	const {r} = m;
	const asked = m.targets.reads.length;
	await press(r, '2');
	await waitForFrame(r, /\[2 Leases/);
	await press(r, 'g');
	await waitForFrame(r, f => /^› LEASE-/m.test(f) && !f.includes('Start a canary'));
	await selectRow(r, leaseId);
	await press(r, 's');
	await waitFor(() => m.targets.reads.length > asked, () => `a read of the target for ${leaseId}`);
	return waitForFrame(r, `Start a canary from ${leaseId}`);
}

/** Types a character into the dialog's field and waits for it on screen: every earlier message was handled. */
async function barrier(r: Rendered, typed: string): Promise<string> {
	await type(r, 'x');
	return waitForFrame(r, `confirm: ${typed}x`);
}

describe('the start dialog reads the target', () => {
	it('says it is reading, refuses Enter until the reading is in, then shows the checks from it and starts on exactly that reading', async () => {
		const m = await mount({targets: t => t.hold()});
		const leaseId = signedLease(m, 'mail');
		const opened = await openStart(m, leaseId);
		expect(unread(opened)).toBe(true);
		expect(opened).not.toMatch(/✗ (resource load|target version|target at rest)/);
		expect(opened).toContain('the pre-checks complete once the target answers');
		expect(opened).toContain('✓ service free: no other deployment is live on mail');
		expect(m.targets.reads).toEqual([leaseId]);

		// The id typed whole and Enter: nothing is run, and the dialog says why.
		await type(m.r, leaseId);
		await press(m.r, KEY.enter);
		const refused = await waitForFrame(m.r, `✗ ${READING_WAIT}`);
		expect(refused).toContain(`Start a canary from ${leaseId}`);
		expect(m.store.runs).toEqual([]);

		m.clock.advance(2000);
		const reading = m.targets.release(leaseId);
		expect(reading).toMatchObject({kind: 'simulated', load: 42, at: iso(m.clock.now()), split: {percent: 0, stable: {version: '1.0.0'}}});
		const checks = await waitForFrame(m.r, '✓ target at rest: the canary side gets no traffic');
		expect(checks).toContain('✓ resource load: load 42% < 85%');
		expect(checks).toContain('✓ target version: target runs 1.0.0');
		expect(checks).toContain('sends 5% of traffic to 2.0.0');
		expect(checks).not.toContain(UNREAD_TARGET);
		// The refusal was about the wait, which is over.
		expect(checks).not.toContain(READING_WAIT);

		// Time passes before Enter: the start still rests on the reading shown, never a fresh one.
		m.clock.advance(5000);
		await press(m.r, KEY.enter);
		await waitForFrame(m.r, /✓ started DEP-\d{8}-\d+/);
		expect(started(m)).toHaveLength(1);
		expect(started(m)[0]!.reading).toEqual(reading);
		expect(m.targets.reads).toEqual([leaseId]);
		expect(m.targets.held).toEqual([]);
	});

	it('says why in the checks when the target cannot be read, escaped, and cannot be confirmed', async () => {
		const m = await mount({targets: t => t.hold()});
		const leaseId = signedLease(m, 'mail');
		await openStart(m, leaseId);
		m.targets.failHeld('router at 10.0.0.7 refused: \u001b[2J\u001b[32mALL CLEAR');
		const why = 'cannot read the target: router at 10.0.0.7 refused: \\x1b[2J\\x1b[32mALL CLEAR';
		const failed = await waitForFrame(m.r, `✗ target at rest: ${why}`);
		expect(failed).toContain(`✗ resource load: ${why}`);
		expect(failed).toContain(`✗ target version: ${why}`);
		expect(failed).toContain('cannot start: the target could not be read');
		expect(failed).not.toContain('\u001b');
		await type(m.r, leaseId);
		await press(m.r, KEY.enter);
		await waitForFrame(m.r, '✗ cannot start: pre-check failed (resource load, target version, target at rest)');
		expect(m.store.runs).toEqual([]);
		await press(m.r, KEY.esc);
		await waitForFrame(m.r, 'cancelled: nothing was done');
		expect(m.store.runs).toEqual([]);
	});

	it('checks as a write would: a configuration the trail did not record fails its check before Enter, and nothing starts', async () => {
		const store = new FakeStore(fixture(), new ManualClock(fixture().clock.now()));
		const problem = 'the document holds 99, not the value the trail recorded (audit seq 7): changed with no config.changed (edited by hand?)';
		// The trust a write decides with (core/ledger.ts), as a data directory's store gives it.
		Object.assign(store, {checkedTrust: async () => ({...store.trust, configDrift: {recorded: 7, settings: {}, differences: [{setting: 'maxResourceLoad', problem}]}})});
		const m = await mount({store});
		const leaseId = signedLease(m, 'mail');
		await openStart(m, leaseId);
		await waitForFrame(m.r, '✓ target at rest');
		const checks = await waitForFrame(m.r, '✗ configuration recorded: maxResourceLoad differs from the audit trail');
		await type(m.r, leaseId);
		await press(m.r, KEY.enter);
		await waitForFrame(m.r, '✗ cannot start: pre-check failed (configuration recorded)');
		expect(checks).not.toContain('✗ target');
		expect(m.store.runs).toEqual([]);
	});

	it('says so when every read fails at once', async () => {
		const m = await mount({targets: t => (t.readError = 'no route to the fleet API')});
		const leaseId = signedLease(m, 'mail');
		await openStart(m, leaseId);
		await waitForFrame(m.r, '✗ target at rest: cannot read the target: no route to the fleet API');
		await type(m.r, leaseId);
		await press(m.r, KEY.enter);
		await waitForFrame(m.r, '✗ cannot start: pre-check failed (resource load, target version, target at rest)');
		expect(m.store.runs).toEqual([]);
	});

	it('ignores a reading that arrives after its dialog was closed, and reads again for the next one', async () => {
		const m = await mount({targets: t => t.hold()});
		const leaseId = signedLease(m, 'mail');
		await openStart(m, leaseId);
		await press(m.r, KEY.esc);
		await waitForFrame(m.r, 'cancelled: nothing was done');
		await openStart(m, leaseId);
		expect(m.targets.held).toHaveLength(2);
		expect(m.targets.reads).toEqual([leaseId, leaseId]);
		// The first dialog's reading comes in: the open dialog is still waiting for its own.
		m.targets.release(leaseId);
		const still = await barrier(m.r, '');
		expect(unread(still)).toBe(true);
		m.targets.release(leaseId);
		await waitForFrame(m.r, '✓ target at rest: the canary side gets no traffic');
		expect(m.targets.held).toEqual([]);
		expect(m.store.runs).toEqual([]);
	});

	it('ignores a reading of another lease', async () => {
		const m = await mount({targets: t => t.hold()});
		const first = signedLease(m, 'mail');
		const second = signedLease(m, 'chat');
		await openStart(m, first);
		await press(m.r, KEY.esc);
		await waitForFrame(m.r, 'cancelled: nothing was done');
		await openStart(m, second);
		expect(m.targets.held.map(h => h.leaseId)).toEqual([first, second]);
		m.targets.release(first);
		const still = await barrier(m.r, '');
		expect(unread(still)).toBe(true);
		expect(still).toContain(`Start a canary from ${second}`);
		m.targets.release(second);
		const checks = await waitForFrame(m.r, '✓ target at rest: the canary side gets no traffic');
		expect(checks).toContain('✓ service free: no other deployment is live on chat');
		expect(frameOf(m.r)).toContain(`Start a canary from ${second}`);
	});
});

describe('a reading as the reducer takes it', () => {
	const reading = {kind: 'simulated' as const, split: {percent: 0, stable: {weight: 100, version: '1.0.0'}, canary: {weight: 0}}, load: 42, at: '2026-11-25T10:00:00.000Z'};
	const withDialog = (dialog: ConsoleState['dialog']): ConsoleState => ({...initialConsoleState(), ...(dialog ? {dialog} : {})});

	it('lands only on the open start dialog of its lease, and only once', () => {
		const open = withDialog(openDialog('start', 'L-1'));
		const got = consoleReducer(open, {type: 'reading', target: 'L-1', reading, reviewed: {digest: 'd'}});
		expect(got.dialog).toMatchObject({reading, reviewed: {digest: 'd'}});
		const later = {...reading, at: '2026-11-25T10:00:05.000Z'};
		expect(consoleReducer(got, {type: 'reading', target: 'L-1', reading: later})).toBe(got);
		expect(consoleReducer(got, {type: 'reading', target: 'L-1', error: 'late failure'})).toBe(got);
	});

	it('changes nothing for another lease, a closed dialog, another action or a dialog already submitting', () => {
		for (const s of [
			withDialog(openDialog('start', 'L-2')),
			withDialog(undefined),
			withDialog(openDialog('cosign', 'L-1')),
			withDialog({...openDialog('start', 'L-1'), submitting: true}),
		]) {
			expect(consoleReducer(s, {type: 'reading', target: 'L-1', reading})).toBe(s);
		}
	});

	it('keeps why it failed, and clears a refusal that was only about waiting', () => {
		const waiting = withDialog({...openDialog('start', 'L-1'), error: READING_WAIT});
		expect(consoleReducer(waiting, {type: 'reading', target: 'L-1', error: 'timeout'}).dialog).toMatchObject({readingError: 'timeout'});
		expect(consoleReducer(waiting, {type: 'reading', target: 'L-1', error: 'timeout'}).dialog?.error).toBeUndefined();
		const other = withDialog({...openDialog('start', 'L-1'), error: 'type L-1 exactly to confirm'});
		expect(consoleReducer(other, {type: 'reading', target: 'L-1', reading}).dialog?.error).toBe('type L-1 exactly to confirm');
	});
});
