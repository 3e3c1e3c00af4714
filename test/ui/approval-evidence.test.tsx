import {cleanup} from 'ink-testing-library';
import {afterEach, describe, expect, it} from 'vitest';
import {demandWords} from '../../src/core/risk-plan.js';
import {press, readToEnd, selectRow, waitForFrame} from './helpers/ink.js';
import {mount} from './helpers/mount.js';

const rowOf = (f: string, id: string) => f.split('\n').find(l => l.includes(id)) ?? '';

afterEach(() => cleanup());

describe('the lease cosign dialog', () => {
	it('shows beside the risk what the policy demands of a plan at its level, and the second key\'s deadline', async () => {
		const {r, store, fx} = await mount({size: {columns: 120, rows: 40}});
		const lease = store.state.leases.find(l => l.id === fx.lease.agentSigned)!;
		await press(r, '2');
		await waitForFrame(r, /\[2 Leases/);
		await selectRow(r, lease.id);
		await press(r, 'c');
		await readToEnd(r);
		const f = await waitForFrame(r, `Cosign ${lease.id}`);
		expect(f).toContain(`(${lease.risk.level}), not acknowledged · demands ${demandWords(store.state.config.risk.plans[lease.risk.level])}`);
		expect(f).toMatch(/missing +human \(by .+, in 29m 59s, else the lease lapses\)/);
	});
});

describe('the leases pane', () => {
	it("shows the second key's time left once one key signed", async () => {
		const {r, fx} = await mount();
		await press(r, '2');
		await waitForFrame(r, /\[2 Leases/);
		await selectRow(r, fx.lease.agentSigned);
		const f = await waitForFrame(r, 'still needed: a human key within 30m (else the lease lapses)');
		expect(rowOf(f, fx.lease.agentSigned)).toContain('2nd <30m');
	});
});
