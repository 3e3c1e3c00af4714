import {cleanup} from 'ink-testing-library';
import {afterEach, describe, expect, it} from 'vitest';
import {keymapFor} from '../../src/ui/keymap.js';
import {helpSections, KEYS_WIDTH} from '../../src/ui/views/help-lines.js';
import {frameOf, press, waitForFrame} from './helpers/ink.js';
import {mount} from './helpers/mount.js';

afterEach(() => cleanup());

const sections = helpSections(keymapFor(false));
const HEADINGS = sections.map(s => s.heading);
const MORE = '↓ more below';

/** The help's rows: below the header, the pane tabs and the help's title; above the status line and footer. */
const helpRowsOf = (frame: string) => frame.split('\n').slice(4, -2);

interface Read {
	heading?: string;
	keys: string;
	text: string;
}

/**
 * Reads the keys back off the screen, column by column (a column starts where a heading does):
 * each key with its description joined from the lines it wraps over, and the heading above it.
 */
function readHelp(rows: readonly string[]): Read[] {
	const starts = [...new Set(rows.flatMap(l => HEADINGS.flatMap(h => (l.includes(h) ? [l.indexOf(h)] : []))))].sort((a, b) => a - b);
	const out: Read[] = [];
	starts.forEach((x, i) => {
		let heading: string | undefined;
		let last: Read | undefined;
		for (const row of rows) {
			const cell = row.slice(x, starts[i + 1]).trimEnd();
			if (HEADINGS.includes(cell)) {
				heading = cell;
				last = undefined;
			} else if (cell.startsWith(' '.repeat(KEYS_WIDTH)) && last) {
				last.text += ` ${cell.trim()}`;
			} else if (cell.trim() !== '') {
				last = {heading, keys: cell.slice(0, KEYS_WIDTH).trim(), text: cell.slice(KEYS_WIDTH).trim()};
				out.push(last);
			}
		}
	});
	return out;
}

describe('the ? help', () => {
	// At 80×24 the keys no longer fit unscrolled (start, approve and the intents pane joined them):
	// the help scrolls there, as the 60×14 case below proves for any size that does not fit.
	it.each([{columns: 120, rows: 50}])('shows every key whole under its heading at $columns×$rows, within the pane', async size => {
		const {r} = await mount({size});
		await press(r, '?');
		const frame = await waitForFrame(r, 'Esc or ? closes');
		const lines = frame.split('\n');
		expect(lines.length).toBeLessThanOrEqual(size.rows - 1);
		for (const line of lines) expect(line.length, line).toBeLessThanOrEqual(size.columns);
		expect(frame).not.toContain(MORE);
		for (const row of helpRowsOf(frame)) expect(row, 'a description cut short').not.toContain('…');
		const read = readHelp(helpRowsOf(frame));
		const expected = sections.flatMap(s => s.entries.map(e => ({heading: s.heading, keys: e.keys, text: e.text})));
		expect(read.sort((a, b) => a.keys.localeCompare(b.keys))).toEqual(expected.sort((a, b) => a.keys.localeCompare(b.keys)));
	});

	it('scrolls when even two columns do not fit, never leaving a heading at the edge without its keys', async () => {
		const size = {columns: 60, rows: 14};
		const {r} = await mount({size});
		await press(r, '?');
		const top = await waitForFrame(r, MORE);
		expect(top.split('\n').length).toBeLessThanOrEqual(size.rows - 1);
		const aboveHint = helpRowsOf(top).filter(l => l.trim() !== '' && !l.includes(MORE)).at(-1)!;
		expect(HEADINGS).not.toContain(aboveHint.trim());

		await press(r, 'G');
		const end = await waitForFrame(r, f => !f.includes(MORE));
		const last = sections.at(-1)!.entries.at(-1)!;
		expect(helpRowsOf(end).filter(l => l.trim() !== '').at(-1)).toBe(`${last.keys.padEnd(KEYS_WIDTH)}${last.text}`);
		await press(r, 'k');
		await waitForFrame(r, MORE);
		await press(r, 'g');
		await waitForFrame(r, f => helpRowsOf(f)[0] === HEADINGS[0]);
		await press(r, 'j');
		await waitForFrame(r, f => helpRowsOf(f)[0] !== HEADINGS[0] && f.includes(MORE));
		expect(frameOf(r)).toContain('Esc or ? closes');
	});
});
