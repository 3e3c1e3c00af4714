import {cleanup} from 'ink-testing-library';
import {afterEach, describe, expect, it} from 'vitest';
import {frameOf, KEY, press, selectRow, type, waitForFrame, type Rendered} from './helpers/ink.js';
import {mount} from './helpers/mount.js';

afterEach(() => cleanup());

const PASTE = (text: string) => `\u001B[200~${text}\u001B[201~`;
const rowOf = (f: string, id: string) => f.split('\n').find(l => l.includes(id)) ?? '';
const isMarked = (f: string, id: string) => rowOf(f, id).slice(0, 2).includes('*');

/** Marks each row with Space, one at a time, each mark seen on screen. */
async function mark(r: Rendered, ...ids: string[]) {
	for (const id of ids) {
		await selectRow(r, id);
		await press(r, ' ');
		await waitForFrame(r, f => isMarked(f, id));
	}
}

describe('group actions on marked deployments', () => {
	it('marks rows, halts exactly the marked set after its count is typed, says each outcome, and clears the marks', async () => {
		const {r, store, fx} = await mount();
		const ids = [fx.dep.running, fx.dep.holding, fx.dep.awaiting];
		await mark(r, ...ids);
		expect(frameOf(r)).toContain('3 marked: h halts them, r rolls them back (you type 3); x clears');
		await press(r, 'h');
		const dialog = await waitForFrame(r, 'Halt 3 marked deployments');
		for (const id of ids) expect(dialog).toContain(`• ${id}`);
		expect(dialog).toContain('type 3 (the number of deployments listed) to confirm');
		// A wrong count does nothing but say what to type.
		await type(r, '2');
		await press(r, KEY.enter);
		await waitForFrame(r, '✗ type 3 (the number of deployments listed) to confirm');
		expect(store.runs).toEqual([]);
		await press(r, KEY.backspace);
		await type(r, '3');
		await press(r, KEY.enter);
		await waitForFrame(r, 'reason:');
		await type(r, 'incident 4411');
		await press(r, KEY.enter);
		const done = await waitForFrame(r, /✓ halted 3 of 3 \(GRP-[0-9a-f]+\)/);
		expect(store.runs).toMatchObject([{type: 'group', action: 'halt', reason: 'incident 4411'}]);
		expect([...(store.runs[0] as {ids: string[]}).ids].sort()).toEqual([...ids].sort());
		for (const id of ids) expect(store.state.deployments.find(d => d.id === id)!.status).toBe('halted');
		const group = /GRP-[0-9a-f]+/.exec(done)![0];
		const halted = store.log.filter(e => e.kind === 'deployment.halted' && e.data.group === group).map(e => e.subject);
		expect(halted.sort()).toEqual([...ids].sort());
		await waitForFrame(r, f => ids.every(id => !isMarked(f, id)));
	});

	it('says which were not done when some of the set cannot be acted on, and keeps nothing marked after', async () => {
		const {r, store, fx} = await mount();
		await mark(r, fx.dep.running, fx.dep.halted);
		await press(r, 'h');
		const dialog = await waitForFrame(r, 'Halt 2 marked deployments');
		expect(dialog).toContain(`✗ ${fx.dep.halted}`);
		await type(r, '2');
		await press(r, KEY.enter);
		await waitForFrame(r, 'reason:');
		await type(r, 'storm');
		await press(r, KEY.enter);
		await waitForFrame(r, new RegExp(`✗ halted 1 of 2 \\(GRP-[0-9a-f]+\\); not done: ${fx.dep.halted} \\(\\w+\\); done: ${fx.dep.running}`));
		expect(store.state.deployments.find(d => d.id === fx.dep.running)!.status).toBe('halted');
		await waitForFrame(r, f => !isMarked(f, fx.dep.running) && !isMarked(f, fx.dep.halted));
	});

	it('is refused whole when none of the set can be acted on, and the marks stay for another try', async () => {
		const {r, store, fx} = await mount();
		await mark(r, fx.dep.halted);
		await press(r, 'h');
		await waitForFrame(r, 'Halt 1 marked deployment');
		await type(r, '1');
		await press(r, KEY.enter);
		await waitForFrame(r, 'reason:');
		await type(r, 'storm');
		await press(r, KEY.enter);
		await waitForFrame(r, '✗ refused: halt: none of the 1 deployments could be acted on');
		expect(isMarked(frameOf(r), fx.dep.halted)).toBe(true);
		expect(store.log.filter(e => e.kind === 'group.halt')).toEqual([]);
	});

	it('cannot confirm a set that does not fit on screen whole', async () => {
		const {r, store, fx} = await mount({size: {columns: 60, rows: 14}});
		await mark(r, fx.dep.running, fx.dep.holding, fx.dep.awaiting, fx.dep.halted);
		await press(r, 'h');
		await waitForFrame(r, 'not all 4 fit on screen');
		await type(r, '4');
		await press(r, KEY.enter);
		await waitForFrame(r, 'reason:');
		await type(r, 'storm');
		await press(r, KEY.enter);
		await waitForFrame(r, '✗ the 4 marked deployments do not fit on screen');
		expect(store.runs).toEqual([]);
	});

	it('cancels on Esc and Ctrl-C, takes a pasted count as nothing, and x clears the marks', async () => {
		const {r, store, fx} = await mount();
		await mark(r, fx.dep.running, fx.dep.holding);
		for (const cancel of [KEY.esc, KEY.ctrlC]) {
			await press(r, 'r');
			await waitForFrame(r, 'Roll back 2 marked deployments');
			await press(r, PASTE('2\r'));
			await waitForFrame(r, '✗ paste ignored');
			expect(frameOf(r)).toMatch(/confirm: *\n|confirm: +│/);
			await press(r, KEY.enter);
			await waitForFrame(r, '✗ type 2 (the number of deployments listed) to confirm');
			await press(r, cancel);
			await waitForFrame(r, 'cancelled: nothing was done');
			expect(isMarked(frameOf(r), fx.dep.running)).toBe(true);
		}
		await press(r, 'x');
		await waitForFrame(r, f => f.includes('marks cleared') && !isMarked(f, fx.dep.running) && !isMarked(f, fx.dep.holding));
		// Without marks, h is the selected deployment's own halt again.
		await press(r, 'h');
		await waitForFrame(r, /Halt DEP-/);
		await press(r, KEY.esc);
		expect(store.runs).toEqual([]);
	});

	it('refuses the group when one of it moved on since the dialog opened', async () => {
		const {r, store, fx} = await mount();
		await mark(r, fx.dep.running, fx.dep.holding);
		await press(r, 'h');
		await waitForFrame(r, 'Halt 2 marked deployments');
		store.external({type: 'canary.halt', actor: 'human:bob', id: fx.dep.holding, reason: 'elsewhere'});
		await type(r, '2');
		await press(r, KEY.enter);
		await type(r, 'storm');
		await press(r, KEY.enter);
		await waitForFrame(r, `✗ state changed, review and retry: ${fx.dep.holding} live at`);
		expect(store.runs).toEqual([]);
		expect(store.state.deployments.find(d => d.id === fx.dep.running)!.status).toBe('running');
	});
});
