import {describe, expect, it} from 'vitest';
import {clipText, displayDeep, displayText, escapeControls, escapeDeep, findControl, safeJson, visibleForm} from '../../src/core/index.js';
import {PAYLOADS} from '../untrusted.js';

const RAW_CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

describe('escapeControls', () => {
	it('writes every terminal sequence out visibly, so none reaches the terminal', () => {
		expect(escapeControls(PAYLOADS.title)).toBe('\\x1b]0;pwned\\x07');
		expect(escapeControls(PAYLOADS.clipboard)).toBe('\\x1b]52;c;ZXZpbA==\\x07');
		expect(escapeControls(PAYLOADS.clear)).toBe('\\x1b[2J');
		expect(escapeControls(PAYLOADS.fakeHalt)).toBe('\\x1b[31mHALTED\\x1b[0m');
		expect(escapeControls(PAYLOADS.c1)).toBe('\\u009b31m');
		for (const p of Object.values(PAYLOADS)) expect(escapeControls(p)).not.toMatch(RAW_CONTROL);
	});

	it('covers C0, DEL, C1 and the bidi overrides and isolates; names newline, tab and return', () => {
		expect(escapeControls('a\u0000b\u007fc\u0085d')).toBe('a\\x00b\\x7fc\\u0085d');
		expect(escapeControls('x\u202ey\u2066z\u2069')).toBe('x\\u202ey\\u2066z\\u2069');
		expect(escapeControls('one\ntwo\tthree\r')).toBe('one\\ntwo\\tthree\\r');
		expect(visibleForm('\u001b')).toBe('\\x1b');
	});

	it('leaves printable text alone, the same string when nothing is escaped', () => {
		const text = 'checkout 1.4.0 → 1.5.0: naïve café 日本 ✓ "quoted" \\ back-slash';
		expect(escapeControls(text)).toBe(text);
	});
});

describe('findControl', () => {
	it('names the first control character and its position, counted from 1', () => {
		expect(findControl('ok\u001b]0;x\u0007')).toEqual({position: 3, form: '\\x1b'});
		expect(findControl('a\u202eb')).toEqual({position: 2, form: '\\u202e'});
		expect(findControl('plain text')).toBeUndefined();
	});
});

describe('clipText and displayText', () => {
	it('cuts long text and says how long it was, never splitting a surrogate pair', () => {
		expect(clipText('abcdef', 10)).toBe('abcdef');
		expect(clipText('abcdef', 3)).toBe('abc… (6 characters in all)');
		expect(clipText('ab😀cd', 3)).toBe('ab… (6 characters in all)');
	});

	it('cuts a megabyte before escaping it, and escapes what it keeps', () => {
		const huge = `\u001b[2J${'x'.repeat(1_000_000)}`;
		const started = performance.now();
		const shown = displayText(huge, 100);
		expect(performance.now() - started).toBeLessThan(50);
		expect(shown.startsWith('\\x1b[2Jxxx')).toBe(true);
		expect(shown.endsWith(`… (${huge.length} characters in all)`)).toBe(true);
		expect(shown.length).toBeLessThan(140);
		expect(shown).not.toMatch(RAW_CONTROL);
	});

	it('cuts again when escaping made short text longer than allowed', () => {
		const shown = displayText('\u001b'.repeat(10), 12);
		expect(shown).toBe('\\x1b\\x1b\\x1b… (10 characters in all)');
		expect(displayText('short', 12)).toBe('short');
		expect(displayText('a\u0007', 12)).toBe('a\\x07');
	});
});

describe('escapeDeep and displayDeep', () => {
	it('escapes every string at any depth and shares what did not change', () => {
		const clean = Object.freeze({id: 'DEP-20261126-001', plan: Object.freeze({tiers: Object.freeze([5, 25, 100])})});
		const dirty = Object.freeze({reason: PAYLOADS.fakeHalt, nested: Object.freeze([Object.freeze({actor: PAYLOADS.c1})])});
		const state = Object.freeze({clean, dirty, n: 3, flag: true, none: null});
		const out = escapeDeep(state);
		expect(out).not.toBe(state);
		expect(out.clean).toBe(clean);
		expect(out.dirty.reason).toBe('\\x1b[31mHALTED\\x1b[0m');
		expect(out.dirty.nested[0]!.actor).toBe('\\u009b31m');
		expect(out).toMatchObject({n: 3, flag: true, none: null});
		expect(escapeDeep(state)).toBe(out);
		expect(escapeDeep(clean)).toBe(clean);
	});

	it('cuts long strings for the console', () => {
		const out = displayDeep({reason: 'r'.repeat(200_000)});
		expect(out.reason.length).toBeLessThan(4200);
		expect(out.reason).toMatch(/… \(200000 characters in all\)$/);
	});
});

describe('safeJson', () => {
	it('is the same document as JSON.stringify, with no raw DEL, C1 or bidi control left', () => {
		const value = {title: Object.values(PAYLOADS).join(' '), bidi: 'a\u202eb', del: '\u007f', plain: 'é→日'};
		const text = safeJson(value, 2);
		expect(JSON.parse(text)).toEqual(value);
		expect(text).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e]/);
		expect(text).toContain('\\u009b31m');
		expect(safeJson({a: 1})).toBe('{"a":1}');
	});
});
