import {describe, expect, it} from 'vitest';
import {listPatch, type ListFrame} from '../../src/ui/model/live-list.js';

const frame = (rows: string[], chrome = 'chrome'): ListFrame => ({chrome, rows, countdowns: [], keys: {}});

describe('the rows a list paints over ink\'s frame', () => {
	it('are every row, so that one painted since and now back to what ink drew is painted back', () => {
		const ink = frame(['a 15m', 'b 15m']);
		const painted = listPatch(ink, frame(['a 14m', 'b 15m']), 4, 120);
		expect([...painted!]).toEqual([[4, 'a 14m'], [5, 'b 15m']]);
		// The same text as ink drew: still painted, over the row painted before.
		expect([...listPatch(frame(['a 14m', 'b 15m']), ink, 4, 120)!]).toEqual([[4, 'a 15m'], [5, 'b 15m']]);
	});

	it('are cut to the width as ink cuts them, and refused when anything but rows changed', () => {
		expect(listPatch(frame(['abcdef']), frame(['abcdefgh']), 4, 5)!.get(4)).toBe('abcd…');
		expect(listPatch(frame(['a']), frame(['a'], 'other'), 4, 120)).toBeUndefined();
		expect(listPatch(frame(['a']), frame(['a', 'b']), 4, 120)).toBeUndefined();
	});
});
