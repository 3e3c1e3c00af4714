import {cleanup} from 'ink-testing-library';
import {afterEach, describe, expect, it} from 'vitest';
import {demandWords} from '../../src/core/risk-plan.js';
import {press, readToEnd, selectRow, waitForFrame} from './helpers/ink.js';
import {mount} from './helpers/mount.js';

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
