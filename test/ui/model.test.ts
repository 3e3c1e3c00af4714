import {afterEach, describe, expect, it, vi} from 'vitest';
import {DEFAULT_THRESHOLDS} from '../../src/core/index.js';
import {maxOffset, visibleBlocks, type Block} from '../../src/ui/model/blocks.js';
import {createCoalescer} from '../../src/ui/model/coalesce.js';
import {fitColumns, scrollTop, type Column} from '../../src/ui/model/columns.js';
import {createEscapeGuard} from '../../src/ui/model/escape-guard.js';
import {coarseDuration, gauge, GAUGE, sparkline, tierSteps} from '../../src/ui/model/format.js';
import {tierViews} from '../../src/core/view/tiers.js';
import {tierTrack} from '../../src/cli/render/status.js';
import {layoutFor} from '../../src/ui/model/screen.js';
import {DATA_GRACE_MS, drawTime, nextTickMs} from '../../src/ui/model/ticks.js';

describe('column fitting', () => {
	const cols: Column[] = [
		{id: 'a', title: 'A', min: 10, priority: 1},
		{id: 'b', title: 'B', min: 10, max: 20, priority: 3},
		{id: 'c', title: 'C', min: 10, max: 14, priority: 2},
	];
	it('keeps every column when they fit and grows the flexible ones by priority', () => {
		expect(fitColumns(cols, 40).map(c => [c.id, c.width])).toEqual([
			['a', 10],
			['b', 14],
			['c', 14],
		]);
	});
	it('drops the highest priority number first when the width is short', () => {
		expect(fitColumns(cols, 25).map(c => c.id)).toEqual(['a', 'c']);
		expect(fitColumns(cols, 12).map(c => c.id)).toEqual(['a']);
	});
	it('widens a column with a grow order before those of lower priority number, and still drops it by priority', () => {
		const early = cols.map(c => (c.id === 'b' ? {...c, grow: 0} : c));
		expect(fitColumns(early, 40).map(c => [c.id, c.width])).toEqual([
			['a', 10],
			['b', 18],
			['c', 10],
		]);
		expect(fitColumns(early, 25).map(c => c.id)).toEqual(['a', 'c']);
	});
	it('never drops priority 0', () => {
		expect(fitColumns([{id: 'm', title: '', min: 50, priority: 0}], 10).map(c => c.id)).toEqual(['m']);
	});
});

describe('list scrolling', () => {
	it('moves the window as little as needed to keep the selection in view', () => {
		expect(scrollTop(0, 5, 10, 100)).toBe(0);
		expect(scrollTop(0, 10, 10, 100)).toBe(1);
		expect(scrollTop(30, 25, 10, 100)).toBe(25);
		expect(scrollTop(95, 99, 10, 100)).toBe(90);
		expect(scrollTop(40, 3, 10, 5)).toBe(0);
	});
});

describe('layout budget', () => {
	it('never plans more than rows − 1 lines, and fits 40 list rows on a 50-line terminal', () => {
		for (const rows of [14, 24, 50, 80]) {
			const l = layoutFor({columns: 100, rows});
			expect(l.budget).toBe(rows - 1);
			expect(l.pane + 5).toBe(l.budget);
		}
		expect(layoutFor({columns: 120, rows: 50}).listRows).toBeGreaterThanOrEqual(40);
		expect(layoutFor({columns: 80, rows: 24}).tooSmall).toBe(false);
		expect(layoutFor({columns: 50, rows: 24}).tooSmall).toBe(true);
	});
});

describe('formatting', () => {
	it('draws a sparkline of the last values, scaled to the series', () => {
		expect(sparkline([1, 2, 3, 4, 5, 6, 7, 8], 8)).toBe('▁▂▃▄▅▆▇█');
		expect(sparkline([0, 100, 50], 2)).toBe('█▁');
		expect(sparkline([5, 5, 5], 5)).toBe('▁▁▁');
		expect(sparkline([], 5)).toBe('');
	});

	it('draws a gauge whose marks show where warning and critical are, readable without colour', () => {
		const ok = gauge('above', 55, DEFAULT_THRESHOLDS.cpu, 20);
		expect(ok).toHaveLength(20);
		expect(ok.indexOf(GAUGE.warning)).toBeLessThan(ok.indexOf(GAUGE.critical));
		const fill = (s: string) => [...s].filter(c => c === GAUGE.fill).length;
		const past = gauge('above', 130, DEFAULT_THRESHOLDS.cpu, 20);
		expect(fill(past)).toBeGreaterThan(fill(ok));
		// TES is a drop: a gain fills nothing, a deep drop fills past the critical mark.
		expect(fill(gauge('below', 1.5, DEFAULT_THRESHOLDS.tesDelta, 20))).toBe(0);
		const drop = gauge('below', -6, DEFAULT_THRESHOLDS.tesDelta, 20);
		expect(drop.lastIndexOf(GAUGE.fill)).toBeGreaterThan(drop.indexOf(GAUGE.critical));
	});

	it('shows list countdowns in minutes until the last minute, an upper bound said as one', () => {
		expect(coarseDuration(14 * 60_000 + 5_000)).toBe('<15m');
		expect(coarseDuration(98_000)).toBe('<2m');
		expect(coarseDuration(61_000)).toBe('<2m');
		expect(coarseDuration(15 * 60_000)).toBe('15m');
		expect(coarseDuration(60_000)).toBe('1m');
		expect(coarseDuration(59_000)).toBe('59s');
		expect(coarseDuration(2 * 3_600_000 + 30 * 60_000 + 10_000)).toBe('2h 30m');
	});

	it('brackets the current tier', () => {
		expect(
			tierSteps([
				{percent: 5, state: 'done'},
				{percent: 25, state: 'current'},
				{percent: 100, state: 'pending'},
			]),
		).toBe('5›[25]›100');
	});

	it('marks the tier a rollback took the traffic back from, never as the current one', () => {
		for (const status of ['rolling_back', 'rolled_back', 'rollback_failed'] as const) {
			expect(tierSteps(tierViews({tiers: [5, 25, 100], tierIndex: 1, status}))).toBe('5›[25↺]›100');
		}
		expect(tierSteps(tierViews({tiers: [5, 25, 100], tierIndex: 1, status: 'halted'}))).toBe('5›[25]›100');
		expect(tierTrack({tiers: tierViews({tiers: [5, 25, 100], tierIndex: 0, status: 'rolled_back'})})).toBe('5%↺ 25%· 100%·');
	});
});

describe('detail blocks', () => {
	const blocks: Block[] = [
		{key: 'a', height: 1, node: null},
		{key: 'table', height: 5, node: null},
		{key: 'b', height: 1, node: null},
		{key: 'c', height: 1, node: null},
	];
	const shown = (v: ReturnType<typeof visibleBlocks>) => v.visible.map(s => `${s.block.key}:${s.rows}`);
	it('starts on a whole block and fills the pane up to a "more" line, cutting the block at the edge', () => {
		expect(visibleBlocks(blocks, 0, 8)).toEqual({visible: blocks.map(block => ({block, rows: block.height})), more: false});
		const cut = visibleBlocks(blocks, 0, 6);
		expect(shown(cut)).toEqual(['a:1', 'table:4']);
		expect(cut.more).toBe(true);
		expect(shown(visibleBlocks(blocks, 1, 7))).toEqual(['table:5', 'b:1', 'c:1']);
	});
	it('stops scrolling once the rest fits, and never past the last block', () => {
		expect(maxOffset(blocks, 7)).toBe(1);
		expect(maxOffset(blocks, 100)).toBe(0);
		expect(maxOffset(blocks, 2)).toBe(2);
		expect(maxOffset([{key: 'tall', height: 9, node: null}], 4)).toBe(0);
		expect(maxOffset([], 4)).toBe(0);
	});
	it('says "more" exactly at the offsets before the last one, with every row of the pane in use', () => {
		const heights = [1, 1, 7, 1, 11, 1, 3, 1, 1, 2, 1];
		const many: Block[] = heights.map((height, i) => ({key: String(i), height, node: null}));
		for (const height of [4, 8, 12, 20, 40]) {
			const max = maxOffset(many, height);
			for (let offset = 0; offset <= max; offset++) {
				const {visible, more} = visibleBlocks(many, offset, height);
				const used = visible.reduce((n, s) => n + s.rows, 0);
				expect(more, `offset ${offset} of ${max} at height ${height}`).toBe(offset < max);
				expect(used + (more ? 1 : 0), `rows used at offset ${offset}, height ${height}`).toBe(more ? height : heights.slice(offset).reduce((a, b) => a + b, 0));
			}
		}
	});
});

describe('the split escape sequence guard', () => {
	const key = (escape = false, meta = escape) => ({escape, meta});
	it('swallows "[A" right after a lone Esc, but lets the Esc itself through', () => {
		let t = 0;
		const guard = createEscapeGuard(() => t);
		expect(guard.drop('', key(true))).toBe(false);
		t += 5;
		expect(guard.drop('[A', key())).toBe(true);
	});
	it('swallows the tail when it comes in pieces: "[" then "A"', () => {
		let t = 0;
		const guard = createEscapeGuard(() => t);
		guard.drop('', key(true));
		expect(guard.drop('[', key())).toBe(true);
		t += 5;
		expect(guard.drop('A', key())).toBe(true);
		expect(guard.drop('j', key())).toBe(false);
	});
	it('swallows a flushed "ESC [" (meta "[") and the rest after it', () => {
		const guard = createEscapeGuard(() => 0);
		expect(guard.drop('[', key(false, true))).toBe(true);
		expect(guard.drop('B', key())).toBe(true);
	});
	it('lets ordinary keys through after the window, and always swallows terminal replies', () => {
		let t = 0;
		const guard = createEscapeGuard(() => t, 100);
		guard.drop('', key(true));
		t += 500;
		expect(guard.drop('O', key())).toBe(false);
		expect(guard.drop('[1;5A', key())).toBe(true);
		expect(guard.drop('[I', key())).toBe(true);
		expect(guard.drop('h', key())).toBe(false);
	});
});

describe('change coalescing', () => {
	afterEach(() => {
		vi.useRealTimers();
	});
	it('folds a burst of notices into one flush that covers all of them', () => {
		vi.useFakeTimers();
		const flushes: unknown[] = [];
		const c = createCoalescer(100, what => flushes.push(what));
		c.push({state: true, audit: false, metrics: false});
		c.push({state: false, audit: true, metrics: false});
		c.push({state: false, audit: false, metrics: true});
		expect(flushes).toEqual([]);
		vi.advanceTimersByTime(100);
		expect(flushes).toEqual([{state: true, audit: true, metrics: true}]);
		c.push({state: true, audit: false, metrics: false});
		c.cancel();
		vi.advanceTimersByTime(500);
		expect(flushes).toHaveLength(1);
	});
});

describe('clock-driven redraws', () => {
	const at = Date.parse('2026-11-25T10:00:17.250Z');
	it('wake on the next wall-clock minute while every list countdown shows minutes', () => {
		expect(nextTickMs(at, {seconds: false, countdowns: [10 * 60_000, 30 * 60_000]})).toBe(42_750);
		expect(nextTickMs(at, {seconds: false, countdowns: []})).toBe(42_750);
	});
	it('wake when a countdown enters its last minute, then every second', () => {
		expect(nextTickMs(at, {seconds: false, countdowns: [60_000 + 5_000]})).toBe(5_000);
		expect(nextTickMs(at, {seconds: false, countdowns: [30_000]})).toBe(750);
		// Seconds on screen: a second after this frame, whenever it was drawn.
		expect(nextTickMs(at, {seconds: true, countdowns: []})).toBe(1000);
	});
	it('wait a little longer than a second after a frame drawn for fresh data, so that the next data frame is also the clock frame', () => {
		// An engine's samples come 1.05 to 1.2 s apart: the clock frame a second after each fell just before the next.
		expect(nextTickMs(at, {seconds: true, countdowns: [], fresh: true})).toBe(1000 + DATA_GRACE_MS);
		expect(DATA_GRACE_MS).toBeGreaterThanOrEqual(250);
		expect(nextTickMs(at, {seconds: true, countdowns: [], fresh: true, expiries: [at + 1_100]})).toBe(1_100);
		expect(nextTickMs(at, {seconds: false, countdowns: [], fresh: true})).toBe(42_750);
	});
	it('wake when a message is due to leave the screen, and not for one already gone', () => {
		expect(nextTickMs(at, {seconds: false, countdowns: [10 * 60_000], expiries: [at + 4_000]})).toBe(4_000);
		expect(nextTickMs(at, {seconds: true, countdowns: [], expiries: [at + 300]})).toBe(300);
		expect(nextTickMs(at, {seconds: true, countdowns: [], expiries: [at + 4_000]})).toBe(1000);
		expect(nextTickMs(at, {seconds: false, countdowns: [], expiries: [at - 1, at]})).toBe(42_750);
	});
	it('draw list countdowns at the start of the minute, exactly in the last one', () => {
		expect(drawTime(at, at + 10 * 60_000)).toBe(Date.parse('2026-11-25T10:00:00Z'));
		expect(drawTime(at, at + 30_000)).toBe(at);
		expect(drawTime(at, undefined)).toBe(Date.parse('2026-11-25T10:00:00Z'));
	});
});
