import {describe, expect, it} from 'vitest';
import {json, lastUsedRow, sandbox, selected, SIZE, useTerminal} from './tmux.js';

const terminal = useTerminal('console-live');
const {tmux, keys, open, waitScreen, session: SESSION} = terminal;

/** The bake line's elapsed time (`bake 12s of 1h`): it moves every second while the detail is open. */
const bakeOf = (s: string) => /^bake (.+?) of /m.exec(s)?.[1];
/** The document's revision: every engine cycle writes it. */
const rev = (box: ReturnType<typeof sandbox>) => json<{rev: number}>(box, 'canary', 'list').rev;

async function revPast(box: ReturnType<typeof sandbox>, past: number) {
	const deadline = Date.now() + 15_000;
	while (rev(box) <= past) {
		if (Date.now() > deadline) throw new Error(`the engine never wrote past revision ${past}`);
		await new Promise(r => setTimeout(r, 100));
	}
}

describe('a live detail on a terminal (its figures painted without ink each second)', () => {
	it('moves its figures with the rest of the screen whole, never paints over a dialog, and is whole again after a resize', async () => {
		const box = sandbox();
		open(box, ['ui']);
		const list = await waitScreen(x => /^› DEP-/m.test(x), 'the list');
		const id = /DEP-\d{8}-\d+/.exec(selected(list))![0];
		keys('Enter');
		const first = await waitScreen(x => bakeOf(x) !== undefined, 'the detail');
		const moved = await waitScreen(x => bakeOf(x) !== bakeOf(first), 'the bake moving on');
		const lines = (s: string) => s.split('\n');
		// The title, the tabs and the footer stand as ink drew them (the counts by status may move); nothing reaches the last row.
		expect([lines(moved)[0], lines(moved)[2]]).toEqual([lines(first)[0], lines(first)[2]]);
		expect(lines(moved)[SIZE.rows - 2]).toBe(lines(first)[SIZE.rows - 2]);
		expect(lastUsedRow(moved)).toBeLessThanOrEqual(SIZE.rows - 1);

		// A dialog over the detail: the engine writes on, and nothing of the detail lands on the dialog.
		keys('h');
		await waitScreen(x => x.includes(`Halt ${id}`) && x.includes('reason:'), 'the halt dialog');
		await revPast(box, rev(box) + 2);
		const under = terminal.screen();
		expect(under).toContain(`Halt ${id}`);
		expect(under).not.toMatch(/last reading|^bake /m);

		// Back on the detail, its figures move again; after a resize it is whole at the new size.
		keys('Escape');
		const back = await waitScreen(x => bakeOf(x) !== undefined && !x.includes('reason:'), 'the detail again');
		await waitScreen(x => bakeOf(x) !== bakeOf(back), 'the bake moving on again');
		tmux('resize-window', '-t', SESSION, '-x', '80', '-y', '24');
		const narrow = await waitScreen(x => bakeOf(x) !== undefined && lines(x).every(l => l.length <= 80) && lastUsedRow(x) <= 23, 'the detail at 80×24');
		expect(lines(narrow)[0]).toMatch(/^calyx target simulated engine /);
		expect(lines(narrow).filter(l => l.includes('1 Deployments'))).toHaveLength(1);
		await waitScreen(x => bakeOf(x) !== bakeOf(narrow) && lines(x)[0] === lines(narrow)[0], 'the bake moving on at 80×24');
	});
});
