import {describe, expect, it} from 'vitest';
import {sandbox, signedLease} from './helpers.js';

type Doc = Record<string, any>;

describe('the whole pipeline through the CLI', () => {
	it('goes from init to completed', async () => {
		const s = sandbox();
		const {leaseId, intentId} = await signedLease(s);
		expect((await s.calyx(['lease', 'verify', leaseId])).code).toBe(0);
		const started = await s.calyx(['canary', 'start', leaseId]);
		expect(started.code).toBe(0);
		const dep = started.stdout.split('\n')[0]!;
		expect(dep).toMatch(/^DEP-\d{8}-\d{3}$/);
		const percents: number[] = [];
		for (let i = 0; i < 6; i++) {
			const status = (await s.json<Doc>(['canary', 'status', dep])).doc;
			if (status.status === 'completed') break;
			const tick = await s.json<Doc>(['engine', '--once']);
			expect(tick.code).toBe(0);
			percents.push(...tick.doc.actions.filter((a: Doc) => a.action === 'promoted').map((a: Doc) => a.percent));
		}
		expect(percents).toEqual([25, 100]);
		const final = await s.json<Doc>(['canary', 'status', dep]);
		expect(final.code).toBe(0);
		expect(final.doc.status).toBe('completed');
		expect((await s.json<Doc>(['intent', 'show', intentId])).doc.status).toBe('deployed');
		const audit = await s.calyx(['audit', 'verify']);
		expect(audit.code).toBe(0);
		expect(audit.stdout).toMatch(/intact/);
	});

	it('halts on a critical sample, rolls back and verifies', async () => {
		const s = sandbox();
		const {leaseId} = await signedLease(s, ['--bake', '15m']);
		const dep = (await s.calyx(['canary', 'start', leaseId])).stdout.split('\n')[0]!;
		const ok = await s.json<Doc>(['metrics', 'push', dep, '--tes-delta', '-0.5', '--error-rate', '0.2']);
		expect(ok.code).toBe(0);
		expect(ok.doc.results[0].action).toBe('recorded');
		const bad = await s.calyx(['metrics', 'push', dep, '--tes-delta', '-6.0']);
		expect(bad.code).toBe(0);
		expect(bad.stdout).toMatch(/CRITICAL: TES drop > 5%/);
		expect(bad.stdout).toMatch(/rolled back/);
		const status = await s.json<Doc>(['canary', 'status', dep]);
		expect(status.code).toBe(1);
		expect(status.doc.status).toBe('rolled_back');
		expect(status.doc.rollback).toMatchObject({trigger: 'automatic', verified: true});
		const events = (await s.json<Doc>(['audit', 'list', '--deployment', dep])).doc.events.map((e: Doc) => e.kind);
		expect(events).toEqual(expect.arrayContaining(['deployment.halted', 'deployment.rolling_back', 'rollback.verified', 'deployment.rolled_back']));
		expect(events.indexOf('deployment.halted')).toBeLessThan(events.indexOf('rollback.verified'));
	});

	it('halts by hand, resumes, and rolls back by hand with reasons recorded', async () => {
		const s = sandbox();
		const {leaseId} = await signedLease(s, ['--bake', '15m']);
		const dep = (await s.calyx(['canary', 'start', leaseId])).stdout.split('\n')[0]!;
		expect((await s.calyx(['canary', 'halt', dep, '--reason', 'pager: latency'])).code).toBe(0);
		const halted = (await s.json<Doc>(['canary', 'status', dep])).doc;
		expect(halted.halt).toMatchObject({trigger: 'manual', reason: 'pager: latency'});
		expect((await s.calyx(['canary', 'resume', dep, '--reason', 'CDN, not us'])).code).toBe(0);
		expect((await s.json<Doc>(['canary', 'status', dep])).doc.status).toBe('running');
		const rb = await s.json<Doc>(['rollback', dep, '--reason', 'drill']);
		expect(rb.code).toBe(0);
		expect(rb.doc).toMatchObject({status: 'rolled_back', verified: true});
		const reasons = (await s.json<Doc>(['audit', 'list', '--deployment', dep])).doc.events.map((e: Doc) => e.reason);
		expect(reasons).toEqual(expect.arrayContaining(['pager: latency', 'CDN, not us', 'drill']));
	});

	it('promotes only through the gate; --force passes a hold with a reason', async () => {
		const s = sandbox();
		const {leaseId} = await signedLease(s, ['--bake', '15m', '--manual']);
		const dep = (await s.calyx(['canary', 'start', leaseId])).stdout.split('\n')[0]!;
		const closed = await s.calyx(['canary', 'promote', dep]);
		expect(closed.code).toBe(1);
		expect(closed.stderr).toMatch(/bake/);
		expect((await s.calyx(['canary', 'promote', dep, '--force'])).code).toBe(2);
		const forced = await s.json<Doc>(['canary', 'promote', dep, '--force', '--reason', 'drill']);
		expect(forced.code).toBe(0);
		expect(forced.doc).toMatchObject({from: 5, to: 25, forced: true});
	});
});
