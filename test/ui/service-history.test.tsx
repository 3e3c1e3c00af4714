import {cleanup} from 'ink-testing-library';
import {afterEach, describe, expect, it} from 'vitest';
import {frameOf, KEY, press, selectRow, waitForFrame} from './helpers/ink.js';
import {signedLease} from './helpers/leases.js';
import {mount} from './helpers/mount.js';

afterEach(() => cleanup());

const rowOf = (f: string, id: string) => f.split('\n').find(l => l.includes(id)) ?? '';

describe('the service history from the list', () => {
	it('opens the selected deployment\'s service history (outcome, reach, signers, why) and goes back with Esc', async () => {
		const {r, fx} = await mount();
		await selectRow(r, fx.dep.rolledBack);
		await press(r, 'H');
		const shown = await waitForFrame(r, f => f.includes('History of ledger') && f.includes(fx.dep.rolledBack));
		expect(rowOf(shown, fx.dep.rolledBack)).toMatch(/rolled back +reached 5% of 5\/25\/100 +ended /);
		expect(shown).toContain('signed human:alice, agent:ci-bot');
		expect(shown).toContain('why: rollback (manual, verified): bad migration');
		await press(r, KEY.esc);
		await waitForFrame(r, f => !f.includes('History of') && f.includes('DEPLOYMENT'));
	});
});

describe('the service history from the detail', () => {
	it('opens over the detail, scrolls with j when it is taller than the pane, and Esc goes back to the detail', async () => {
		const m = await mount({size: {columns: 100, rows: 14}});
		const {r, store} = m;
		// Three of one service's deployments, each rolled back: three lines each, more than the pane holds.
		store.fleet.addService('orders', '1.0.0');
		let last = '';
		for (let i = 0; i < 3; i++) {
			const leaseId = signedLease(m, 'orders');
			last = store.external<{id: string}>({type: 'canary.start', actor: 'human:bob', leaseId, reading: store.readingFor(leaseId)}).result.id;
			store.external({type: 'rollback', actor: 'human:bob', id: last, reason: `try ${i}`});
		}
		await waitForFrame(r, last);
		await selectRow(r, last);
		await press(r, KEY.enter);
		await waitForFrame(r, f => f.includes('Esc back') && !f.includes('DEPLOYMENT '));
		await press(r, 'H');
		const top = await waitForFrame(r, f => f.includes('History of orders') && f.includes('why: rollback (manual, verified): try 2'));
		expect(top).not.toContain('try 0');
		for (let i = 0; i < 9 && !frameOf(r).includes('try 0'); i++) {
			const before = frameOf(r);
			await press(r, 'j');
			await waitForFrame(r, f => f !== before);
		}
		expect(frameOf(r)).toContain('why: rollback (manual, verified): try 0');
		await press(r, KEY.esc);
		await waitForFrame(r, f => !f.includes('History of') && f.includes('Esc back'));
	});
});
