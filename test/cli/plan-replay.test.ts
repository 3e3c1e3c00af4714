import {writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {describe, expect, it} from 'vitest';
import {sandbox, signedLease, snapshot} from './helpers.js';

type Doc = Record<string, any>;

/** A canary halted by a critical pushed through the CLI, as `metrics push` records it: the recorded past a replay reads. */
async function haltedDeployment() {
	const s = sandbox();
	const {leaseId} = await signedLease(s, ['--bake', '15m']);
	const dep = (await s.calyx(['canary', 'start', leaseId])).stdout.split('\n')[0]!;
	for (let i = 0; i < 3; i++) expect((await s.calyx(['metrics', 'push', dep, '--tes-delta', '-0.5', '--error-rate', '0.2', '--cpu', '60', '--memory', '50'])).code).toBe(0);
	const bad = await s.calyx(['metrics', 'push', dep, '--tes-delta', '-6.0', '--error-rate', '0.2', '--cpu', '60', '--memory', '50']);
	expect(bad.stdout).toMatch(/CRITICAL: TES drop > 5%/);
	return {s, dep, leaseId};
}

describe('calyx plan replay', () => {
	it('replays a recorded halted deployment: the same halt, at the same tier, on the same reading; twice, byte for byte', async () => {
		const {s, dep} = await haltedDeployment();
		const status = (await s.json<Doc>(['canary', 'status', dep])).doc;
		expect(status.halt).toMatchObject({trigger: 'critical'});
		const before = snapshot(s.data);
		const first = await s.calyx(['plan', 'replay', '--deployment', dep]);
		expect(first.code).toBe(0);
		expect(first.stdout).toContain(`replay of ${dep} under tiers 5 → 25 → 100%, bake 15m`);
		expect(first.stdout).toMatch(/^\s+\+0:00:\d\d\s+5%\s+halted\s+CRITICAL: TES drop > 5% \(read -6%\)$/m);
		expect(first.stdout).toContain(`verdict: halted at 5% after`);
		expect(first.stdout).toContain(`on TES, rolled back: ${status.halt.reason}`);
		const second = await s.calyx(['plan', 'replay', '--deployment', dep]);
		expect(second.stdout).toBe(first.stdout);
		const json = await s.json<Doc>(['plan', 'replay', '--deployment', dep]);
		expect((await s.json<Doc>(['plan', 'replay', '--deployment', dep])).stdout).toBe(json.stdout);
		expect(json.doc.replay.verdict).toMatchObject({outcome: 'halted', percent: status.percent, reason: status.halt.reason, on: ['TES'], rolledBack: true});
		const halt = json.doc.replay.timeline.find((t: Doc) => t.action === 'halted');
		expect(halt.readings).toEqual([expect.objectContaining({metric: 'tesDelta', value: -6, level: 'critical'})]);
		expect(halt.at).toBe(status.halt.at);
		// Reads never write.
		expect(snapshot(s.data)).toEqual(before);
	}, 60_000);

	it('tries another plan on the same samples, and sums up the service for whoever signs (lease show)', async () => {
		const {s, dep, leaseId} = await haltedDeployment();
		const lenient = await s.json<Doc>(['plan', 'replay', '--deployment', dep, '--threshold', 'tesDelta=-8,-10', '--bake', '0s', '--min-samples', '1']);
		expect(lenient.code).toBe(0);
		expect(lenient.doc.replay.verdict.outcome).not.toBe('halted');
		expect(lenient.doc.replay.timeline.map((t: Doc) => t.action)).toContain('promoted');
		const service = await s.calyx(['plan', 'replay', '--service', 'checkout', '--last', '3']);
		expect(service.code).toBe(0);
		expect(service.stdout.trim().split('\n').at(-1)).toBe('this plan against the last deployment of checkout: 1 halted at 5% on TES');
		const byLease = await s.json<Doc>(['plan', 'replay', '--lease', leaseId]);
		expect(byLease.doc.source).toEqual({service: 'checkout', last: 5});
		expect(byLease.doc.trackRecord).toMatchObject({halted: 1, runs: [{deploymentId: dep}]});
		const show = await s.calyx(['lease', 'show', leaseId]);
		expect(show.stdout).toContain('replayed: this plan against the last deployment of checkout: 1 halted at 5% on TES');
		expect((await s.json<Doc>(['lease', 'show', leaseId])).doc.replayed).toMatchObject({halted: 1, completed: 0});
	}, 60_000);

	it('replays an NDJSON file, and refuses a bad line naming its number and field, with nothing written', async () => {
		const s = sandbox();
		expect((await s.calyx(['init'])).code).toBe(0);
		const file = join(s.root, 'samples.ndjson');
		const at = (min: number) => new Date(Date.parse('2026-11-25T10:00:00Z') + min * 60_000).toISOString();
		const lines = Array.from({length: 12}, (_, i) => JSON.stringify({at: at(i * 5), tesDelta: -0.2, errorRate: i === 5 ? 1.5 : 0.3, cpu: 60, memory: 50}));
		writeFileSync(file, `${lines.join('\n')}\n`);
		const ok = await s.json<Doc>(['plan', 'replay', '--samples', file, '--bake', '10m', '--min-samples', '2']);
		expect(ok.code).toBe(0);
		expect(ok.doc.replay.timeline.map((t: Doc) => `${t.action}@${t.percent}`)).toEqual(['started@5', 'promoted@25', 'promoted@100', 'held@100', 'cleared@100', 'promoted@100', 'completed@100']);
		const before = snapshot(s.data);
		const cases: Array<[string, RegExp]> = [
			['{"at":"2026-11-25T10:00:00Z","errorRate":0.3}\n{"at":"2026-11-25T10:05:00Z","errorRate":150}\n', /line 2: errorRate: errorRate must be between 0 and 100/],
			['{"errorRate":0.3}\n', /line 1: at: is required/],
			['{"at":"2026-11-25T10:00:00Z","eror":1}\n', /line 1: eror: unknown field \(allowed: tesDelta, errorRate, cpu, memory, custom, tes, at\)/],
			['{"at":"2026-11-25T10:00:00Z\\u001b[2J","errorRate":1}\n', /line 1: at: /],
			['\n\n', /holds no sample/],
			[`{"at":"2026-11-25T10:00:00Z","errorRate":0.3}\n{"at":"${'x'.repeat(200_000)}"}\n`, /line 2: longer than 64 KB: not a sample/],
		];
		for (const [text, message] of cases) {
			writeFileSync(file, text);
			const run = await s.calyx(['plan', 'replay', '--samples', file]);
			expect(run.code, text).toBe(2);
			expect(run.stderr).toMatch(message);
		}
		expect(snapshot(s.data)).toEqual(before);
	}, 60_000);

	it('refuses bad flags, unknown ids and a missing source with exit 2', async () => {
		const s = sandbox();
		expect((await s.calyx(['init'])).code).toBe(0);
		const refusals: Array<[string[], RegExp]> = [
			[['plan', 'replay'], /give exactly one of --deployment <id>, --service <name> or --samples <file.ndjson>/],
			[['plan', 'replay', '--deployment', 'DEP-20261126-001', '--service', 'checkout'], /give exactly one of/],
			[['plan', 'replay', '--deployment', 'DEP-20261126-001'], /--deployment: unknown deployment DEP-20261126-001/],
			[['plan', 'replay', '--service', 'checkout', '--lease', 'LEASE-20261126-101500'], /unknown lease LEASE-20261126-101500/],
			[['plan', 'replay', '--service', 'checkout', '--tiers', '5,25'], /is not a tier list/],
			[['plan', 'replay', '--service', 'checkout', '--threshold', 'latency=1,2'], /metric: tesDelta, errorRate, cpu, memory/],
			[['plan', 'replay', '--service', 'checkout', '--threshold', 'errorRate=3,2'], /plan\.thresholds\.errorRate: errorRate: critical \(2\) must be above warning \(3\)/],
			[['plan', 'replay', '--service', 'checkout', '--last', '0'], /--last: must be from 1 to 50/],
			[['plan', 'replay', '--samples', join(s.root, 'missing.ndjson')], /--samples: cannot read/],
		];
		for (const [args, message] of refusals) {
			const run = await s.calyx(args);
			expect(run.code, args.join(' ')).toBe(2);
			expect(run.stderr).toMatch(message);
		}
		const none = await s.calyx(['plan', 'replay', '--service', 'checkout']);
		expect(none.code).toBe(0);
		expect(none.stdout.trim()).toMatch(/this plan has no past deployment of checkout to be replayed against$/);
	}, 60_000);
});
