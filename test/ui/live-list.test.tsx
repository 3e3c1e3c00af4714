import {cleanup} from 'ink-testing-library';
import {afterEach, describe, expect, it, vi} from 'vitest';
import {QUIET_READ_MAX_MS} from '../../src/ui/hooks/use-store-state.js';
import {frameOf, KEY, press, waitFor, waitForFrame} from './helpers/ink.js';
import {recorder, trimmed} from './helpers/live-recorder.js';
import {mount, type Mounted} from './helpers/mount.js';

afterEach(() => {
	cleanup();
	vi.restoreAllMocks();
});

const SIZE = {columns: 120, rows: 50};

/** An engine ticking every 10 s on the console's clock into the next minute, a second past it: the list's countdowns move. */
async function nextMinute(m: Mounted) {
	const end = m.clock.now() - (m.clock.now() % 60_000) + 61_000;
	while (m.clock.now() < end) {
		m.clock.advance(Math.min(10_000, end - m.clock.now()));
		const reads = m.store.reads;
		m.store.engineCycle();
		await waitFor(() => m.store.reads > reads, () => 'the tick read');
	}
}

describe('the deployments list painted without ink', () => {
	it('paints the minute that moves only its countdowns without an ink frame, exactly as ink draws that minute', async () => {
		const rec = recorder();
		const m = await mount({size: SIZE, props: {screen: rec.screen, tickMs: 100}});
		rec.attach(m);
		await waitForFrame(m.r, m.fx.dep.running);
		// In the first minute of ticks the fixture's holding canary resumes: a change of shape, drawn by ink.
		await nextMinute(m);
		await waitForFrame(m.r, 'running 2');
		const first = rec.shown();
		const frames = m.r.frames.length;
		await nextMinute(m);
		await waitFor(() => rec.shown() !== first, () => `the countdowns painted; on screen:\n${rec.shown()}`);
		expect(m.r.frames.length).toBe(frames);
		// Only rows of the list: the header, the tabs and the column titles are ink's.
		const rows = rec.painted().flatMap(p => [...p.rows.keys()]);
		expect(Math.min(...rows)).toBeGreaterThan(3);

		// Another console drawn by ink from the same store at the same time shows the same screen.
		const twin = await mount({size: SIZE, store: m.store, props: {tickMs: 100}});
		twin.clock.advance(m.clock.now() - twin.clock.now());
		await waitForFrame(twin.r, m.fx.dep.running);
		await waitFor(() => trimmed(frameOf(twin.r)) === rec.shown(), () => `ink's frame equal to the painted screen:\n${frameOf(twin.r)}\n---\n${rec.shown()}`);
	});

	it('leaves a change of shape to ink: a halt from another process is drawn whole', async () => {
		const rec = recorder();
		const m = await mount({size: SIZE, props: {screen: rec.screen, tickMs: 100}});
		rec.attach(m);
		await waitForFrame(m.r, m.fx.dep.running);
		await nextMinute(m);
		await waitFor(() => rec.painted().length > 0, () => 'a painted minute');
		await m.store.run({type: 'canary.halt', actor: 'human:bob', id: m.fx.dep.running, reason: 'pager'});
		await waitFor(() => rec.painted().length === 0 && /halted/.test(frameOf(m.r)), () => `the halt drawn by ink:\n${frameOf(m.r)}`);
	});

	it('never paints under the filter or the help: ink draws every change there', async () => {
		const rec = recorder();
		const m = await mount({size: SIZE, props: {screen: rec.screen, tickMs: 100}});
		rec.attach(m);
		await waitForFrame(m.r, m.fx.dep.running);
		await press(m.r, '?');
		await waitForFrame(m.r, f => !f.includes(m.fx.dep.running));
		const frames = m.r.frames.length;
		await nextMinute(m);
		m.store.engineCycle();
		await waitFor(() => m.r.frames.length > frames, () => 'ink drawing the help again');
		expect(rec.painted()).toEqual([]);
		await press(m.r, KEY.esc);
		await waitForFrame(m.r, m.fx.dep.running);
		await nextMinute(m);
		await waitFor(() => rec.painted().length > 0, () => 'a painted minute after the help closed');
	});
});

describe('the state the list held', () => {
	it('is read again at once when the screen changes between the list and a detail, if read whole longer ago than QUIET_READ_MAX_MS', async () => {
		const m = await mount({size: SIZE});
		await waitForFrame(m.r, m.fx.dep.running);
		const detail = (f: string) => f.includes('Recent audit events') && !f.includes('loading…');
		const reads = m.store.reads;
		await press(m.r, KEY.enter);
		await waitForFrame(m.r, detail);
		// Read a moment ago: the detail draws it as it is.
		expect(m.store.reads).toBe(reads);
		await press(m.r, KEY.esc);
		await waitForFrame(m.r, f => !detail(f));
		// The list holds a state up to a minute (heldFresh), a detail the other deployments' while it is open.
		const real = performance.now.bind(performance);
		const later = vi.spyOn(performance, 'now').mockImplementation(() => real() + QUIET_READ_MAX_MS + 60_000);
		await press(m.r, KEY.enter);
		await waitFor(() => m.store.reads > reads, () => 'the state read again for the detail');
		await waitForFrame(m.r, detail);
		const inDetail = m.store.reads;
		later.mockImplementation(() => real() + 2 * (QUIET_READ_MAX_MS + 60_000));
		await press(m.r, KEY.esc);
		await waitFor(() => m.store.reads > inDetail, () => 'the state read again for the list');
	});
});
