import {cleanup} from 'ink-testing-library';
import {afterEach, describe, expect, it} from 'vitest';
import {frameOf, KEY, press, waitForFrame, type Rendered} from './helpers/ink.js';
import {mount} from './helpers/mount.js';

afterEach(() => cleanup());

const SIZES = [
	{columns: 80, rows: 24},
	{columns: 120, rows: 50},
];

function withinBudget(r: Rendered, size: {columns: number; rows: number}, screen: string) {
	const lines = frameOf(r).split('\n');
	expect(lines.length, `${screen} at ${size.columns}×${size.rows}`).toBeLessThanOrEqual(size.rows - 1);
	for (const line of lines) expect(line.length, `${screen}: ${line}`).toBeLessThanOrEqual(size.columns);
}

describe('the height budget (never taller than rows − 1) with 60 deployments', () => {
	it.each(SIZES)('holds on every screen at $columns×$rows', async size => {
		const {r, fx} = await mount({fillers: 55, size});
		const check = (screen: string) => withinBudget(r, size, screen);
		check('list');
		await press(r, 'G');
		await waitForFrame(r, f => (f.split('\n').find(l => l.startsWith('›')) ?? '').includes(fx.dep.rolledBack));
		check('list bottom');
		await press(r, 'g', KEY.down, KEY.down, KEY.down, KEY.enter);
		await waitForFrame(r, /^Metrics/m);
		check('detail');
		await press(r, 'G');
		await waitForFrame(r, 'Recent audit events');
		check('detail bottom');
		for (const [key, title] of [
			['h', 'Halt'],
			['P', 'Force promotion'],
			['r', 'Roll back'],
			['p', 'Promote'],
		]) {
			await press(r, key!);
			const opened = await waitForFrame(r, f => f.includes(title!) || f.includes('✗'));
			if (opened.includes(title!)) {
				check(`${title} dialog`);
				await press(r, KEY.esc);
			}
		}
		await press(r, KEY.esc, '2');
		await waitForFrame(r, 'LEASE ');
		check('leases');
		await press(r, 'c');
		await waitForFrame(r, 'Cosign');
		check('cosign dialog');
		await press(r, KEY.esc, '3');
		await waitForFrame(r, 'TIME (UTC)');
		await waitForFrame(r, /^› +\d+/m);
		check('audit');
		await press(r, '?');
		await waitForFrame(r, 'Keys');
		check('help');
	});
});
