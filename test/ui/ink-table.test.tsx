import Module from 'node:module';
import {render} from 'ink-testing-library';
import {describe, expect, it} from 'vitest';
import DetailTable, {fitTableData, tableHeight} from '../../src/ui/components/DetailTable.js';
import {Text} from 'ink';
import type {ReactNode} from 'react';
import {InkTable, loadInkTable} from './helpers/ink-table.js';
import {frameOf, lineCount, waitForFrame} from './helpers/ink.js';

describe('ink-table under ink 6 (the require("ink") interop)', () => {
	it('renders the published ink-table through the ESM ink this process imported', async () => {
		const r = render(<InkTable data={[{role: 'human', key: 'alice'}, {role: 'agent', key: 'ci-bot'}]} />);
		const frame = await waitForFrame(r, 'ci-bot');
		expect(frame).toContain('│ human │ alice  │');
		expect(frame.split('\n')[0]).toMatch(/^┌─+┬─+┐$/);
		r.unmount();
	});

	it('answers only ink-table, only while it loads: the module loader is left as it was', () => {
		const loader = Module as unknown as {_load: unknown};
		const before = loader._load;
		expect(typeof loadInkTable()).toBe('function');
		expect(loader._load).toBe(before);
	});

	it('has the height the detail layout counts on, and never wraps a cell at the given width', async () => {
		const rows = [
			{factor: 'change size', points: '8', detail: 'x'.repeat(200)},
			{factor: 'criticality', points: '15', detail: 'medium-criticality service'},
		];
		const r = render(<DetailTable rows={rows} columns={['factor', 'points', 'detail']} width={60} />);
		const frame = await waitForFrame(r, 'criticality');
		expect(lineCount(frame)).toBe(tableHeight(rows.length));
		for (const line of frame.split('\n')) expect(line.length).toBeLessThanOrEqual(60);
		expect(frameOf(r)).toContain('…');
		expect(fitTableData(rows, ['factor', 'points', 'detail'], 500)).toEqual(rows);
		r.unmount();
	});

	it('draws, line for line, what ink-table drew', async () => {
		const rows = [
			{role: 'agent', key: 'bench-agent', 'signed at': '20:16:46 UTC'},
			{role: 'human', key: 'a-much-longer-key-id', 'signed at': '—'},
		];
		const columns = ['role', 'key', 'signed at'] as const;
		const ours = render(<DetailTable rows={rows} columns={columns} width={120} />);
		const Header = ({children}: {children?: ReactNode}) => <Text bold>{children}</Text>;
		const Skeleton = ({children}: {children?: ReactNode}) => <Text color="gray">{children}</Text>;
		const theirs = render(<InkTable data={rows} columns={[...columns]} padding={1} header={Header} skeleton={Skeleton} />);
		await waitForFrame(ours, 'a-much-longer-key-id');
		await waitForFrame(theirs, 'a-much-longer-key-id');
		expect(frameOf(ours)).toBe(frameOf(theirs));
		expect(lineCount(frameOf(ours))).toBe(tableHeight(rows.length));
		ours.unmount();
		theirs.unmount();
	});
});
