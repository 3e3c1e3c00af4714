import {afterEach, describe, expect, it} from 'vitest';
import {cleanup} from 'ink-testing-library';
import {deploymentView, displayDeep} from '../../src/core/index.js';
import {deploymentActions} from '../../src/core/view/actions.js';
import {frameOf, KEY, lineCount, press, selectRow, type, waitFor, waitForFrame, selectedLine} from './helpers/ink.js';
import {mount} from './helpers/mount.js';

afterEach(() => cleanup());

const depLines = (frame: string) => frame.split('\n').filter(l => /^[› ] DEP-/.test(l));

describe('the deployments list', () => {
	it('shows one dense line per deployment with its tier, time left and worst level, newest first', async () => {
		const {r, fx} = await mount();
		const frame = frameOf(r);
		const lines = depLines(frame);
		expect(lines).toHaveLength(5);
		expect(lines[0]).toContain(fx.dep.running);
		expect(selectedLine(frame)).toContain(fx.dep.running);
		const row = (id: string) => lines.find(l => l.includes(id))!;
		expect(row(fx.dep.running)).toMatch(/checkout +1\.0\.0 → 1\.1\.0 +running +\[5\]›25›100 15m +ok/);
		expect(row(fx.dep.holding)).toMatch(/holding .* WARN tes/);
		expect(row(fx.dep.awaiting)).toMatch(/awaiting promotion +\[5\]›25›100 ready/);
		expect(row(fx.dep.halted)).toContain('halted');
		expect(row(fx.dep.rolledBack)).toContain('rolled back');
	});

	it('fits 40 deployments on a 50-line terminal, and at 80×24 drops columns instead of wrapping', async () => {
		const wide = await mount({fillers: 55, size: {columns: 120, rows: 50}});
		expect(depLines(frameOf(wide.r)).length).toBeGreaterThanOrEqual(40);
		wide.r.unmount();
		const narrow = await mount({fillers: 55, size: {columns: 80, rows: 24}});
		const frame = frameOf(narrow.r);
		expect(frame).not.toContain('FROM → TO');
		expect(frame).toMatch(/DEPLOYMENT +SERVICE +STATUS +TIER · LEFT +WORST/);
		for (const line of frame.split('\n')) expect(line.length).toBeLessThanOrEqual(80);
		expect(depLines(frame)).toHaveLength(17);
	});

	it('moves with j/k and the arrows, g/G to the ends, and keeps the selection in view', async () => {
		const {r, fx} = await mount({fillers: 55, size: {columns: 100, rows: 24}});
		await press(r, 'j');
		await waitForFrame(r, f => selectedLine(f).includes(fx.dep.fillers.at(-1)!));
		await press(r, KEY.down, KEY.down, 'k');
		await waitForFrame(r, f => selectedLine(f).includes(fx.dep.fillers.at(-2)!));
		await press(r, 'G');
		await waitForFrame(r, f => selectedLine(f).includes(fx.dep.rolledBack));
		expect(depLines(frameOf(r)).at(-1)).toContain(fx.dep.rolledBack);
		await press(r, KEY.up);
		await waitForFrame(r, f => selectedLine(f).includes(fx.dep.halted));
		await press(r, 'g', 'k');
		await waitForFrame(r, f => selectedLine(f).includes(fx.dep.running));
	});

	it('filters by id, service or status: Enter keeps the filter, Esc clears it', async () => {
		const {r, fx} = await mount();
		await press(r, '/');
		await type(r, 'pay');
		await waitForFrame(r, f => depLines(f).length === 1 && f.includes(fx.dep.holding));
		await press(r, KEY.enter);
		await waitForFrame(r, 'filter: pay (Esc clears)');
		await press(r, 'j');
		expect(depLines(frameOf(r))).toHaveLength(1);
		await press(r, KEY.esc);
		await waitForFrame(r, f => depLines(f).length === 5 && !f.includes('filter:'));
		await press(r, '/');
		await type(r, 'HALTED');
		await waitForFrame(r, f => depLines(f).length === 1 && f.includes(fx.dep.halted));
		await type(r, 'x');
		await waitForFrame(r, 'no deployment matches the filter');
		await press(r, KEY.esc);
		await waitForFrame(r, f => depLines(f).length === 5);
		await press(r, '/');
		await type(r, fx.dep.awaiting.slice(-3));
		await press(r, KEY.enter);
		await waitForFrame(r, f => depLines(f).length === 1 && selectedLine(f).includes(fx.dep.awaiting));
	});

	it('shows what another process did, with bursts of changes coalesced into few reads', async () => {
		const {r, store, fx} = await mount();
		const reads = store.reads;
		store.external({type: 'canary.halt', actor: 'human:bob', id: fx.dep.running, reason: 'from another terminal'});
		for (let i = 0; i < 5; i++) store.external({type: 'metrics.record', actor: 'agent:ci-bot', id: fx.dep.holding, sample: {cpu: 50}});
		await waitForFrame(r, f => /DEP-\S+ +checkout .* halted/.test(f));
		await waitFor(() => store.reads > reads, () => 'a read');
		expect(store.reads - reads).toBeLessThanOrEqual(2);
	});

	it('reflows when the terminal is resized', async () => {
		const {r} = await mount({props: {size: undefined}});
		expect(lineCount(frameOf(r))).toBe(23);
		Object.defineProperty(r.stdout, 'rows', {value: 40, configurable: true});
		r.stdout.emit('resize');
		await waitForFrame(r, f => lineCount(f) === 39);
		Object.defineProperty(r.stdout, 'rows', {value: 10, configurable: true});
		r.stdout.emit('resize');
		await waitForFrame(r, 'terminal too small: 100×10');
		expect(lineCount(frameOf(r))).toBeLessThanOrEqual(9);
	});
});

describe('the deployments list under a ticking engine', () => {
	it('draws nothing for a state it shows the same, draws a visible change at once, and later frames use the newest state', async () => {
		// No clock-driven redraws during the test: every frame below comes from the store.
		const {r, fx, store, clock} = await mount({props: {tickMs: 60_000}});
		// A first visible change as a barrier: once it is drawn, the mount's own frames are over.
		store.external({type: 'canary.halt', id: fx.dep.holding, reason: 'first', actor: 'human:bob'});
		await waitForFrame(r, f => /payments .* halted/.test(f));
		const frames = r.frames.length;
		const reads = store.reads;

		const quietTick = async () => {
			const reads = store.reads;
			store.engineCycle(); // new samples and a tick: nothing the list shows
			await waitFor(() => store.reads > reads, () => 'the console reading the tick');
		};
		await quietTick();
		store.external({type: 'canary.halt', id: fx.dep.awaiting, reason: 'second', actor: 'human:bob'});
		await waitForFrame(r, f => depLines(f).filter(l => l.includes('halted')).length === 3);
		expect(r.frames.length).toBe(frames + 1);

		// A frame drawn for another reason (a key) draws from the newest state, read quietly: the
		// running canary had 4 samples in its window when the last frame was drawn; this cycle adds one.
		clock.advance(1000);
		await quietTick();
		await press(r, KEY.enter);
		await waitForFrame(r, /samples TES 5 · .*\(3 needed each\)/);
	});

	it('acts on a state it did not draw as on one it drew: a refusal says the bake as the newest tick left it', async () => {
		const {r, fx, store, clock} = await mount({props: {tickMs: 60_000}});
		await selectRow(r, fx.dep.running);
		const tick = async () => {
			const reads = store.reads;
			clock.advance(1000);
			store.engineCycle();
			await waitFor(() => store.reads > reads, () => 'the console reading the tick');
		};
		// The payments canary recovers from its warning within a few ticks: drawn, as it should be.
		const recovered = (f: string) => /payments .* running .* ok/.test(f);
		for (let i = 0; i < 10 && !recovered(frameOf(r)); i++) await tick();
		await waitForFrame(r, recovered);
		await tick();
		const frames = r.frames.length;
		for (let i = 0; i < 3; i++) await tick();
		// Only the seconds of the bake moved: nothing on the list did.
		expect(r.frames.length).toBe(frames);
		const running = store.state.deployments.find(d => d.id === fx.dep.running)!;
		const why = deploymentActions(displayDeep(deploymentView(store.state, running, clock.now()))).promote.why;
		const bake = /bake: [^;]* left/.exec(why)?.[0];
		expect(bake).toBeDefined();
		await press(r, 'p');
		await waitForFrame(r, f => f.includes(bake!));
	});
});
