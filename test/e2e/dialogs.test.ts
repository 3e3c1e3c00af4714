import {spawnSync} from 'node:child_process';
import {describe, expect, it} from 'vitest';
import {BIN, calyx, json, sandbox, scrollDialogToEnd, selected, useTerminal} from './tmux.js';

const terminal = useTerminal('dialogs');
const {keys, open, waitScreen, confirmY, typeField} = terminal;

const SMALL = {columns: 80, rows: 24};

interface Band {
	warning: number;
	critical: number;
}
interface LeaseShow {
	id: string;
	intent: {service: string; fromVersion: string; toVersion: string};
	plan: {thresholds: Record<'tesDelta' | 'errorRate' | 'cpu' | 'memory', Band>};
}

/** Presses y until the dialog refuses it for unread lines (the first may be dropped as typeahead). */
async function refusedY(): Promise<string> {
	for (let attempt = 0; attempt < 10; attempt++) {
		keys('y');
		try {
			return await waitScreen(x => x.includes('✗ scroll to the end first'), 'the y to be refused', 1000);
		} catch {
			// dropped as typeahead: press it again
		}
	}
	throw new Error('the dialog never refused the y');
}

describe('dialogs act only on what the operator saw', () => {
	it('refuses a force-promotion when another process promoted while the dialog was open, saying what changed', async () => {
		const box = sandbox();
		open(box, ['ui']);
		const list = await waitScreen(x => /^› DEP-\d{8}-\d+ .* \[5\]›25›100/m.test(x), 'a canary at 5% selected');
		const id = /DEP-\d{8}-\d+/.exec(selected(list))![0];
		keys('P');
		await waitScreen(x => x.includes(`Force promotion past a hold ${id}`), 'the force-promote dialog');
		await typeField('confirm:', id);
		keys('Enter');
		await waitScreen(x => x.includes('reason:'), 'the reason step');
		// Another process moves the canary on while the operator types the reason.
		calyx(box, 'canary', 'promote', id, '--force', '--reason', 'x');
		await typeField('reason:', 'ship it');
		keys('Enter');
		const refused = await waitScreen(x => x.includes('✗ state changed, review and retry'), 'the refusal');
		expect(refused).toContain('tier 5% → 25%');
		// The dialog closed: acting again means reopening it over the new facts.
		expect(refused).not.toContain('Force promotion past a hold');
		expect(json<{percent: number}>(box, 'canary', 'status', id).percent).toBe(25);
	});

	it('shows the whole lease at 80×24, takes y only once scrolled to the end, and the lease then verifies', async () => {
		const box = sandbox();
		const pending = json<{leases: Array<{id: string; status: string}>}>(box, 'lease', 'list').leases.find(l => l.status === 'pending')!;
		const lease = json<LeaseShow>(box, 'lease', 'show', pending.id);
		open(box, ['ui'], SMALL);
		await waitScreen(x => x.includes('DEPLOYMENT'), 'the console');
		keys('2');
		await waitScreen(x => selected(x).includes(pending.id), 'the waiting lease');
		keys('c');
		const first = await waitScreen(x => x.includes(`Cosign ${pending.id}`) && /↓ \d+ more line/.test(x), 'the cosign dialog, cut');
		expect(first).toContain(`${lease.intent.service} ${lease.intent.fromVersion} → ${lease.intent.toVersion}`);
		// y is refused while part of what is signed has not been on screen.
		const refusal = await refusedY();
		const more = /↓ (\d+) more line/.exec(refusal)![1];
		expect(refusal).toContain(`✗ scroll to the end first (${more} more lines)`);
		expect(refusal).not.toContain('y — Enter to sign');
		const seen = (await scrollDialogToEnd(terminal)).join('\n');
		const t = lease.plan.thresholds;
		for (const [label, cmp, band] of [
			['TES', '<', t.tesDelta],
			['error rate', '>', t.errorRate],
			['CPU', '>', t.cpu],
			['memory', '>', t.memory],
		] as const) {
			expect(seen).toContain(`${label}: warning ${cmp} ${band.warning}% · critical ${cmp} ${band.critical}%`);
		}
		expect(seen).toMatch(/digest +[0-9a-f]{64}/);
		expect(seen).toContain('then        both keys signed: s starts the canary');
		await confirmY('sign');
		keys('Enter');
		await waitScreen(x => x.includes('✓ both keys signed: s starts the canary'), 'the outcome');
		expect(spawnSync(process.execPath, [BIN, '--data', box.data, 'lease', 'verify', pending.id], {env: box.env}).status).toBe(0);
	});
});
