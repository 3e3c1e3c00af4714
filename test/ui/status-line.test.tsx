import {cleanup} from 'ink-testing-library';
import {afterEach, describe, expect, it} from 'vitest';
import {statusEndsAt} from '../../src/ui/model/console-state.js';
import {KEY, press, selectedLine, selectRow, type, waitForFrame, type Rendered} from './helpers/ink.js';
import {mount, type Mounted} from './helpers/mount.js';

afterEach(() => cleanup());

// An outcome's time, shortened: the console's own wake-up then comes within the test's deadline.
const STATUS_MS = 300;
const REFUSAL_MS = statusEndsAt({tone: 'error', text: '', at: 0}, STATUS_MS);

const statusLine = (frame: string) => frame.split('\n').at(-2) ?? '';

/** Redraws the console at its clock's current time (a store change), and returns that frame. */
async function redrawn({r, store}: Mounted, id: string, service: string): Promise<string> {
	store.external({type: 'canary.halt', id, reason: 'a redraw', actor: 'human:bob'});
	return waitForFrame(r, f => new RegExp(`${service} .* halted`).test(f));
}

const gone = (r: Rendered, text: string) => waitForFrame(r, f => !statusLine(f).includes(text));

describe('the status line', () => {
	it('keeps a message long enough to read, then takes it away by itself when its time is up', async () => {
		// No periodic redraws: only a wake-up the console asks for can take the message away.
		const m = await mount({props: {readonly: true, tickMs: 60_000, statusMs: STATUS_MS}});
		const {r, clock, fx} = m;
		const text = '· read-only: halt is not available';
		await press(r, 'h');
		await waitForFrame(r, f => statusLine(f).includes(text));
		clock.advance(STATUS_MS - 1);
		expect(statusLine(await redrawn(m, fx.dep.awaiting, 'inventory'))).toContain(text);
		clock.advance(1);
		await gone(r, text);
	});

	it('takes the outcome of an action away after the same time', async () => {
		const {r, clock, fx} = await mount({props: {statusMs: STATUS_MS}});
		await press(r, 'h');
		await type(r, 'paging storm');
		await press(r, KEY.enter);
		await waitForFrame(r, f => statusLine(f).includes(`✓ halted ${fx.dep.running}`));
		clock.advance(STATUS_MS);
		await gone(r, '✓ halted');
	});

	it('keeps a refusal past the time of an outcome until the next key, and not forever when no key comes', async () => {
		const m = await mount({props: {tickMs: 60_000, statusMs: STATUS_MS}});
		const {r, clock, fx} = m;
		const refusal = '✗ the gate holds';
		await selectRow(r, fx.dep.holding);
		await press(r, 'p');
		await waitForFrame(r, f => statusLine(f).includes(refusal));
		clock.advance(STATUS_MS);
		expect(statusLine(await redrawn(m, fx.dep.awaiting, 'inventory'))).toContain(refusal);
		// Any key takes it away, and still does what it does.
		await press(r, 'k');
		const moved = await gone(r, refusal);
		expect(selectedLine(moved)).not.toContain(fx.dep.holding);

		await press(r, 'j');
		await waitForFrame(r, f => selectedLine(f).includes(fx.dep.holding));
		await press(r, 'p');
		await waitForFrame(r, f => statusLine(f).includes(refusal));
		clock.advance(REFUSAL_MS - 1);
		expect(statusLine(await redrawn(m, fx.dep.running, 'checkout'))).toContain(refusal);
		clock.advance(1);
		await gone(r, refusal);
	});

	it('keeps a refusal that keys typed blind in the same burst would take away before it was read', async () => {
		const wall = {t: 0};
		const {r, fx} = await mount({props: {wallClock: () => wall.t}});
		const refusal = '✗ the gate holds';
		await selectRow(r, fx.dep.holding);
		// "pk" in one burst: p is refused, and k still moves, but the refusal stays to be read.
		await press(r, 'p', 'k');
		const moved = await waitForFrame(r, f => !selectedLine(f).includes(fx.dep.holding));
		expect(statusLine(moved)).toContain(refusal);
		wall.t += 1000;
		await press(r, 'j');
		const back = await gone(r, refusal);
		expect(selectedLine(back)).toContain(fx.dep.holding);
	});
});
