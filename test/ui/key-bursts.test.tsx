import {cleanup} from 'ink-testing-library';
import {afterEach, describe, expect, it} from 'vitest';
import {frameOf, KEY, press, readToEnd, selectedLine, settled, type, waitForFrame, type Rendered} from './helpers/ink.js';
import {mount} from './helpers/mount.js';

afterEach(() => cleanup());

const depIds = (frame: string) => frame.split('\n').flatMap(l => /^[› ] (DEP-\S+)/.exec(l)?.[1] ?? []);
const DETAIL = /^Metrics|gate not evaluated/m;
// The detail's first line starts with the deployment id and two spaces.
const detailOf = (id: string) => new RegExp(`^${id}  `, 'm');

/** Several keys in one read, the way tmux send-keys or a slow SSH link delivers them. */
const burst = (r: Rendered, keys: string) => r.stdin.write(keys);

describe('several keys in one read', () => {
	it('moves once per key: "jj" moves two rows', async () => {
		const {r} = await mount();
		const ids = depIds(frameOf(r));
		burst(r, 'jj');
		await waitForFrame(r, f => selectedLine(f).includes(ids[2]!));
	});

	it('opens the detail of the row moved to: "j⏎"', async () => {
		const {r} = await mount();
		const ids = depIds(frameOf(r));
		burst(r, 'j\r');
		const frame = await waitForFrame(r, DETAIL);
		expect(frame).toMatch(detailOf(ids[1]!));
	});

	it('scrolls the detail by twelve blocks for twelve j in one read, as twelve presses do', async () => {
		const size = {columns: 80, rows: 24};
		const typed = await mount({size});
		const id = depIds(frameOf(typed.r))[1]!;
		await press(typed.r, 'j', KEY.enter);
		await waitForFrame(typed.r, DETAIL);
		const frames: string[] = [];
		for (let i = 0; i < 12; i++) {
			await press(typed.r, 'j');
			await settled(typed.r);
			frames.push(frameOf(typed.r));
		}
		// Twelve presses still scroll (the twelfth is not clamped at the bottom).
		expect(frames[11]).not.toBe(frames[10]);
		typed.r.unmount();

		const sent = await mount({size});
		await press(sent.r, 'j', KEY.enter);
		await waitForFrame(sent.r, f => detailOf(id).test(f));
		burst(sent.r, 'j'.repeat(12));
		await settled(sent.r);
		expect(frameOf(sent.r)).toBe(frames[11]);
	});

	it('types a burst after / into the filter, and a burst into a dialog field as text', async () => {
		const {r, fx} = await mount();
		burst(r, '/pay');
		await waitForFrame(r, f => depIds(f).length === 1 && f.includes(fx.dep.holding));
		await press(r, KEY.enter, KEY.esc);
		await press(r, 'h');
		await waitForFrame(r, `Halt ${fx.dep.holding}`);
		burst(r, 'jj kk');
		await waitForFrame(r, 'reason: jj kk');
	});

	it('keeps a reason that came in one read with its Enter, without submitting it: Enter on its own does', async () => {
		const {r, store} = await mount();
		await press(r, 'h');
		await waitForFrame(r, 'reason:');
		// Typed blind or pasted without bracketed paste: the text is text, its Enter not a decision.
		burst(r, 'paging storm\r');
		await waitForFrame(r, f => f.includes('reason: paging storm') && f.includes('Enter ignored: it came in one read with other keys'));
		expect(store.runs).toEqual([]);
		await press(r, KEY.enter);
		await waitForFrame(r, '✓ halted');
		expect(store.runs).toMatchObject([{type: 'canary.halt', reason: 'paging storm'}]);
	});

	it('does nothing with a burst that holds a key that acts ("checkout⏎" on the list), and says why', async () => {
		const {r, store} = await mount();
		const before = selectedLine(frameOf(r));
		burst(r, 'checkout\r');
		const frame = await waitForFrame(r, 'c (cosign) ignored: it came in one read with other keys (a paste?) — press it on its own');
		// Not even the moves in it (k) or the Enter that opens the detail happened.
		expect(selectedLine(frame)).toBe(before);
		expect(frame).not.toMatch(DETAIL);
		burst(r, 'jq');
		await waitForFrame(r, 'q (quit) ignored');
		expect(store.runs).toEqual([]);
	});
});

describe('dialogs opened a moment ago', () => {
	it('drop an Enter typed before the reason, saying why, and keep a reason typed 0.3 s after h with its Enter', async () => {
		const wall = {t: 10_000};
		const {r, store, fx} = await mount({props: {wallClock: () => wall.t}});
		await press(r, 'h');
		await waitForFrame(r, `Halt ${fx.dep.running}`);
		await press(r, KEY.enter); // "h Enter" in a burst: blind, and an empty reason anyway
		await waitForFrame(r, 'Enter ignored: typed before the dialog was shown — press it again');
		expect(store.runs).toEqual([]);
		wall.t += 300;
		await type(r, 'paging storm');
		await waitForFrame(r, 'reason: paging storm');
		await press(r, KEY.enter);
		await waitForFrame(r, `✓ halted ${fx.dep.running}`);
		expect(store.runs).toMatchObject([{type: 'canary.halt', reason: 'paging storm'}]);
	});

	it('drop a blind y and Enter in the cosign confirmation, saying so, and confirm on later keys', async () => {
		const wall = {t: 10_000};
		const {r, store} = await mount({props: {wallClock: () => wall.t}});
		await press(r, '2');
		await waitForFrame(r, /\[2 Leases/);
		await press(r, 'c', 'y');
		await waitForFrame(r, 'y ignored: typed before the dialog was shown — press it again');
		await press(r, KEY.enter);
		await waitForFrame(r, 'Enter ignored: typed before the dialog was shown — press it again');
		expect(store.runs).toEqual([]);
		wall.t += 1000;
		await readToEnd(r);
		await press(r, 'y', KEY.enter);
		await waitForFrame(r, '✓ agent key next');
		expect(store.runs).toHaveLength(1);
	});
});

describe('the filter and the selection', () => {
	it('keeps the selection on the same deployment when the filter is applied and cleared', async () => {
		const {r, fx} = await mount();
		await press(r, '/');
		await type(r, 'payments');
		await press(r, KEY.enter);
		await waitForFrame(r, f => f.includes('filter: payments') && selectedLine(f).includes(fx.dep.holding));
		await press(r, KEY.esc);
		await waitForFrame(r, f => !f.includes('filter: payments') && depIds(f).length === 5);
		expect(selectedLine(frameOf(r))).toContain(fx.dep.holding);
		await press(r, 'h');
		await waitForFrame(r, `Halt ${fx.dep.holding}`);
	});

	it('keeps a selected row that still matches, and comes back to the row shown after Esc while typing', async () => {
		const {r} = await mount();
		const ids = depIds(frameOf(r));
		await press(r, 'j', 'j');
		await waitForFrame(r, f => selectedLine(f).includes(ids[2]!));
		await press(r, '/');
		await type(r, 'DEP-2');
		// The filter line shows what was typed: the frame with it is the frame after the last key.
		const typed = await waitForFrame(r, /DEP-2\b/);
		expect(selectedLine(typed)).toContain(ids[2]);
		// Narrowed to one row the selection moves onto it; clearing the filter stays there.
		await type(r, ids[4]!.slice('DEP-2'.length));
		await waitForFrame(r, f => depIds(f).length === 1 && selectedLine(f).includes(ids[4]!));
		await press(r, KEY.esc);
		await waitForFrame(r, f => depIds(f).length === 5);
		expect(selectedLine(frameOf(r))).toContain(ids[4]);
	});
});

describe('a bracketed paste', () => {
	const START = '\u001B[200~';
	const END = '\u001B[201~';

	it('on the list does nothing but say it was ignored', async () => {
		const {r, store} = await mount();
		const before = selectedLine(frameOf(r));
		burst(r, `${START}hello world\r${END}`);
		const frame = await waitForFrame(r, 'paste ignored: pasted text goes only into a text field');
		expect(selectedLine(frame)).toBe(before);
		expect(frame).not.toMatch(/Halt|Roll back|Resume|Promote/);
		expect(store.runs).toEqual([]);
	});

	it('goes into a reason field as text, even with its markers split across reads, and does not submit', async () => {
		const {r, store} = await mount();
		await press(r, 'h');
		await waitForFrame(r, 'reason:');
		await press(r, '\u001B[20', '0~paging\r', 'storm', '\u001B[20', '1~');
		// A key typed after the paste lands after it in the field: the paste is whole, and was not submitted.
		await press(r, '!');
		await waitForFrame(r, 'reason: paging storm!');
		expect(store.runs).toEqual([]);
	});
});
