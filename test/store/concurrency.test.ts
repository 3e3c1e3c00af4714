import {approval, HOLDERS, testSigners} from '../trust.js';
import {describe, expect, it} from 'vitest';
import {execute, systemClock, type EventDraft, type State} from '../../src/core/index.js';
import {initStore, openStore, type AuditRecord} from '../../src/store/index.js';
import {Child, tempDir} from './helpers.js';

describe('several processes writing one data directory at once', () => {
	it('8 processes × 200 mutations: exactly 1,600 recorded, audit seq contiguous, chain verifies', async () => {
		const dir = tempDir();
		await initStore(dir);
		const writers = Array.from({length: 8}, (_, i) => new Child('writer.ts', [dir, '200', `w${i}`]));
		try {
			// Eight TypeScript children starting at once take a while on a busy box: start-up is not what is measured.
			await Promise.all(writers.map(w => w.waitFor(l => l === 'ready', 'writer ready', 120_000)));
			for (const w of writers) w.send('go');
			await Promise.all(writers.map(w => w.waitFor(l => l.startsWith('done'), 'writer done', 150_000)));
		} finally {
			await Promise.all(writers.map(w => w.kill()));
		}
		const store = await openStore(dir);
		const state = await store.read();
		expect(state.rev).toBe(1600);
		const titles = new Set(state.intents.map(i => i.title));
		expect(titles.size).toBe(1600);
		for (let w = 0; w < 8; w++) for (let i = 0; i < 200; i++) expect(titles.has(`w${w}-${i}`)).toBe(true);
		const events = await store.audit();
		expect(events.map(e => e.seq)).toEqual(Array.from({length: 1600}, (_, i) => i + 1));
		expect(events.map(e => (e as AuditRecord).rev)).toEqual(Array.from({length: 1600}, (_, i) => i + 1));
		expect(await store.verifyAudit()).toMatchObject({ok: true, count: 1600});
	}, 300_000);

	it('a human and an agent cosign the same lease at the same moment, 200 times: both signatures, one activation each', async () => {
		const dir = tempDir();
		const {store} = await initStore(dir);
		const {human, agent} = HOLDERS;
		const {result: leaseIds} = await store.mutate(state => {
			// 200 approved intents and their leases in one commit; each step still goes through the engine.
			let next: State = state;
			const events: EventDraft[] = [];
			const step = <R>(cmd: Parameters<typeof execute>[1]): R => {
				const out = execute<R>(next, cmd, {clock: systemClock, trust: store.trust});
				next = out.state;
				events.push(...out.events);
				return out.result;
			};
			const signers = testSigners();
			for (const h of [HOLDERS.human, HOLDERS.agent]) step(signers.register(h, new Date().toISOString()));
			const ids: string[] = [];
			for (let i = 0; i < 200; i++) {
				const intent = step<{id: string}>({type: 'intent.create', fromVersion: '1.4.0', actor: 'human:alice', service: 'checkout', toVersion: `1.5.${i}`});
				step(approval(next, intent.id));
				ids.push(step<{id: string}>({type: 'lease.issue', actor: 'human:alice', intentId: intent.id}).id);
			}
			return {state: next, events, result: ids};
		});
		const signers = [
			new Child('cosigner.ts', [dir, 'human', 'alice'], {CALYX_TEST_KEY: human.privateKey}),
			new Child('cosigner.ts', [dir, 'agent', 'ci-bot'], {CALYX_TEST_KEY: agent.privateKey}),
		];
		try {
			await Promise.all(signers.map(s => s.waitFor(l => l === 'ready', 'cosigner ready')));
			for (const id of leaseIds) {
				for (const s of signers) s.send(`sign ${id}`);
				await Promise.all(signers.map(s => s.waitFor(l => l.endsWith(` ${id}`) || l.includes(` ${id} `), `cosign of ${id}`)));
			}
		} finally {
			await Promise.all(signers.map(s => s.kill()));
		}
		for (const s of signers) expect(s.lines.filter(l => l.startsWith('err'))).toEqual([]);
		const state = await store.read();
		const activations = new Map<string, number>();
		for (const e of await store.audit()) if (e.kind === 'lease.activated') activations.set(e.subject, (activations.get(e.subject) ?? 0) + 1);
		for (const id of leaseIds) {
			const lease = state.leases.find(l => l.id === id)!;
			expect(lease.cosignatures.map(c => c.role).sort()).toEqual(['agent', 'human']);
			expect(lease.activatedAt).toBeDefined();
			expect(activations.get(id)).toBe(1);
		}
		expect((await store.verifyAudit()).ok).toBe(true);
	}, 180_000);
});
