import {describe, expect, it} from 'vitest';
import {calyx, json, sandbox, scrollDialogToEnd, selected, useTerminal, type Sandbox} from './tmux.js';

const terminal = useTerminal('pipeline');
const {keys, text, open, waitScreen, confirmY, typeField} = terminal;

// The demo's services have live canaries: a new canary on one of them would be refused.
const SERVICE = 'ledger-e2e';

interface IntentRow {
	id: string;
	status: string;
}
interface LeaseRow {
	id: string;
	status: string;
}
interface Status {
	status: string;
	percent: number;
	lease: {id: string};
	halt?: {reason: string; actor: string};
	rollback?: {verified: boolean};
}

// `show`, not `list`: an intent whose deployment ended is in the archive, which `show` reads.
const intentOf = (box: Sandbox, id: string) => json<IntentRow>(box, 'intent', 'show', id);
const leaseOf = (box: Sandbox, id: string) => json<{leases: LeaseRow[]}>(box, 'lease', 'list').leases.find(l => l.id === id)!;
const statusOf = (box: Sandbox, id: string) => json<Status>(box, 'canary', 'status', id);

describe('the whole pipeline from the keyboard', () => {
	it('approves an intent, cosigns and starts its lease, watches, halts and rolls back the canary', async () => {
		const box = sandbox();
		const intent = json<{id: string}>(box, 'intent', 'create', '--service', SERVICE, '--from', '2.0.0', '--to', '2.1.0', '--lines', '40', '--files', '2', '--key', 'demo-agent').id;
		open(box, ['ui']);
		await waitScreen(x => x.includes('DEPLOYMENT'), 'the console');

		// Approve in the intents pane.
		keys('4');
		await waitScreen(x => selected(x).includes(intent) && x.includes('next: a approves it'), 'the new draft, selected');
		keys('a');
		await waitScreen(x => x.includes(`Approve ${intent}`), 'the approve dialog');
		await typeField('reason:', 'e2e review');
		keys('Enter');
		await waitScreen(x => x.includes(`✓ approved ${intent}: issue a lease with calyx lease issue ${intent}`), 'the approval and what comes next');
		expect(intentOf(box, intent).status).toBe('approved_pending_human');

		// A lease, signed by the agent key elsewhere; the human half from the console.
		const lease = json<{id: string}>(box, 'lease', 'issue', intent).id;
		calyx({...box, env: {...box.env, CALYX_KEY: 'demo-agent'}}, 'lease', 'sign', lease);
		expect(leaseOf(box, lease).status).toBe('pending');
		keys('2');
		await waitScreen(x => x.includes('[2 Leases'), 'the leases pane');
		keys('/');
		text(SERVICE);
		// Enter only once the filter shows: an Enter in the same read as typed keys is ignored (a paste?).
		await waitScreen(x => x.includes(`/${SERVICE}`), 'the filter typed');
		keys('Enter');
		await waitScreen(x => selected(x).includes(lease) && /human — +agent ✓/.test(selected(x)), 'the lease, waiting for the human key');
		keys('c');
		await waitScreen(x => x.includes(`Cosign ${lease}`), 'the cosign dialog');
		await scrollDialogToEnd(terminal);
		await confirmY('sign');
		keys('Enter');
		await waitScreen(x => x.includes('✓ both keys signed: s starts the canary'), 'the cosign and what comes next');
		await waitScreen(x => selected(x).includes('signed: s starts'), 'the signed lease, still in the pane');
		expect(leaseOf(box, lease).status).toBe('active');

		// Start: the pre-checks, then the lease id typed.
		keys('s');
		await waitScreen(x => x.includes(`Start a canary from ${lease}`) && x.includes(`✓ service free: no other deployment is live on ${SERVICE}`), 'the start dialog');
		await typeField('confirm:', lease);
		keys('Enter');
		const started = await waitScreen(x => /✓ started DEP-\d{8}-\d+: the engine drives it, Enter to watch/.test(x), 'the start and what comes next');
		const dep = /started (DEP-\d{8}-\d+)/.exec(started)![1]!;
		expect(statusOf(box, dep)).toMatchObject({status: 'running', percent: 5, lease: {id: lease}});
		expect(leaseOf(box, lease).status).toBe('consumed');
		expect(intentOf(box, intent).status).toBe('deploying');

		// Watch it in the detail view, halt it, roll it back.
		keys('Enter');
		await waitScreen(x => x.includes(`› ${dep}`) && x.includes(SERVICE), 'the detail of the new canary');
		keys('h');
		await waitScreen(x => x.includes(`Halt ${dep}`), 'the halt dialog');
		await typeField('reason:', 'e2e halt');
		keys('Enter');
		await waitScreen(x => x.includes(`✓ halted ${dep}: u resumes, r rolls back`), 'the halt and what comes next');
		expect(statusOf(box, dep)).toMatchObject({status: 'halted', halt: {reason: 'e2e halt', actor: 'human:demo-operator'}});
		keys('r');
		await waitScreen(x => x.includes(`Roll back ${dep}`), 'the rollback dialog');
		await typeField('confirm:', dep);
		keys('Enter');
		await waitScreen(x => x.includes('reason:'), 'the reason step');
		await typeField('reason:', 'e2e rollback');
		keys('Enter');
		await waitScreen(x => x.includes(`✓ rolled back ${dep}: target verified against the snapshot`), 'the verified rollback');
		expect(statusOf(box, dep).status).toBe('rolled_back');
		expect(intentOf(box, intent).status).toBe('rolled_back');
	});
});
