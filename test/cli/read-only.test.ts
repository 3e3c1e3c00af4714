import {appendFileSync, readdirSync} from 'node:fs';
import {join} from 'node:path';
import {describe, expect, it} from 'vitest';
import {sandbox, signedLease, snapshot} from './helpers.js';

/** A read is a read: whatever state the directory is in, no read command changes a byte of it. */
describe('reads never write; repair is explicit', () => {
	it('every read command leaves a directory with a torn tail byte-identical, and repair says then does', async () => {
		const s = sandbox();
		const {intentId, leaseId} = await signedLease(s);
		const started = await s.json<{id: string}>(['canary', 'start', leaseId]);
		expect(started.code).toBe(0);
		appendFileSync(join(s.data, 'audit.ndjson'), '{"seq":99,"prevHash":"00');
		appendFileSync(join(s.data, 'metrics.ndjson'), '{"rev":');
		const before = snapshot(s.data);
		const reads = [
			['intent', 'list'],
			['lease', 'list'],
			['canary', 'list'],
			['canary', 'status', started.doc.id],
			['audit', 'list'],
			['audit', 'list', '--deployment', started.doc.id],
			['audit', 'verify'],
			['risk', intentId],
			['repair', '--dry-run'],
		];
		for (const args of reads) {
			const run = await s.calyx(args);
			// Only verify refuses (the torn tail is what it reports); the rest read what committed.
			expect([args.join(' '), run.code]).toEqual([args.join(' '), args[1] === 'verify' ? 1 : 0]);
			expect(snapshot(s.data), args.join(' ')).toEqual(before);
		}
		const dry = await s.calyx(['repair', '--dry-run']);
		expect(dry.stdout).toMatch(/would repair[\s\S]*audit\.ndjson: move the torn last line[\s\S]*metrics\.ndjson: move the torn last line/);
		const repaired = await s.json<{applied: boolean; actions: string[]}>(['repair']);
		expect(repaired.doc).toMatchObject({applied: true});
		expect(repaired.doc.actions).toHaveLength(2);
		expect(readdirSync(s.data).filter(n => n.includes('.torn-'))).toHaveLength(2);
		expect((await s.calyx(['audit', 'verify'])).code).toBe(0);
		expect((await s.calyx(['repair'])).stdout).toContain('nothing to repair');
	});
});
