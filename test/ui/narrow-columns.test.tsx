import {cleanup} from 'ink-testing-library';
import {afterEach, describe, expect, it} from 'vitest';
import {frameOf, KEY, press, selectRow, waitForFrame} from './helpers/ink.js';
import {mount} from './helpers/mount.js';
import {MARKER_WIDTH} from '../../src/ui/components/DenseTable.js';
import {fitCell, fitColumns} from '../../src/ui/model/columns.js';
import {DEPLOYMENT_COLUMNS} from '../../src/ui/views/deployment-rows.js';

afterEach(() => cleanup());

const within = (frame: string, columns: number) => frame.split('\n').filter(l => [...l].length > columns);

describe('columns worth keeping', () => {
	it('titles the samples column samples/needed (not samples/min, read as per minute) within 80 columns', async () => {
		const {r, fx} = await mount({size: {columns: 80, rows: 40}});
		await selectRow(r, fx.dep.holding);
		await press(r, KEY.enter);
		const frame = await waitForFrame(r, /^Metrics/m);
		const title = frame.split('\n').find(l => l.startsWith('Metrics'))!;
		expect(title).toContain('level · samples/needed · recent');
		expect(frame).not.toContain('samples/min');
		expect(frame).toMatch(/^TES .* \d+\/3 /m);
		expect(within(frame, 80)).toEqual([]);
	});

	it('shows an actor whole in the audit pane at 120 columns, and keeps the actor at 80', async () => {
		for (const columns of [120, 80]) {
			const {r, store} = await mount({size: {columns, rows: 30}});
			const id = store.state.deployments.find(d => d.status === 'running')!.id;
			store.external({type: 'canary.halt', actor: 'human:demo-operator', id, reason: 'a reason long enough to fill the rest of any row it is shown in'});
			await press(r, '3');
			const frame = await waitForFrame(r, f => f.includes('human:demo-'));
			expect(frame).toContain('ACTOR');
			if (columns === 120) expect(frame).toMatch(/human:demo-operator +deployment\.halted/);
			expect(within(frame, columns)).toEqual([]);
			r.unmount();
		}
	});

	it('keeps id, service, status and WORST at 60×14, dropping TIER · LEFT and FROM → TO', async () => {
		const {r, fx} = await mount({size: {columns: 60, rows: 14}});
		const frame = frameOf(r);
		const header = frame.split('\n').find(l => l.includes('DEPLOYMENT'))!;
		expect(header).toMatch(/DEPLOYMENT +SERVICE +STATUS +WORST/);
		expect(header).not.toContain('TIER');
		const row = frame.split('\n').find(l => l.includes(fx.dep.holding))!;
		expect(row).toMatch(/payments +holding +WARN tes/);
		expect(within(frame, 60)).toEqual([]);
	});

	it('keeps the service at 80×24 with room for a long name, and the whole tier track', async () => {
		const {r, fx} = await mount({size: {columns: 80, rows: 24}});
		const frame = frameOf(r);
		expect(frame.split('\n').find(l => l.includes('DEPLOYMENT'))).toMatch(/DEPLOYMENT +SERVICE +STATUS +TIER · LEFT +WORST/);
		expect(frame.split('\n').find(l => l.includes(fx.dep.awaiting))).toMatch(/inventory +awaiting promotion \[5\]›25›100 ready +ok/);
		expect(within(frame, 80)).toEqual([]);
		const service = fitColumns(DEPLOYMENT_COLUMNS, 80 - MARKER_WIDTH).find(c => c.id === 'service')!;
		expect(fitCell('payments-ledger', service.width).trimEnd()).toBe('payments-ledger');
	});

	it('drops columns in the order id, status, worst, service outlive: at 80, 60 and below', () => {
		const ids = (columns: number) => fitColumns(DEPLOYMENT_COLUMNS, columns - MARKER_WIDTH).map(c => c.id);
		expect(ids(120)).toEqual(['id', 'service', 'versions', 'status', 'tier', 'worst']);
		expect(ids(80)).toEqual(['id', 'service', 'status', 'tier', 'worst']);
		expect(ids(60)).toEqual(['id', 'service', 'status', 'worst']);
		expect(ids(50)).toEqual(['id', 'status', 'worst']);
	});
});
