import {describe, expect, it} from 'vitest';
import {sandbox, signedLease} from './helpers.js';

type Doc = Record<string, any>;

async function live(s: ReturnType<typeof sandbox>) {
	const {leaseId} = await signedLease(s, ['--bake', '15m']);
	return (await s.calyx(['canary', 'start', leaseId])).stdout.split('\n')[0]!;
}

/** `metrics push --stdin` streams: it holds one batch, not the input, whatever the input's length. */
describe('metrics push --stdin streams', () => {
	it('records 50,000 samples in a 48 MB heap', async () => {
		const s = sandbox();
		const dep = await live(s);
		const input = Array.from({length: 50_000}, (_, i) => `{"cpu":${50 + (i % 10)},"tesDelta":0.1}`).join('\n');
		const run = await s.json<Doc>(['metrics', 'push', dep, '--stdin'], {input, env: {NODE_OPTIONS: '--max-old-space-size=48'}});
		expect(run.stderr).toBe('');
		expect(run.doc).toMatchObject({ok: true, recorded: 50_000, resultsOmitted: 49_900});
		expect(run.doc.results).toHaveLength(100);
		expect((await s.json<Doc>(['canary', 'status', dep])).doc.sampleCount).toBe(50_000);
	}, 180_000);

	it('on a bad line, exit 2 says how many were recorded before it and which line failed', async () => {
		const s = sandbox();
		const dep = await live(s);
		const input = ['{"cpu":50}', '', '{"cpu":51}', '{"cpu":"hot"}', '{"cpu":52}'].join('\n');
		const run = await s.json<Doc>(['metrics', 'push', dep, '--stdin'], {input});
		expect(run.code).toBe(2);
		expect(run.stderr).toContain('calyx: stdin line 4: cpu:');
		expect(run.stderr).toContain('(2 sample(s) before it were recorded; nothing from this line on)');
		expect(run.doc).toMatchObject({ok: false, recorded: 2, error: {code: 'INVALID_SAMPLE'}});
		expect((await s.json<Doc>(['canary', 'status', dep])).doc.sampleCount).toBe(2);
	});

	it('a line longer than any sample is refused without being buffered whole', async () => {
		const s = sandbox();
		const dep = await live(s);
		const run = await s.calyx(['metrics', 'push', dep, '--stdin'], {input: `{"cpu":50}\n${'x'.repeat(200_000)}`});
		expect(run.code).toBe(2);
		expect(run.stderr).toContain('stdin line 2: longer than 65536 bytes');
	});
});
