import type {Key} from 'ink';
import {TEXT_LIMITS} from '../../core/text.js';

/**
 * A one-line text field that edits like a shell line: the cursor moves (←/→, Home/End,
 * Ctrl-A/E), Backspace erases before it, Delete at it, Ctrl-U the start of the line, Ctrl-K the
 * rest and Ctrl-W the word before it; text goes in at the cursor. Positions count code points, so
 * an emoji is one step, not two halves.
 */
export interface Line {
	text: string;
	cursor: number;
}

/** The most a field holds: what the engine takes for a reason (a sentence for the audit trail, not a document). */
export const LINE_MAX = TEXT_LIMITS.text;

export const emptyLine: Line = {text: '', cursor: 0};
export const lineOf = (text: string): Line => ({text, cursor: [...text].length});

// Control characters never belong in a field (a stray escape, a carriage return): they are data
// that a terminal would act on when the text is shown again. Line breaks read as spaces.
export const cleanText = (input: string) => input.replace(/\r\n|[\r\n\t]/g, ' ').replace(/[\u0000-\u001f\u007f-\u009f]/g, '');

/** `input` typed (or pasted) at the cursor, cleaned, and cut at LINE_MAX; the cursor after it. */
export function insertText(line: Line, input: string): Line {
	const chars = [...line.text];
	const room = Math.max(0, LINE_MAX - chars.length);
	const added = [...cleanText(input)].slice(0, room);
	if (added.length === 0) return line;
	chars.splice(line.cursor, 0, ...added);
	return {text: chars.join(''), cursor: line.cursor + added.length};
}

const isSpace = (c: string | undefined) => c !== undefined && /\s/u.test(c);

/** Where the word before `cursor` starts: back over spaces, then over the word (as Ctrl-W in a shell). */
function wordStart(chars: readonly string[], cursor: number): number {
	let i = cursor;
	while (i > 0 && isSpace(chars[i - 1])) i--;
	while (i > 0 && !isSpace(chars[i - 1])) i--;
	return i;
}

const cut = (chars: string[], from: number, to: number, cursor: number): Line => {
	chars.splice(from, to - from);
	return {text: chars.join(''), cursor};
};

/** The line after an editing key, or undefined when the key does not edit (Enter, Esc, Tab, …). */
export function editLine(line: Line, input: string, key: Key): Line | undefined {
	const chars = [...line.text];
	const at = Math.min(line.cursor, chars.length);
	const to = (cursor: number): Line => ({text: line.text, cursor: Math.max(0, Math.min(chars.length, cursor))});
	if (key.leftArrow) return to(at - 1);
	if (key.rightArrow) return to(at + 1);
	if (key.home) return to(0);
	if (key.end) return to(chars.length);
	if (key.backspace) return at === 0 ? line : cut(chars, at - 1, at, at - 1);
	if (key.delete) return at === chars.length ? line : cut(chars, at, at + 1, at);
	if (key.ctrl) {
		switch (input) {
			case 'a':
				return to(0);
			case 'e':
				return to(chars.length);
			case 'b':
				return to(at - 1);
			case 'f':
				return to(at + 1);
			case 'u':
				return cut(chars, 0, at, 0);
			case 'k':
				return cut(chars, at, chars.length, at);
			case 'w': {
				const start = wordStart(chars, at);
				return cut(chars, start, at, start);
			}
			default:
				return undefined;
		}
	}
	if (key.meta || key.escape || key.return || key.tab || key.upArrow || key.downArrow || key.pageUp || key.pageDown) return undefined;
	return insertText({text: line.text, cursor: at}, input);
}

/** What a field `width` columns wide shows of a line: the text around the cursor, and the cursor's character. */
export interface LineWindow {
	before: string;
	/** The character under the cursor ('' at the end of the line, where the cursor is a blank). */
	at: string;
	after: string;
}

/**
 * The part of the line that fits in `width` columns (the cursor's cell included). The cursor stays
 * in view; while it is at the end, the end of a long line shows, so the operator sees what they
 * are typing. A line cut on the left starts with '…'.
 */
export function lineWindow(line: Line, width: number): LineWindow {
	const chars = [...line.text];
	const cursor = Math.min(line.cursor, chars.length);
	const cells = Math.max(1, width);
	// One cell for the cursor itself; at the end of the line it is a blank after the text.
	const start = Math.max(0, cursor - (cells - 1));
	const end = Math.min(chars.length, start + cells);
	const before = chars.slice(start, cursor);
	if (start > 0 && before.length > 0) before[0] = '…';
	return {before: before.join(''), at: chars[cursor] ?? '', after: chars.slice(cursor + 1, Math.max(cursor + 1, end)).join('')};
}
