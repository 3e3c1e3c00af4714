import type {Key} from 'ink';
import {describe, expect, it} from 'vitest';
import {openDialog, TYPEAHEAD_MS, type Dialog} from '../../src/ui/model/dialog.js';
import {readingKey, unreadRows, type DialogBody} from '../../src/ui/model/dialog-scroll.js';
import {factChanges, reviewedFacts} from '../../src/ui/model/review.js';
import {wrapContent, wrapText} from '../../src/ui/model/wrap.js';
import {FakeStore} from './helpers/fake-store.js';
import {fixture} from './helpers/mount.js';

const K = (over: Partial<Key> = {}): Key =>
	({upArrow: false, downArrow: false, leftArrow: false, rightArrow: false, pageDown: false, pageUp: false, home: false, end: false, return: false, escape: false, ctrl: false, shift: false, tab: false, backspace: false, delete: false, meta: false, super: false, hyper: false, capsLock: false, numLock: false, ...over}) as Key;

describe('the fact diff', () => {
	it('names each fact that changed, before → after, in the order the facts were taken', () => {
		const before = {status: 'holding', tier: '5%', halt: 'none', gate: 'HOLD', CPU: 'ok', bake: 'baking'};
		const after = {...before, tier: '25%', CPU: 'WARN'};
		expect(factChanges(before, after)).toEqual(['tier 5% → 25%', 'CPU ok → WARN']);
		expect(factChanges(before, {...before})).toEqual([]);
		expect(factChanges(before, undefined)).toEqual(['no longer in the store']);
		// A fact that appears or goes away reads as none on its missing side.
		expect(factChanges({tier: '5%'}, {tier: '5%', gate: 'PASS'})).toEqual(['gate none → PASS']);
	});

	it('escapes and shortens untrusted values (a halt reason written by another process)', () => {
		const [change] = factChanges({halt: 'none'}, {halt: `\u001b[2Jwiped${'x'.repeat(60)}`});
		expect(change).toBe(`halt none → \\x1b[2Jwiped${'x'.repeat(19)}…`);
	});

	it('are taken from a state: a promotion rests on tier, gate and metric levels; a halt only on where the canary is', () => {
		const fx = fixture();
		const store = new FakeStore(fx, fx.clock);
		const now = fx.clock.now();
		const promote = reviewedFacts(openDialog('forcePromote', fx.dep.holding), store.state, now, store.trust)!;
		expect(promote).toMatchObject({status: 'holding', tier: '5%', halt: 'none', gate: 'HOLD', TES: 'WARN', CPU: 'ok', bake: 'baking'});
		const halt = reviewedFacts(openDialog('halt', fx.dep.holding), store.state, now, store.trust)!;
		expect(halt).toEqual({status: 'live', tier: '5%', halt: 'none'});
		store.external({type: 'metrics.record', actor: 'agent:ci-bot', id: fx.dep.holding, sample: {cpu: 115}});
		expect(factChanges(promote, reviewedFacts(openDialog('forcePromote', fx.dep.holding), store.state, now, store.trust))).toEqual(['CPU ok → WARN']);
		expect(factChanges(halt, reviewedFacts(openDialog('halt', fx.dep.holding), store.state, now, store.trust))).toEqual([]);
		store.external({type: 'canary.promote', actor: 'human:bob', id: fx.dep.holding, force: true, reason: 'x'});
		expect(factChanges(promote, reviewedFacts(openDialog('forcePromote', fx.dep.holding), store.state, now, store.trust))).toContain('tier 5% → 25%');
		expect(factChanges(halt, reviewedFacts(openDialog('halt', fx.dep.holding), store.state, now, store.trust))).toEqual(['tier 5% → 25%']);
	});
});

describe('untrusted text', () => {
	it('says a changed fact escaped (core escapeControls) and cut to a bound', () => {
		const said = factChanges({halt: 'none'}, {halt: `a\u001b[31mb\nc\u202e${'x'.repeat(100)}`});
		expect(said).toHaveLength(1);
		expect(said[0]).toMatch(/^halt none → a\\x1b\[31mb\\nc\\u202ex+…$/);
		expect(said[0]).not.toMatch(/[\u001b\u202e\n]/);
		expect([...said[0]!.split(' → ')[1]!]).toHaveLength(32);
	});
});

describe('wrapping', () => {
	it('keeps every word, no row wider than the width, and breaks a word longer than a row', () => {
		const text = 'tiers 5›25›100 · bake 15m · min 3 samples · auto-promote yes · auto-rollback yes';
		const rows = wrapText(text, 30);
		expect(rows.every(r => [...r].length <= 30)).toBe(true);
		expect(rows.join(' ')).toBe(text);
		const digest = 'f'.repeat(64);
		expect(wrapText(digest, 20)).toEqual(['f'.repeat(20), 'f'.repeat(20), 'f'.repeat(20), 'f'.repeat(4)]);
		expect(wrapText('', 10)).toEqual(['']);
	});

	it('puts the labels in a column and continues a wrapped value under its start', () => {
		const rows = wrapContent(
			[
				{label: 'intent', text: 'INT-1 · checkout 1.4.0 → 1.5.0 · high criticality'},
				{label: 'you sign as', text: 'human:alice', tone: 'info'},
			],
			36,
		);
		expect(rows.map(r => `${r.label} ${r.text}`)).toEqual([
			'intent      INT-1 · checkout 1.4.0 →',
			'            1.5.0 · high criticality',
			'you sign as human:alice',
		]);
		expect(rows.map(r => r.tone)).toEqual([undefined, undefined, 'info']);
		// Wide characters take two cells.
		expect(wrapContent([{label: 't', text: '漢字 漢字'}], 8).map(r => r.text)).toEqual(['漢字', '漢字']);
	});
});

describe('the y of a scrolled dialog', () => {
	const body = (over: Partial<DialogBody> = {}): DialogBody => ({target: 'L-1', rows: 25, height: 10, width: 76, ...over});
	const opened = openDialog('cosign', 'L-1', 0, {digest: 'd'});
	const AT = TYPEAHEAD_MS + 1;
	const key = (d: Dialog, input: string, k: Partial<Key> = {}, b = body()) => readingKey(d, input, K(k), b, AT);

	it('is refused with how many lines were never on screen, and taken once every line was', () => {
		expect(key(opened, 'y')).toMatchObject({error: 'scroll to the end first (15 more lines)', input: ''});
		let d = opened;
		for (let i = 0; i < 14; i++) d = key(d, 'j')!;
		expect(unreadRows(d, body())).toBe(1);
		expect(key(d, 'y')).toMatchObject({error: 'scroll to the end first (1 more line)'});
		d = key(d, '', {downArrow: true})!;
		expect(d).toMatchObject({scroll: 15, read: {width: 76, rows: 25}});
		// Scrolling back up does not unread anything; the y goes on to the dialog's own steps.
		d = key(key(d, 'k')!, '', {pageUp: true})!;
		expect(d.scroll).toBe(5);
		expect(key(d, 'y')).toBeUndefined();
	});

	it('pages by a window less one row, so no row is skipped, and stops at the end', () => {
		const d = key(key(opened, '', {pageDown: true})!, '', {pageDown: true})!;
		expect(d).toMatchObject({scroll: 15, read: {rows: 25}});
		expect(key(d, '', {pageDown: true})!.scroll).toBe(15);
		expect(key(opened, '', {pageDown: true})).toMatchObject({scroll: 9, read: {rows: 19}});
	});

	it('is taken at once when everything fits, and refused when the body drawn is another dialog’s', () => {
		expect(key(opened, 'y', {}, body({rows: 10}))).toBeUndefined();
		expect(key(opened, 'y', {}, body({target: 'L-2', rows: 1}))).toMatchObject({error: 'scroll to the end first'});
		expect(readingKey(opened, 'y', K(), undefined, AT)).toMatchObject({error: 'scroll to the end first'});
	});

	it('counts what was read at another width for nothing (the rows were wrapped differently)', () => {
		let d = opened;
		for (let i = 0; i < 15; i++) d = key(d, 'j')!;
		d = {...d, scroll: 0};
		expect(unreadRows(d, body())).toBe(0);
		expect(unreadRows(d, body({width: 60, rows: 30}))).toBe(20);
	});

	it('leaves a y typed before the dialog was shown to the typeahead guard, and other keys to the steps', () => {
		expect(readingKey(opened, 'y', K(), body(), 10)).toBeUndefined();
		expect(key(opened, 'n')).toBeUndefined();
		expect(key(opened, '', {escape: true})).toBeUndefined();
		expect(key(opened, 'j', {meta: true})).toBeUndefined();
		// After the y only Enter goes on: a scroll key then is the dialog's to refuse.
		expect(key({...opened, input: 'y'}, 'j')).toBeUndefined();
		expect(key(openDialog('promote', 'DEP-1'), 'j')).toBeUndefined();
	});
});
