import {approval} from '../trust.js';
import {cleanup} from 'ink-testing-library';
import {afterEach, describe, expect, it} from 'vitest';
import {cosign, verifyLease} from '../../src/core/index.js';
import {frameOf, KEY, press, readToEnd, selectRow, type, waitForFrame, type Rendered} from './helpers/ink.js';
import {mount} from './helpers/mount.js';

afterEach(() => cleanup());

const SMALL = {columns: 80, rows: 24};
const PAGE_DOWN = '\u001B[6~';
const more = (f: string) => Number(/↓ (\d+) more line/.exec(f)?.[1] ?? 0);

async function openCosign(r: Rendered, lease: string) {
	await press(r, '2');
	await waitForFrame(r, /\[2 Leases/);
	// A lease issued just before may not be listed yet: a j pressed on the last row then moves nothing.
	await waitForFrame(r, lease);
	await selectRow(r, lease);
	await press(r, 'c');
	return waitForFrame(r, `Cosign ${lease}`);
}

describe('the cosign dialog at 80×24', () => {
	it('wraps what is signed to the width, refuses y until all of it was on screen, then signs', async () => {
		const {r, store, fx} = await mount({size: SMALL});
		const lease = store.state.leases.find(l => l.id === fx.lease.agentSigned)!;
		const first = await openCosign(r, lease.id);
		const lines = first.split('\n');
		expect(lines.every(l => [...l].length <= 80)).toBe(true);
		expect(lines.length).toBeLessThanOrEqual(23);
		// The intent line wraps instead of ending at the service name.
		expect(first).toContain('reports 1.0.0 → 0.9.0');
		const hidden = more(first);
		expect(hidden).toBeGreaterThan(0);
		await press(r, 'y');
		await waitForFrame(r, `✗ scroll to the end first (${hidden} more lines)`);
		expect(frameOf(r)).not.toContain('y — Enter to sign');
		const seen = [first];
		while (more(frameOf(r)) > 0) {
			const before = frameOf(r);
			await press(r, PAGE_DOWN);
			seen.push(await waitForFrame(r, f => f !== before && !f.includes('✗')));
		}
		const all = seen.join('\n');
		for (const threshold of ['TES: warning < -2% · critical < -5%', 'error rate: warning > 1% · critical > 2%', 'CPU: warning > 110% · critical > 120%', 'memory: warning > 90% · critical > 95%']) {
			expect(all).toContain(threshold);
		}
		expect(all).toMatch(/plan +tiers 5›25›100 · bake 15m · min 3 samples · auto-promote yes ·/);
		expect(all).toMatch(/risk +\d+ \((low|medium|high)\), (not )?acknowledged/);
		expect(all).toContain(lease.digest);
		expect(all).toMatch(/signed +agent:ci-bot/);
		expect(all).toMatch(/missing +human/);
		expect(all).toContain('then        both keys signed: s starts the canary');
		expect(frameOf(r)).toContain('— end of what you sign');
		// Scrolling back up keeps what was read: the y is taken from anywhere now.
		await press(r, 'k');
		await waitForFrame(r, f => more(f) === 1);
		await press(r, 'y');
		await waitForFrame(r, 'y — Enter to sign');
		expect(store.runs).toEqual([]);
		await press(r, KEY.enter);
		await waitForFrame(r, '✓ both keys signed: s starts the canary');
		expect(verifyLease(store.state, store.trust, store.state.leases.find(l => l.id === lease.id)!, store.clock.now()).ok).toBe(true);
	});

	it('says which key comes next when the agent has not signed yet', async () => {
		const {r, fx} = await mount({size: SMALL});
		await openCosign(r, fx.lease.unsigned);
		await readToEnd(r);
		expect(frameOf(r)).toMatch(/then +agent key next: CALYX_KEY=ci-bot calyx lease sign/);
		await press(r, 'y', KEY.enter);
		await waitForFrame(r, `✓ agent key next: CALYX_KEY=ci-bot calyx lease sign ${fx.lease.unsigned}`);
	});

	it('takes y at once when everything fits', async () => {
		const {r, store, fx} = await mount({size: {columns: 120, rows: 40}});
		const first = await openCosign(r, fx.lease.agentSigned);
		expect(first).toContain('— that is everything you sign');
		await press(r, 'y');
		await waitForFrame(r, 'y — Enter to sign');
		await press(r, KEY.enter);
		await waitForFrame(r, '✓ both keys signed');
		expect(store.runs).toHaveLength(1);
	});

	it('shows untrusted text from the store escaped, never as terminal control', async () => {
		const {r, store} = await mount({size: SMALL});
		const intent = store.external<{id: string}>({type: 'intent.create', fromVersion: '1.4.0', actor: 'human:mallory', service: 'billing', toVersion: '3.1.0', title: 'fix'}).result;
		store.external(approval(store.state, intent.id, 'human:mallory'));
		const lease = store.external<{id: string}>({type: 'lease.issue', actor: 'human:mallory', intentId: intent.id}).result;
		// The engine refuses control characters at entry (validate.ts): a hand edit, or an older
		// version, can still leave them in the stored state.
		const title = 'fix\u001b[2J\u001b[31mred\nsecond line';
		store.state = {...store.state, intents: store.state.intents.map(i => (i.id === intent.id ? {...i, title} : i))};
		store.notify({state: true, audit: false, metrics: false});
		const dialog = await openCosign(r, lease.id);
		expect(dialog).toContain('fix\\x1b[2J\\x1b[31mred\\nsecond line');
		expect(dialog).not.toContain('\u001b[2J');
	});
});

describe('a dialog acts on what the operator saw when it opened', () => {
	it('refuses a force-promotion when the canary moved on screen while the reason was typed, saying what changed', async () => {
		const {r, store, fx} = await mount();
		await selectRow(r, fx.dep.holding);
		await press(r, 'P');
		await waitForFrame(r, `Force promotion past a hold ${fx.dep.holding}`);
		await type(r, fx.dep.holding);
		await press(r, KEY.enter);
		await waitForFrame(r, 'reason:');
		// Another process promotes, and the console shows it: the state on screen at submit is the
		// new one, but the operator confirmed the old one.
		store.external({type: 'canary.promote', actor: 'human:bob', id: fx.dep.holding, force: true, reason: 'bob'});
		await waitForFrame(r, 'moves the canary from 25% to 100%');
		// The dialog says so before Enter.
		await waitForFrame(r, /⚠ changed since it opened: tier 5% → 25%/);
		await type(r, 'known noisy probe');
		await press(r, KEY.enter);
		const refused = await waitForFrame(r, '✗ state changed, review and retry: ');
		expect(refused).toMatch(/tier 5% → 25%/);
		expect(refused).not.toContain('Force promotion past a hold');
		expect(store.runs).toEqual([]);
		expect(store.state.deployments.find(d => d.id === fx.dep.holding)!.percent).toBe(25);
	});

	it('refuses a promotion over a metric that went to warning since it opened', async () => {
		const {r, store, fx} = await mount();
		await selectRow(r, fx.dep.awaiting);
		await press(r, 'p');
		await waitForFrame(r, `Promote ${fx.dep.awaiting}`);
		await press(r, 'y');
		await waitForFrame(r, 'y — Enter to promote');
		store.changeQuietly({type: 'metrics.record', actor: 'agent:ci-bot', id: fx.dep.awaiting, sample: {cpu: 115}});
		await press(r, KEY.enter);
		const refused = await waitForFrame(r, '✗ state changed, review and retry: ');
		expect(refused).toContain('CPU ok → WARN');
		expect(store.runs).toEqual([]);
	});

	it('refuses a cosign when another key signed since the dialog opened', async () => {
		const {r, store, fx} = await mount({size: {columns: 120, rows: 40}});
		await openCosign(r, fx.lease.unsigned);
		await press(r, 'y');
		await waitForFrame(r, 'y — Enter to sign');
		const lease = store.state.leases.find(l => l.id === fx.lease.unsigned)!;
		const intent = store.state.intents.find(i => i.id === lease.intentId)!;
		store.changeQuietly({type: 'lease.cosign', actor: 'agent:ci-bot', leaseId: lease.id, role: 'agent', keyId: 'ci-bot', signature: cosign(lease, intent, 'agent', 'ci-bot', fx.keys.agent.privateKey)});
		await press(r, KEY.enter);
		await waitForFrame(r, '✗ state changed, review and retry: signers none → agent:ci-bot');
		expect(store.runs).toEqual([]);
	});
});
