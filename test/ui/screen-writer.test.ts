import {afterEach, describe, expect, it, vi} from 'vitest';
import {clipLine, createScreenWriter, fitFrame, paintDiff} from '../../src/ui/screen-writer.js';
import {FakeTtyOut} from './helpers/tty.js';

const at = (row: number, text: string) => `\u001B[${row};1H${text}\u001B[K`;
const CLEAR = '\u001B[H\u001B[2J';

describe('painting frames by line', () => {
	it('paints a first frame whole, on a cleared screen', () => {
		expect(paintDiff(undefined, ['a', '', 'c'])).toBe(`${CLEAR}${at(1, 'a')}${at(3, 'c')}`);
	});
	it('then writes only the lines that changed, where they are', () => {
		expect(paintDiff(['a', 'b', 'c'], ['a', 'B', 'c'])).toBe(at(2, 'B'));
		expect(paintDiff(['a', 'b'], ['a', 'b'])).toBe('');
	});
	it('blanks the lines a shorter frame no longer covers', () => {
		expect(paintDiff(['a', 'b', 'c'], ['a'])).toBe(`${at(2, '')}${at(3, '')}`);
	});
});

describe('the screen writer', () => {
	afterEach(() => {
		vi.useRealTimers();
	});

	it('is a TTY of the terminal size that takes whole frames, painting at most maxFps times a second', () => {
		vi.useFakeTimers();
		let t = 0;
		const term = new FakeTtyOut(80, 24);
		const w = createScreenWriter(term as unknown as NodeJS.WriteStream, {maxFps: 10, now: () => t});
		expect([w.frames.isTTY, w.frames.columns, w.frames.rows]).toEqual([true, 80, 24]);
		w.frames.write('one\ntwo');
		expect(term.output).toBe(`${CLEAR}${at(1, 'one')}${at(2, 'two')}`);
		term.chunks = [];
		t = 10;
		w.frames.write('one\nTWO');
		w.frames.write('one\nthree');
		expect(term.output).toBe('');
		t = 100;
		vi.advanceTimersByTime(90);
		expect(term.output).toBe(at(2, 'three'));
		w.close();
	});

	it('repaints everything after a resize, and tells ink about it', () => {
		const term = new FakeTtyOut(80, 24);
		let t = 0;
		const w = createScreenWriter(term as unknown as NodeJS.WriteStream, {maxFps: 10, now: () => (t += 1000)});
		const resized = vi.fn();
		w.frames.on('resize', resized);
		w.frames.write('one\ntwo');
		term.chunks = [];
		term.resize(60, 20);
		expect(resized).toHaveBeenCalledOnce();
		expect(w.frames.columns).toBe(60);
		w.frames.write('one\ntwo');
		expect(term.output).toBe(`${CLEAR}${at(1, 'one')}${at(2, 'two')}`);
		w.close();
		term.resize(50, 10);
		expect(resized).toHaveBeenCalledOnce();
	});

	it('flushes a frame waiting for its slot, and answers write callbacks', () => {
		let t = 0;
		const term = new FakeTtyOut(80, 24);
		const w = createScreenWriter(term as unknown as NodeJS.WriteStream, {maxFps: 10, now: () => t});
		w.frames.write('a');
		w.frames.write('b');
		const done = vi.fn();
		w.frames.write('', done);
		expect(done).toHaveBeenCalledOnce();
		w.flush();
		expect(term.output.endsWith(at(1, 'b'))).toBe(true);
		w.close();
	});
});

describe('fitting frames to the terminal', () => {
	it('cuts lines to the columns, keeping colours and dropping cursor moves', () => {
		expect(clipLine('abcdef', 4)).toEqual({text: 'abcd', width: 4, cut: true});
		expect(clipLine('\u001B[31mred\u001B[39m', 10)).toEqual({text: '\u001B[31mred\u001B[39m', width: 3, cut: false});
		expect(clipLine('\u001B[31mredder\u001B[39m', 3)).toEqual({text: '\u001B[31mred\u001B[0m', width: 3, cut: true});
		expect(clipLine('a\u001B[2Kb\u001B[1Ac', 10)).toEqual({text: 'abc', width: 3, cut: false});
		expect(clipLine('日本語', 5)).toEqual({text: '日本', width: 4, cut: true});
	});

	it('keeps a frame within rows − 1 and never erases the last cell of a full-width line', () => {
		expect(fitFrame('a\nb\nc\nd', 80, 2)).toEqual(['a', 'b']);
		expect(paintDiff(undefined, ['abcd', 'ab'], 4)).toBe(`${CLEAR}\u001B[1;1Habcd${at(2, 'ab')}`);
	});

	it('drops a frame laid out for the old size on resize, and paints the next one clipped on a cleared screen', () => {
		vi.useFakeTimers();
		let t = 0;
		const term = new FakeTtyOut(120, 40);
		const w = createScreenWriter(term as unknown as NodeJS.WriteStream, {maxFps: 10, now: () => t});
		const wide = Array.from({length: 39}, (_, i) => `${String(i).padEnd(119, '=')}|`).join('\n');
		w.frames.write(wide);
		t = 10;
		w.frames.write(wide.replace('0', 'X'));
		term.chunks = [];
		term.resize(80, 24);
		vi.advanceTimersByTime(1000);
		expect(term.output).toBe('');
		w.frames.write(wide);
		const painted = term.output;
		expect(painted.startsWith(CLEAR)).toBe(true);
		const rows = [...painted.matchAll(/\u001B\[(\d+);1H([^\u001B]*)/g)];
		expect(rows.map(m => Number(m[1]))).toEqual(Array.from({length: 23}, (_, i) => i + 1));
		for (const m of rows) expect(m[2]!.length).toBe(80);
		w.close();
	});
});

describe('rows painted between ink frames', () => {
	afterEach(() => {
		vi.useRealTimers();
	});
	const writer = (columns = 80, rows = 24, ascii = false) => {
		let t = 0;
		const term = new FakeTtyOut(columns, rows);
		const w = createScreenWriter(term as unknown as NodeJS.WriteStream, {maxFps: 10, now: () => (t += 1000), ascii});
		return {term, w};
	};

	it('on a terminal that is not UTF-8, paints frames and rows in ASCII, each glyph in its own cell', () => {
		const {term, w} = writer(12, 24, true);
		w.frames.write('┌──┐ 5→25%\ncpu ▁▃▅█ 40%\n日本語 wide cut');
		// Full-width rows (12 cells, the wide text cut at its edge) get no erase after them.
		expect(term.output).toBe(`${CLEAR}${at(1, '+--+ 5>25%')}\u001B[2;1Hcpu .-+# 40%\u001B[3;1H?????? wide `);
		term.chunks = [];
		expect(w.patch(w.generation(), new Map([[1, 'cpu ▁▃▅▇ 41…']]))).toBe(true);
		expect(term.output).toBe('\u001B[2;1Hcpu .-+% 41~');
		w.close();
	});

	it('paints a row changed outside ink, and only that row, over the frame on screen', () => {
		const {term, w} = writer();
		w.frames.write('head\ncpu 40%\ntail');
		term.chunks = [];
		expect(w.patch(w.generation(), new Map([[1, 'cpu 41%']]))).toBe(true);
		expect(term.output).toBe(at(2, 'cpu 41%'));
		term.chunks = [];
		// The same text again paints nothing; a row is cut at the terminal's edge as ink's lines are.
		expect(w.patch(w.generation(), new Map([[1, 'cpu 41%'], [2, `${'x'.repeat(90)}`]]))).toBe(true);
		expect(term.output).toBe(`\u001B[3;1H${'x'.repeat(80)}`);
		w.close();
	});

	it('refuses rows composed for a frame ink has replaced since: the new frame stands, a dialog included', () => {
		const {term, w} = writer();
		w.frames.write('head\ncpu 40%\ntail');
		const base = w.generation();
		w.frames.write('head\n┌ Halt DEP-1 ┐\ntail');
		term.chunks = [];
		expect(w.patch(base, new Map([[1, 'cpu 41%']]))).toBe(false);
		expect(term.output).toBe('');
		w.flush();
		expect(term.output).toBe('');
		w.close();
	});

	it('drops the rows it painted when ink writes its next frame (a change of shape), which is painted whole where it differs', () => {
		const {term, w} = writer();
		w.frames.write('head\ncpu 40%\ntail');
		w.patch(w.generation(), new Map([[1, 'cpu 41%']]));
		term.chunks = [];
		w.frames.write('head\ncpu 40%\nhalted');
		// The screen showed the painted row: the frame's own row is painted back, with the row that changed.
		expect(term.output).toBe(`${at(2, 'cpu 40%')}${at(3, 'halted')}`);
		w.close();
	});

	it('refuses rows composed before a resize, and paints nothing until ink lays the frame out for the new size', () => {
		const {term, w} = writer();
		w.frames.write('head\ncpu 40%');
		const base = w.generation();
		term.chunks = [];
		term.resize(60, 20);
		expect(w.patch(base, new Map([[1, 'cpu 41%']]))).toBe(false);
		expect(w.patch(w.generation(), new Map([[1, 'cpu 41%']]))).toBe(false);
		expect(term.output).toBe('');
		w.frames.write('head\ncpu 40%');
		expect(term.output).toBe(`${CLEAR}${at(1, 'head')}${at(2, 'cpu 40%')}`);
		w.close();
	});

	it('paints rows in the same slots as frames, at most maxFps times a second, the newest text winning', () => {
		vi.useFakeTimers();
		let t = 0;
		const term = new FakeTtyOut(80, 24);
		const w = createScreenWriter(term as unknown as NodeJS.WriteStream, {maxFps: 10, now: () => t});
		w.frames.write('a\nb');
		term.chunks = [];
		t = 10;
		w.patch(w.generation(), new Map([[1, 'b1']]));
		w.patch(w.generation(), new Map([[1, 'b2']]));
		expect(term.output).toBe('');
		t = 100;
		vi.advanceTimersByTime(90);
		expect(term.output).toBe(at(2, 'b2'));
		w.close();
	});
});
