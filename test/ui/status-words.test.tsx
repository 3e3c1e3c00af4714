import {cleanup} from 'ink-testing-library';
import {afterEach, describe, expect, it} from 'vitest';
import {statusWord} from '../../src/core/index.js';
import {frameOf, KEY, press, type, waitForFrame} from './helpers/ink.js';
import {mount} from './helpers/mount.js';

afterEach(() => cleanup());

const depLines = (frame: string) => frame.split('\n').filter(l => /^[› ] DEP-/.test(l));

describe('status names as words', () => {
	it('turns a code into words and leaves a one-word status alone', () => {
		expect(statusWord('awaiting_promotion')).toBe('awaiting promotion');
		expect(statusWord('rolled_back')).toBe('rolled back');
		expect(statusWord('rollback_failed')).toBe('rollback failed');
		expect(statusWord('approved_pending_human')).toBe('approved pending human');
		expect(statusWord('halted')).toBe('halted');
	});

	it('shows words in the list, the header and the detail, never the codes', async () => {
		const {r, fx} = await mount();
		const frame = frameOf(r);
		expect(frame).toContain('awaiting promotion');
		expect(frame).toContain('rolled back');
		expect(frame).not.toMatch(/awaiting_promotion|rolled_back/);
		const row = depLines(frame).find(l => l.includes(fx.dep.rolledBack))!;
		expect(row).toContain('rolled back');
	});

	it('filters by either form: the words shown or the code scripts use', async () => {
		for (const filter of ['rolled back', 'rolled_back', 'awaiting promo', 'awaiting_promotion']) {
			const {r, fx} = await mount();
			await press(r, '/');
			await type(r, filter);
			const want = filter.startsWith('rolled') ? fx.dep.rolledBack : fx.dep.awaiting;
			await waitForFrame(r, f => depLines(f).length === 1 && f.includes(want));
			await press(r, KEY.esc);
			r.unmount();
		}
	});
});
