import {cleanup} from 'ink-testing-library';
import {afterEach, describe, expect, it} from 'vitest';
import {frameOf, KEY, press, selectRow, waitFor, waitForFrame} from './helpers/ink.js';
import {recorder, trimmed} from './helpers/live-recorder.js';
import {mount, type Mounted} from './helpers/mount.js';

afterEach(() => cleanup());

const SIZE = {columns: 120, rows: 50};

async function openDetail(m: Mounted, id: string) {
	await selectRow(m.r, id);
	await press(m.r, KEY.enter);
	// The detail's audit events are read: nothing in it is still loading.
	await waitForFrame(m.r, f => f.includes('Recent audit events') && !f.includes('loading…'));
}

describe('a live detail painted without ink', () => {
	it('paints a second that moves only its figures without an ink frame, exactly as ink draws that second', async () => {
		const rec = recorder();
		const m = await mount({size: SIZE, props: {screen: rec.screen}});
		rec.attach(m);
		await openDetail(m, m.fx.dep.running);
		const frames = m.r.frames.length;
		m.clock.advance(7000);
		await waitFor(() => rec.shown() !== trimmed(frameOf(m.r)), () => `the ages moved on screen; painted:\n${rec.shown()}`);
		expect(m.r.frames.length).toBe(frames);
		expect(rec.shown()).toMatch(/last reading \d+s ago/);

		// Another console drawn by ink from the same store at the same time shows the same screen.
		const twin = await mount({size: SIZE, store: m.store});
		await openDetail(twin, m.fx.dep.running);
		twin.clock.advance(7000);
		await waitFor(() => trimmed(frameOf(twin.r)) === rec.shown(), () => `ink's frame equal to the painted screen:\n${frameOf(twin.r)}\n---\n${rec.shown()}`);
	});

	it('paints new samples read from the store without an ink frame', async () => {
		const rec = recorder();
		const m = await mount({size: SIZE, props: {screen: rec.screen}});
		rec.attach(m);
		await openDetail(m, m.fx.dep.running);
		const before = m.store.reads;
		const samples = (f: string) => /samples TES .*/.exec(f)?.[0];
		const was = samples(frameOf(m.r));
		m.store.engineCycle();
		await waitFor(() => m.store.reads > before && rec.painted().some(p => [...p.rows.values()].some(t => samples(t) !== undefined && samples(t) !== was)), () => `the new samples painted; on screen:\n${rec.shown()}`);
		expect(samples(frameOf(m.r))).toBe(was);
	});

	it('never paints over a dialog opened on the detail: ink draws every change under it', async () => {
		const rec = recorder();
		const m = await mount({size: SIZE, props: {screen: rec.screen}});
		rec.attach(m);
		await openDetail(m, m.fx.dep.running);
		await press(m.r, 'h');
		await waitForFrame(m.r, 'reason:');
		const frames = m.r.frames.length;
		m.clock.advance(5000);
		m.store.engineCycle();
		await waitFor(() => m.r.frames.length > frames + 2, () => 'ink drawing the dialog again');
		expect(rec.painted()).toEqual([]);
		expect(rec.shown()).toContain('reason:');
		// Back on the detail, its seconds are painted again.
		await press(m.r, KEY.esc);
		await waitForFrame(m.r, f => !f.includes('reason:'));
		m.clock.advance(3000);
		await waitFor(() => rec.painted().length > 0, () => 'a painted second after the dialog closed');
	});

	it('leaves a change of shape to ink: a halt from another process is drawn whole', async () => {
		const rec = recorder();
		const m = await mount({size: SIZE, props: {screen: rec.screen}});
		rec.attach(m);
		await openDetail(m, m.fx.dep.running);
		m.clock.advance(2000);
		await waitFor(() => rec.painted().length > 0, () => 'a painted second');
		await m.store.run({type: 'canary.halt', actor: 'human:bob', id: m.fx.dep.running, reason: 'pager'});
		const frame = await waitForFrame(m.r, 'halted (manual) by human:bob');
		expect(frame).toContain('gate not evaluated: the canary is halted');
		expect(rec.painted()).toEqual([]);
	});
});
