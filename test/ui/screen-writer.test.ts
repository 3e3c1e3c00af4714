import {afterEach, describe, expect, it, vi} from 'vitest';
import {createScreenWriter, paintDiff} from '../../src/ui/screen-writer.js';
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
