import type {Key} from 'ink';
import {describe, expect, it} from 'vitest';
import {cosign as cosign_, EngineError, refused} from '../../src/core/index.js';
import {ignoredEarly, openDialog, REASON_REQUIRED, stepDialog, typeIdPrompt, type Dialog, type DialogStep} from '../../src/ui/model/dialog.js';
import {commandFor, errorOutcome, STALE, successOutcome} from '../../src/ui/model/outcome.js';
import {reviewedFacts} from '../../src/ui/model/review.js';
import {FakeStore} from './helpers/fake-store.js';
import {fixture} from './helpers/mount.js';

const K = (over: Partial<Key> = {}): Key =>
	({upArrow: false, downArrow: false, leftArrow: false, rightArrow: false, pageDown: false, pageUp: false, home: false, end: false, return: false, escape: false, ctrl: false, shift: false, tab: false, backspace: false, delete: false, meta: false, super: false, hyper: false, capsLock: false, numLock: false, ...over}) as Key;
const ENTER = K({return: true});

function feed(d: Dialog, keys: Array<[string, Key]>): DialogStep {
	let step: DialogStep = {dialog: d};
	for (const [input, key] of keys) {
		if (!('dialog' in step)) return step;
		step = stepDialog(step.dialog, input, key);
	}
	return step;
}
const chars = (text: string): Array<[string, Key]> => [...text].map(c => [c, K()]);

describe('confirm dialogs (promote, cosign)', () => {
	it('submit on y then Enter', () => {
		const step = feed(openDialog('cosign', 'LEASE-1'), [['y', K()], ['', ENTER]]);
		expect('submit' in step && step.submit.submitting).toBe(true);
	});
	it.each([
		['Enter alone', [['', ENTER]]],
		['n', [['n', K()]]],
		['y then n', [['y', K()], ['n', K()]]],
		['y then y', [['y', K()], ['y', K()]]],
		['Esc', [['', K({escape: true, meta: true})]]],
		['an arrow', [['', K({upArrow: true})]]],
		['Y', [['Y', K({shift: true})]]],
	] as Array<[string, Array<[string, Key]>]>)('cancel on %s', (_, keys) => {
		expect(feed(openDialog('promote', 'DEP-1'), keys)).toEqual({cancel: true});
	});
});

describe('the typeahead guard', () => {
	it('drops, and names, the keys that would confirm for a moment after the dialog opens', () => {
		const d = openDialog('promote', 'DEP-1', 1000);
		expect(stepDialog(d, 'y', K(), 1100)).toEqual({dialog: {...d, error: ignoredEarly('y')}});
		expect(stepDialog(d, '', ENTER, 1399)).toEqual({dialog: {...d, error: ignoredEarly('Enter')}});
		expect(stepDialog(d, '', K({escape: true}), 1100)).toEqual({cancel: true});
		expect(stepDialog(d, 'y', K(), 1400)).toMatchObject({dialog: {input: 'y'}});
		expect(stepDialog(openDialog('cosign', 'LEASE-1', 1000), 'y', K(), 1001)).toMatchObject({dialog: {input: '', error: ignoredEarly('y')}});
	});
	it('drops an early Enter on an empty field, but keeps text typed at once and the Enter after it', () => {
		const opened = openDialog('halt', 'DEP-1', 1000);
		expect(stepDialog(opened, '', ENTER, 1050)).toMatchObject({dialog: {input: '', error: ignoredEarly('Enter')}});
		let step: DialogStep = {dialog: opened};
		for (const c of 'paging storm') step = stepDialog((step as {dialog: Dialog}).dialog, c, K(), 1100);
		expect(step).toMatchObject({dialog: {input: 'paging storm'}});
		// Text typed into the field shows the operator is at the dialog: the Enter after it counts.
		expect(stepDialog((step as {dialog: Dialog}).dialog, '', ENTER, 1200)).toMatchObject({submit: {reason: 'paging storm'}});
	});
});

describe('typed dialogs', () => {
	it('rollback needs the exact deployment id, then a reason', () => {
		const d = openDialog('rollback', 'DEP-20261125-001');
		let step = feed(d, [...chars('DEP-20261125-002'), ['', ENTER]]);
		expect('dialog' in step && step.dialog.error).toBe(typeIdPrompt('DEP-20261125-001'));
		expect('dialog' in step && step.dialog.step).toBe('typeId');
		step = feed(d, [...chars('DEP-20261125-001'), ['', ENTER]]);
		expect('dialog' in step && step.dialog.step).toBe('reason');
		step = feed((step as {dialog: Dialog}).dialog, [['', ENTER]]);
		expect('dialog' in step && step.dialog.error).toBe(REASON_REQUIRED);
		step = feed((step as {dialog: Dialog}).dialog, [...chars('bad  '), ['', K({backspace: true})], ...chars('migration'), ['', ENTER]]);
		expect(step).toMatchObject({submit: {action: 'rollback', target: 'DEP-20261125-001', reason: 'bad migration'}});
	});
	it('keeps control characters out of the text, and Esc, Ctrl-C or an Esc read with a key cancel at any step', () => {
		const step = feed(openDialog('halt', 'DEP-1'), [['a\u0007b', K()], ['', K({upArrow: true})], ['x', K({ctrl: true})]]);
		expect('dialog' in step && step.dialog.input).toBe('ab');
		const atReason = [...chars('DEP-1'), ['', ENTER], ...chars('why')] as Array<[string, Key]>;
		for (const cancel of [K({escape: true, meta: true}), K({ctrl: true}), K({return: true, meta: true}), K({meta: true})]) {
			const input = cancel.ctrl ? 'c' : '';
			expect(feed(openDialog('forcePromote', 'DEP-1'), [...atReason, [input, cancel]])).toEqual({cancel: true});
			expect(feed(openDialog('forcePromote', 'DEP-1'), [...chars('DEP'), [input, cancel]])).toEqual({cancel: true});
		}
	});
});

describe('commands and outcomes', () => {
	const base = {actor: 'human:alice', expectedRev: 7};
	it('maps each dialog to its engine command with actor and expected revision', () => {
		const d = (action: Dialog['action'], reason = 'r') => ({...openDialog(action, 'DEP-1'), reason});
		expect(commandFor(d('halt'), base)).toEqual({type: 'canary.halt', id: 'DEP-1', reason: 'r', ...base});
		expect(commandFor(d('resume'), base)).toEqual({type: 'canary.resume', id: 'DEP-1', reason: 'r', ...base});
		expect(commandFor(d('rollback'), base)).toEqual({type: 'rollback', id: 'DEP-1', reason: 'r', ...base});
		expect(commandFor(d('promote'), base)).toEqual({type: 'canary.promote', id: 'DEP-1', ...base});
		expect(commandFor(d('forcePromote'), base)).toEqual({type: 'canary.promote', id: 'DEP-1', force: true, reason: 'r', ...base});
		const sig = {role: 'human' as const, keyId: 'alice', signature: 'c2ln'};
		expect(commandFor(d('cosign'), base, sig)).toEqual({type: 'lease.cosign', leaseId: 'DEP-1', ...sig, ...base});
		expect(() => commandFor(d('cosign'), base)).toThrow(/signature/);
	});
	it('says what happened, and why not', () => {
		expect(errorOutcome(new EngineError('conflict', 'STALE_STATE', 'state changed (rev 1 → 2): review and retry'))).toEqual({ok: false, text: STALE});
		expect(errorOutcome(refused('EXPIRED', 'lease expired at 2026-11-25T11:00:00.000Z')).text).toBe('refused: lease expired at 2026-11-25T11:00:00.000Z');
		const lock = Object.assign(new Error('held'), {name: 'StoreError', code: 'LOCK_TIMEOUT'});
		expect(errorOutcome(lock).text).toMatch(/store busy/);
		expect(errorOutcome(new Error('boom')).text).toBe('error: boom');
		expect(successOutcome(openDialog('promote', 'DEP-1'), {from: 5, to: 25, status: 'running'}).text).toBe('promoted DEP-1: 5% → 25%');
		expect(successOutcome(openDialog('rollback', 'DEP-1'), {verified: false, rollback: {error: 'refused'}})).toMatchObject({ok: false, text: 'ROLLBACK FAILED for DEP-1: refused'});
		const keys = [{id: 'ci-bot', role: 'agent' as const, publicKey: 'pem', fingerprint: '0'.repeat(64), addedAt: '', addedBy: ''}];
		expect(successOutcome(openDialog('cosign', 'L-1'), {role: 'human', keyId: 'alice', activated: false, missing: ['agent']}, keys).text).toBe(
			'agent key next: CALYX_KEY=ci-bot calyx lease sign L-1',
		);
		expect(successOutcome(openDialog('cosign', 'L-1'), {role: 'agent', keyId: 'ci-bot', activated: true, missing: []}).text).toBe(
			'both keys signed: s starts the canary',
		);
	});
});

describe('reviewed facts', () => {
	it('ignore new in-band samples and countdowns; a promotion also rests on the metric levels, a halt only on where the canary is', () => {
		const fx = fixture();
		const store = new FakeStore(fx, fx.clock);
		const promote = openDialog('promote', fx.dep.running);
		const halt = openDialog('halt', fx.dep.running);
		const now = fx.clock.now();
		const before = {promote: reviewedFacts(promote, store.state, now, store.trust), halt: reviewedFacts(halt, store.state, now, store.trust)};
		store.external({type: 'metrics.record', actor: 'agent:ci-bot', id: fx.dep.running, sample: {tesDelta: 0.1, errorRate: 0.2, cpu: 50, memory: 60}});
		expect(reviewedFacts(promote, store.state, now, store.trust)).toEqual(before.promote);
		store.external({type: 'metrics.record', actor: 'agent:ci-bot', id: fx.dep.running, sample: {cpu: 115}});
		expect(reviewedFacts(promote, store.state, now, store.trust)).not.toEqual(before.promote);
		expect(reviewedFacts(halt, store.state, now, store.trust)).toEqual(before.halt);
		store.external({type: 'canary.halt', actor: 'human:bob', id: fx.dep.running, reason: 'x'});
		expect(reviewedFacts(halt, store.state, now, store.trust)).not.toEqual(before.halt);
		const cosign = openDialog('cosign', fx.lease.agentSigned);
		const leaseBefore = reviewedFacts(cosign, store.state, now, store.trust);
		store.external({type: 'metrics.record', actor: 'agent:ci-bot', id: fx.dep.holding, sample: {cpu: 50}});
		expect(reviewedFacts(cosign, store.state, now, store.trust)).toEqual(leaseBefore);
		const lease = store.state.leases.find(l => l.id === fx.lease.agentSigned)!;
		const intent = store.state.intents.find(i => i.id === lease.intentId)!;
		const signature = cosign_(lease, intent, 'human', 'bob', fx.keys.human2.privateKey);
		store.external({type: 'lease.cosign', actor: 'human:bob', leaseId: lease.id, role: 'human', keyId: 'bob', signature});
		expect(reviewedFacts(cosign, store.state, now, store.trust)).not.toEqual(leaseBefore);
		expect(reviewedFacts(openDialog('halt', 'DEP-nope'), store.state, now, store.trust)).toBeUndefined();
	});
});
