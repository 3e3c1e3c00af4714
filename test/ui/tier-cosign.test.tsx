import {cleanup} from 'ink-testing-library';
import {afterEach, describe, expect, it} from 'vitest';
import {formatDuration} from '../../src/core/index.js';
import {frameOf, KEY, press, selectRow, waitForFrame} from './helpers/ink.js';
import {agentCosigns, keyedCanary} from './helpers/keyed.js';
import {mount, type Mounted} from './helpers/mount.js';

afterEach(() => cleanup());

const PASTE = (text: string) => `\u001B[200~${text}\u001B[201~`;

/** The console over a fake store with a keyed canary waiting at 25%, its row selected. */
async function waiting(): Promise<Mounted & {id: string}> {
	const m = await mount();
	const id = keyedCanary(m, 'orders');
	await waitForFrame(m.r, id);
	await selectRow(m.r, id);
	await waitForFrame(m.r, f => f.split('\n').some(l => l.startsWith('›') && l.includes('awaiting cosign')));
	return {...m, id};
}

const request = (m: Mounted, id: string) => m.store.state.deployments.find(d => d.id === id)!.tierCosign!;

describe('cosigning a keyed tier from the deployments list', () => {
	it('shows the request whole (step, evidence, signers, time left) and signs exactly it; the agent key then promotes', async () => {
		const m = await waiting();
		const {r, store, id} = m;
		const req = request(m, id);
		await press(r, 'c');
		const dialog = await waitForFrame(r, `Cosign the promotion of ${id}`);
		expect(dialog).toMatch(/step +25% → 100% \(tier 3 of 3\)/);
		expect(dialog).toMatch(new RegExp(`request +${req.id}`));
		expect(dialog).toContain(req.evidence.summary.slice(0, 30));
		expect(dialog).toContain(`${req.evidence.samples} judged · sha256 ${req.evidence.samplesDigest.slice(0, 16)}…`);
		expect(dialog).toMatch(/signed +nobody yet/);
		expect(dialog).toMatch(/missing +human and agent/);
		expect(dialog).toMatch(/expires .*\(in 1h\)/);
		expect(dialog).toMatch(/you sign as +human:alice/);
		await press(r, 'y');
		await waitForFrame(r, 'y — Enter to sign');
		await press(r, KEY.enter);
		await waitForFrame(r, `✓ signed: agent key next: CALYX_KEY=ci-bot calyx canary cosign ${id}`);
		expect(store.runs).toMatchObject([{type: 'tier.cosign', id, requestId: req.id, role: 'human', keyId: 'alice'}]);
		expect(request(m, id).cosignatures.map(c => c.keyId)).toEqual(['alice']);
		// The second key from another process: the promotion the two keys approved.
		expect(agentCosigns(m, id).result.promoted).toBe(true);
		await waitForFrame(r, f => f.split('\n').some(l => l.startsWith('›') && /100/.test(l) && !l.includes('awaiting cosign')));
	});

	it('refuses c on a deployment that waits for no keys, and a second signature of the same role', async () => {
		const m = await waiting();
		const {r, store, fx, id} = m;
		await press(r, 'c');
		await waitForFrame(r, `Cosign the promotion of ${id}`);
		await press(r, 'y');
		await waitForFrame(r, 'y — Enter to sign');
		await press(r, KEY.enter);
		await waitForFrame(r, '✓ signed');
		await press(r, 'c');
		await waitForFrame(r, '✗ the human signature for 25% → 100% is already there (by alice)');
		await selectRow(r, fx.dep.running);
		await press(r, 'c');
		await waitForFrame(r, `✗ ${fx.dep.running} is running: no promotion waits for keys`);
		expect(frameOf(r)).not.toContain('Cosign the promotion');
		expect(store.runs).toHaveLength(1);
	});

	it('cancels on Esc and on Ctrl-C, and takes a paste as nothing', async () => {
		const {r, store, id} = await waiting();
		for (const cancel of [KEY.esc, KEY.ctrlC]) {
			await press(r, 'c');
			await waitForFrame(r, `Cosign the promotion of ${id}`);
			await press(r, PASTE('y\r'));
			await waitForFrame(r, '✗ paste ignored');
			expect(frameOf(r)).not.toContain('y — Enter to sign');
			await press(r, cancel);
			await waitForFrame(r, 'cancelled: nothing was done');
			expect(frameOf(r)).not.toContain('Cosign the promotion');
		}
		expect(store.runs).toEqual([]);
	});

	it('refuses a request renewed while the dialog was open, says so before Enter, and signs nothing', async () => {
		const m = await waiting();
		const {r, store, clock, id} = m;
		const shown = request(m, id).id;
		await press(r, 'c');
		await waitForFrame(r, shown);
		// Another process's engine asked again on newer evidence (as it does once a request expires unsigned).
		const renewed = 'TK-00000000000000ff';
		store.state = {
			...store.state,
			rev: store.state.rev + 1,
			deployments: store.state.deployments.map(d => (d.id === id ? {...d, tierCosign: {...d.tierCosign!, id: renewed, evidence: {...d.tierCosign!.evidence, samples: d.tierCosign!.evidence.samples + 1}}} : d)),
		};
		store.notify({state: true, audit: true, metrics: false});

		expect(renewed).not.toBe(shown);
		await waitForFrame(r, `⚠ changed since it opened: request ${shown} → ${renewed}`);
		await press(r, 'y');
		await waitForFrame(r, 'y — Enter to sign');
		await press(r, KEY.enter);
		await waitForFrame(r, `✗ state changed, review and retry: request ${shown} → ${renewed}`);
		expect(frameOf(r)).not.toContain('Cosign the promotion');
		expect(store.runs).toEqual([]);
		expect(request(m, id).cosignatures).toEqual([]);
	});

	it('shows the engine\'s STALE_REQUEST when the request changed between the last read and the write, and nothing is signed', async () => {
		const m = await waiting();
		const {r, store, id} = m;
		const shown = request(m, id).id;
		await press(r, 'c');
		await waitForFrame(r, shown);
		await press(r, 'y');
		await waitForFrame(r, 'y — Enter to sign');
		// Another engine renews the request after the console's last read, at the same revision: only the engine sees it.
		const run = store.run.bind(store);
		store.run = async (cmd, opts) => {
			store.state = {
				...store.state,
				deployments: store.state.deployments.map(d => (d.id === id ? {...d, tierCosign: {...d.tierCosign!, id: 'TK-00000000000000ee'}} : d)),
			};
			return run(cmd, opts);
		};
		await press(r, KEY.enter);
		// The status line is one row: the engine's words as far as they fit.
		await waitForFrame(r, `✗ refused: ${id}: the promotion signed (${shown}) is no longer`);
		expect(request(m, id).cosignatures).toEqual([]);
	});
});

describe('the detail of a deployment waiting for keys', () => {
	it('says what the keys are asked to sign, who has, and how long is left', async () => {
		const m = await waiting();
		const req = request(m, m.id);
		await press(m.r, KEY.enter);
		const detail = await waitForFrame(m.r, 'awaiting two keys for 25% → 100%');
		expect(detail).toMatch(/awaiting two keys for 25% → 100% signed by nobody yet; missing human and agent; 1h left \(c signs\)/);
		// Samples and digest first: a narrow screen cuts the gate's summary, never what identifies the evidence.
		expect(detail).toContain(`evidence ${req.id} ${req.evidence.samples} samples (sha256 ${req.evidence.samplesDigest.slice(0, 12)}), baked ${formatDuration(req.evidence.bakedMs)}; gate open`);
	});
});
