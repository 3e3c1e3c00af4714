import {approval} from '../trust.js';
import {cleanup} from 'ink-testing-library';
import {afterEach, describe, expect, it} from 'vitest';
import {cosign} from '../../src/core/index.js';
import {openDialog} from '../../src/ui/model/dialog.js';
import {commandFor, NEXT, successOutcome} from '../../src/ui/model/outcome.js';
import {factChanges, reviewedFacts} from '../../src/ui/model/review.js';
import {FakeStore} from './helpers/fake-store.js';
import {frameOf, KEY, press, readToEnd, selectedLine, selectRow, type, waitForFrame, type Rendered} from './helpers/ink.js';
import {draft, signedLease} from './helpers/leases.js';
import {fixture, mount} from './helpers/mount.js';

afterEach(() => cleanup());

const footerOf = (frame: string) => frame.split('\n').at(-1)!;
const statusOf = (frame: string) => frame.split('\n').at(-2)!;

async function pane(r: Rendered, key: string, title: RegExp) {
	await press(r, key);
	await waitForFrame(r, title);
}

describe('the intents pane', () => {
	it('lists every intent with its status, newest first, and says what the selected one waits for', async () => {
		const m = await mount();
		const id = draft(m, 'billing-v2');
		await pane(m.r, '4', /\[4 Intents 8\]/);
		const frame = await waitForFrame(m.r, 'INTENT');
		expect(selectedLine(frame)).toMatch(new RegExp(`${id} +billing-v2 +1\\.0\\.0 → 2\\.0\\.0 +draft`));
		expect(frame).toMatch(/ledger .* rolled_back/);
		expect(frame).toMatch(/checkout .* deploying/);
		expect(frame).toContain('next: a approves it');
		await selectRow(m.r, 'reports');
		const reports = m.store.state.leases.find(l => l.id === m.fx.lease.agentSigned)!;
		await waitForFrame(m.r, `next: ${reports.id} in 2 leases: ${NEXT.waiting(['human'])}`);
	});

	it('approves the selected draft with a reason: intent.approve, then says to issue a lease', async () => {
		const m = await mount();
		const id = draft(m, 'billing-v2');
		await pane(m.r, '4', /\[4 Intents/);
		expect(footerOf(await waitForFrame(m.r, f => selectedLine(f).includes(id)))).toMatch(/^a approve {2}/);
		await press(m.r, 'a');
		const dialog = await waitForFrame(m.r, `Approve ${id}`);
		expect(dialog).toContain('change billing-v2 1.0.0 → 2.0.0');
		expect(dialog).toContain('then it waits for a lease signed by a human and an agent key');
		await press(m.r, KEY.enter);
		await waitForFrame(m.r, '✗ a reason is required');
		await type(m.r, 'reviewed in CHG-4411');
		await press(m.r, KEY.enter);
		await waitForFrame(m.r, `✓ approved ${id}: issue a lease with calyx lease issue ${id}`);
		expect(m.store.runs).toEqual([{type: 'intent.approve', id, reason: 'reviewed in CHG-4411', keyId: 'alice', signature: expect.any(String), actor: 'human:alice', expectedRev: expect.any(Number)}]);
		expect(m.store.state.intents.find(i => i.id === id)!.status).toBe('approved_pending_human');
		expect(m.store.log.at(-1)).toMatchObject({kind: 'intent.approved', subject: id, reason: 'reviewed in CHG-4411', actor: 'human:alice'});
		await waitForFrame(m.r, f => selectedLine(f).includes('approved_pending_human'));
	});

	it('refuses up front to approve an intent that is not a draft', async () => {
		const m = await mount();
		await pane(m.r, '4', /\[4 Intents/);
		const frame = await waitForFrame(m.r, 'INTENT');
		const id = /INT-\d{8}-\d+/.exec(selectedLine(frame))![0];
		await press(m.r, 'a');
		await waitForFrame(m.r, new RegExp(`✗ ${id} is \\w+: only a draft intent can be approved`));
		expect(frameOf(m.r)).not.toContain('Approve');
		expect(m.store.runs).toEqual([]);
	});

	it('refuses up front to approve with an agent key, or with no key: an approval is a human key\'s signature', async () => {
		for (const [identity, why] of [['agent', 'an approval is signed by a human key, and yours is an agent key'], ['none', 'no signing key loaded: start the console with your human key to approve']] as const) {
			const fx = fixture(0);
			const m = await mount({props: identity === 'agent' ? {identity: fx.keys.agent} : {identity: undefined}});
			const id = draft(m, `svc-${identity}`);
			await pane(m.r, '4', /\[4 Intents/);
			await waitForFrame(m.r, f => selectedLine(f).includes(id));
			await press(m.r, 'a');
			await waitForFrame(m.r, `✗ ${why}`);
			expect(frameOf(m.r)).not.toContain(`Approve ${id}`);
			expect(m.store.runs).toEqual([]);
			m.r.unmount();
		}
	});
});

describe('starting a canary from the leases pane', () => {
	it('keeps a signed lease in the pane, starts it after the pre-checks and the typed id, then selects the new canary', async () => {
		const m = await mount();
		const leaseId = m.fx.lease.agentSigned;
		await pane(m.r, '2', /\[2 Leases 2\]/);
		await selectRow(m.r, leaseId);
		await press(m.r, 'c');
		await waitForFrame(m.r, `Cosign ${leaseId}`);
		await readToEnd(m.r);
		await press(m.r, 'y', KEY.enter);
		await waitForFrame(m.r, `✓ ${NEXT.signed}`);
		const signed = await waitForFrame(m.r, f => selectedLine(f).includes('signed: s starts'));
		expect(signed).toContain(`still needed: nothing: ${NEXT.signed}`);
		await press(m.r, 's');
		// The pre-checks are complete once the dialog's reading of the target is in.
		const dialog = await waitForFrame(m.r, f => f.includes(`Start a canary from ${leaseId}`) && f.includes('✓ target at rest'));
		for (const check of ['intent status', 'service free', 'resource load', 'lease verified', 'risk within policy', 'target version', 'target at rest']) {
			expect(dialog).toContain(`✓ ${check}:`);
		}
		expect(dialog).toContain('sends 5% of traffic to 0.9.0 (tiers 5›25›100)');
		expect(dialog).toContain(`type ${leaseId} exactly to confirm`);
		await type(m.r, leaseId.slice(0, -1));
		await press(m.r, KEY.enter);
		await waitForFrame(m.r, `✗ type ${leaseId} exactly to confirm`);
		expect(m.store.runs.map(c => c.type)).toEqual(['lease.cosign']);
		await type(m.r, leaseId.slice(-1));
		await press(m.r, KEY.enter);
		const started = await waitForFrame(m.r, /✓ started DEP-\d{8}-\d+: the engine drives it, Enter to watch/);
		const dep = /started (DEP-\d{8}-\d+)/.exec(started)![1]!;
		expect(m.store.runs.at(-1)).toMatchObject({type: 'canary.start', leaseId, actor: 'human:alice', reading: m.targets.readings[0]});
		expect(m.targets.readings).toHaveLength(1);
		// The console carried the decision to the target: 5% confirmed, its sanity check run.
		expect(m.targets.settles).toEqual([dep]);
		const live = m.store.state.deployments.find(d => d.id === dep)!;
		expect(live).toMatchObject({leaseId, status: 'running', percent: 5, observed: {generation: 1, sanity: 'passed'}});
		expect(m.store.fleet.read('reports')).toMatchObject({percent: 5, canary: {version: '0.9.0'}});
		// Enter to watch: the new canary is selected in its pane.
		expect(started).toContain('[1 Deployments 6]');
		expect(selectedLine(started)).toContain(dep);
		await press(m.r, KEY.enter);
		await waitForFrame(m.r, `› ${dep}`);
	});

	it('shows a failing pre-check, and refuses to confirm however the id is typed', async () => {
		const m = await mount();
		// checkout has a live canary: a second one on the same service is refused.
		const leaseId = signedLease(m, 'checkout');
		const live = m.fx.dep.running;
		await pane(m.r, '2', /\[2 Leases 3\]/);
		await selectRow(m.r, leaseId);
		await press(m.r, 's');
		const dialog = await waitForFrame(m.r, f => f.includes(`Start a canary from ${leaseId}`) && f.includes('target at rest:') && !f.includes('reading the target'));
		expect(dialog).toContain(`✗ service free: ${live} is running on checkout: finish, roll back or repair it first`);
		expect(dialog).toContain('✓ lease verified: two keys verified: human:bob, agent:ci-bot');
		expect(dialog).toContain('cannot start: a pre-check fails');
		await type(m.r, leaseId);
		await press(m.r, KEY.enter);
		// The target carries the live canary's 5% already: it is not at rest either.
		expect(dialog).toContain('✗ target at rest: the target sends 5% to the canary side already');
		await waitForFrame(m.r, '✗ cannot start: pre-check failed (service free, target version, target at rest)');
		expect(m.store.runs).toEqual([]);
		await press(m.r, KEY.esc);
		await waitForFrame(m.r, 'cancelled: nothing was done');
		expect(m.store.runs).toEqual([]);
	});

	it('refuses up front on a lease that still waits for a key, and says which', async () => {
		const m = await mount();
		await pane(m.r, '2', /\[2 Leases/);
		await selectRow(m.r, m.fx.lease.agentSigned);
		await press(m.r, 's');
		await waitForFrame(m.r, `✗ ${m.fx.lease.agentSigned} still waits for the human key: s starts once both keys signed`);
		expect(frameOf(m.r)).not.toContain('Start a canary');
		expect(m.store.runs).toEqual([]);
	});
});

describe('refusals', () => {
	it('says there is nothing to start or approve when the filter hides every row', async () => {
		const m = await mount();
		for (const [key, title, verb] of [['2', /\[2 Leases/, 'start'], ['4', /\[4 Intents/, 'approve']] as const) {
			await pane(m.r, key, title);
			await press(m.r, '/', ...'zzz', KEY.enter);
			await waitForFrame(m.r, 'filter: zzz');
			await press(m.r, verb[0]!);
			await waitForFrame(m.r, `✗ nothing selected to ${verb}`);
		}
		expect(m.store.runs).toEqual([]);
	});

	it('drops start and approve in read-only mode: not in the footer, and the keys say why', async () => {
		const m = await mount({props: {readonly: true}});
		await pane(m.r, '2', /\[2 Leases/);
		const leases = await waitForFrame(m.r, 'LEASE ');
		expect(footerOf(leases)).not.toContain('start');
		await press(m.r, 's');
		await waitForFrame(m.r, '· read-only: start is not available');
		await pane(m.r, '4', /\[4 Intents/);
		expect(footerOf(await waitForFrame(m.r, 'INTENT'))).not.toContain('approve');
		await press(m.r, 'a');
		await waitForFrame(m.r, '· read-only: approve is not available');
		expect(m.store.runs).toEqual([]);
	});
});

describe('what comes next', () => {
	it('after a cosign with one key: which key is still missing', async () => {
		const m = await mount();
		await pane(m.r, '2', /\[2 Leases/);
		await selectRow(m.r, m.fx.lease.unsigned);
		await press(m.r, 'c');
		await waitForFrame(m.r, `Cosign ${m.fx.lease.unsigned}`);
		await readToEnd(m.r);
		await press(m.r, 'y', KEY.enter);
		await waitForFrame(m.r, `✓ agent key next: CALYX_KEY=ci-bot calyx lease sign ${m.fx.lease.unsigned}`);
	});

	it('after a halt: u resumes, r rolls back', async () => {
		const m = await mount();
		await press(m.r, 'h');
		await waitForFrame(m.r, 'reason:');
		await type(m.r, 'pager');
		await press(m.r, KEY.enter);
		const frame = await waitForFrame(m.r, `✓ halted ${m.fx.dep.running}: u resumes, r rolls back`);
		expect(statusOf(frame)).toContain('u resumes');
	});
});

describe('the start and approve commands, outcomes and reviewed facts', () => {
	const base = {actor: 'human:alice', expectedRev: 7};

	it('run the same engine commands as calyx canary start and calyx intent approve', () => {
		const reading = {kind: 'simulated' as const, split: {percent: 0, stable: {weight: 100, version: '1.0.0'}, canary: {weight: 0}}, load: 42, at: '2026-11-25T10:00:00.000Z'};
		expect(commandFor({...openDialog('start', 'LEASE-1'), reading}, base)).toEqual({type: 'canary.start', leaseId: 'LEASE-1', reading, ...base});
		// A start rests on the dialog's own reading of the target: without one there is no command.
		expect(() => commandFor(openDialog('start', 'LEASE-1'), base)).toThrow('the target has not been read');
		const signed = {role: 'human' as const, keyId: 'alice', signature: 'c2ln'};
		expect(commandFor({...openDialog('approve', 'INT-1'), reason: ' ok '}, base, signed)).toEqual({type: 'intent.approve', id: 'INT-1', reason: 'ok', keyId: 'alice', signature: 'c2ln', ...base});
		expect(() => commandFor({...openDialog('approve', 'INT-1'), reason: 'ok'}, base)).toThrow('an approval needs a signature');
	});

	it('say a start that halted at once is not running, and still select it', () => {
		const out = successOutcome(openDialog('start', 'LEASE-1'), {id: 'DEP-9', status: 'halted', percent: 5});
		expect(out).toEqual({ok: true, watch: 'DEP-9', text: `started DEP-9 from LEASE-1, now halted at 5%: ${NEXT.stopped}`});
	});

	it('hold for a start while only samples arrive, and change when the lease or its pre-checks do', () => {
		const fx = fixture();
		const store = new FakeStore(fx, fx.clock);
		const leaseId = fx.lease.agentSigned;
		const lease = store.state.leases.find(l => l.id === leaseId)!;
		const intent = store.state.intents.find(i => i.id === lease.intentId)!;
		const k = fx.keys.human;
		store.external({type: 'lease.cosign', actor: 'human:alice', leaseId, role: k.role, keyId: k.id, signature: cosign(lease, intent, k.role, k.id, k.privateKey)});
		const start = openDialog('start', leaseId);
		const now = fx.clock.now();
		const before = reviewedFacts(start, store.state, now, store.trust)!;
		expect(before).toMatchObject({'service free': 'pass', 'lease verified': 'pass'});
		store.external({type: 'metrics.record', actor: 'agent:ci-bot', id: fx.dep.running, sample: {cpu: 50}});
		expect(factChanges(before, reviewedFacts(start, store.state, now, store.trust))).toEqual([]);
		store.external({type: 'canary.start', actor: 'human:bob', leaseId, reading: store.readingFor(leaseId)});
		const changes = factChanges(before, reviewedFacts(start, store.state, now, store.trust));
		expect(changes.some(c => c.startsWith('started no → DEP-'))).toBe(true);
		expect(changes).toContain('intent status pass → fail');
		const draftId = store.external<{id: string}>({type: 'intent.create', actor: 'human:bob', service: 'mail', fromVersion: '1.0.0', toVersion: '1.1.0'}).result.id;
		const approve = openDialog('approve', draftId);
		const shown = reviewedFacts(approve, store.state, now, store.trust)!;
		store.external({type: 'metrics.record', actor: 'agent:ci-bot', id: fx.dep.running, sample: {cpu: 51}});
		expect(factChanges(shown, reviewedFacts(approve, store.state, now, store.trust))).toEqual([]);
		store.external(approval(store.state, draftId, 'human:bob'));
		expect(factChanges(shown, reviewedFacts(approve, store.state, now, store.trust))).toEqual(['status draft → approved pending human']);
		expect(reviewedFacts(openDialog('approve', 'INT-nope'), store.state, now, store.trust)).toBeUndefined();
	});
});
