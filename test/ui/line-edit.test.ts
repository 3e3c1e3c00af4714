import type {Key} from 'ink';
import {describe, expect, it} from 'vitest';
import {cleanText, editLine, insertText, LINE_MAX, lineOf, lineWindow, type Line} from '../../src/ui/model/line-edit.js';

const K = (over: Partial<Key> = {}): Key =>
	({upArrow: false, downArrow: false, leftArrow: false, rightArrow: false, pageDown: false, pageUp: false, home: false, end: false, return: false, escape: false, ctrl: false, shift: false, tab: false, backspace: false, delete: false, meta: false, ...over}) as Key;
const ctrl = (c: string): [string, Key] => [c, K({ctrl: true})];
const named = (k: keyof Key): [string, Key] => ['', K({[k]: true})];

/** The line after the keys, drawn with | at the cursor. */
function after(start: Line, ...keys: Array<[string, Key] | string>): string {
	let line = start;
	for (const k of keys) {
		const [input, key] = typeof k === 'string' ? [k, K()] : k;
		line = editLine(line, input, key) ?? line;
	}
	const chars = [...line.text];
	chars.splice(line.cursor, 0, '|');
	return chars.join('');
}

describe('the line editor', () => {
	it('inserts at the cursor and moves it with ←/→, Home/End and Ctrl-A/E/B/F', () => {
		expect(after(lineOf('halt'), named('leftArrow'), named('leftArrow'), 'X')).toBe('haX|lt');
		expect(after(lineOf('halt'), named('home'), '>')).toBe('>|halt');
		expect(after(lineOf('halt'), ctrl('a'), named('rightArrow'), ctrl('f'), ctrl('b'))).toBe('h|alt');
		expect(after({text: 'halt', cursor: 1}, ctrl('e'))).toBe('halt|');
		expect(after({text: 'halt', cursor: 1}, named('end'), named('rightArrow'))).toBe('halt|');
		expect(after(lineOf(''), named('leftArrow'))).toBe('|');
	});

	it('erases before the cursor with Backspace and at it with Delete', () => {
		expect(after({text: 'disk full', cursor: 4}, named('backspace'))).toBe('dis| full');
		expect(after({text: 'disk full', cursor: 4}, named('delete'))).toBe('disk|full');
		expect(after({text: 'ab', cursor: 0}, named('backspace'))).toBe('|ab');
		expect(after(lineOf('ab'), named('delete'))).toBe('ab|');
	});

	it('kills to the start (Ctrl-U), to the end (Ctrl-K) and the word before the cursor (Ctrl-W)', () => {
		expect(after({text: 'paging storm east', cursor: 12}, ctrl('u'))).toBe('| east');
		expect(after({text: 'paging storm east', cursor: 6}, ctrl('k'))).toBe('paging|');
		expect(after(lineOf('paging storm  '), ctrl('w'))).toBe('paging |');
		expect(after({text: 'paging storm', cursor: 9}, ctrl('w'))).toBe('paging |orm');
		expect(after(lineOf('one'), ctrl('w'), ctrl('w'))).toBe('|');
	});

	it('counts an emoji as one position', () => {
		expect(after(lineOf('a🔥b'), named('leftArrow'), named('backspace'))).toBe('a|b');
	});

	it('leaves Enter, Esc, Tab, arrows up and down and unknown Ctrl keys to the caller', () => {
		for (const key of [K({return: true}), K({escape: true}), K({tab: true}), K({upArrow: true}), K({meta: true})]) expect(editLine(lineOf('x'), '', key)).toBeUndefined();
		expect(editLine(lineOf('x'), 'x', K({ctrl: true}))).toBeUndefined();
	});

	it('keeps control characters out, reads line breaks as spaces, and holds at most LINE_MAX', () => {
		expect(cleanText('a\u0007b\u001b[31mc\r\nd\te')).toBe('ab[31mc d e');
		expect(insertText({text: 'ab', cursor: 1}, 'x\ny')).toEqual({text: 'ax yb', cursor: 4});
		const full = insertText(lineOf(''), 'z'.repeat(LINE_MAX + 10));
		expect([...full.text]).toHaveLength(LINE_MAX);
		expect(insertText(full, 'more')).toBe(full);
	});
});

describe('what a field shows of its line', () => {
	it('shows a short line whole, the cursor on its character or after the end', () => {
		expect(lineWindow({text: 'disk', cursor: 1}, 10)).toEqual({before: 'd', at: 'i', after: 'sk'});
		expect(lineWindow(lineOf('disk'), 10)).toEqual({before: 'disk', at: '', after: ''});
	});

	it('scrolls to keep the end of long input in view while typing, cut on the left with …', () => {
		const w = lineWindow(lineOf('abcdefghij'), 5);
		expect(w).toEqual({before: '…hij', at: '', after: ''});
		expect(w.before.length + 1).toBe(5);
	});

	it('keeps the cursor in view when it moves back into a long line', () => {
		expect(lineWindow({text: 'abcdefghij', cursor: 2}, 5)).toEqual({before: 'ab', at: 'c', after: 'de'});
		expect(lineWindow({text: 'abcdefghij', cursor: 6}, 4)).toEqual({before: '…ef', at: 'g', after: ''});
	});
});
