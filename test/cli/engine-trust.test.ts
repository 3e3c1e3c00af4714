/**
 * An engine on a box whose trust is not the store's (another box's demo trust, a trust file never
 * copied): it would refuse every lease and fail every rollback, so it refuses to lead at all.
 */
import {join} from 'node:path';
import {describe, expect, it} from 'vitest';
import {sandbox, signedLease, snapshot} from './helpers.js';

describe('an engine whose trust verifies none of the store\'s keys', () => {
	it('refuses to lead (exit 1, TRUST_MISFIT), naming the trust and what to do; nothing is written', async () => {
		const s = sandbox();
		const {leaseId} = await signedLease(s);
		expect((await s.calyx(['canary', 'start', leaseId])).code).toBe(0);
		// Another box: the same store, its own config (its own demo trust, never the one that signed the keys).
		const elsewhere = {XDG_CONFIG_HOME: join(s.root, 'other-config')};
		const before = snapshot(s.data);
		const once = await s.calyx(['engine', '--once'], {env: elsewhere});
		expect(once.code).toBe(1);
		expect(once.stderr).toMatch(/this box's trust \(.*\) verifies none of the store's 2 keys and 0 services/);
		expect(once.stderr).toContain('watch with --readonly');
		const json = await s.calyx(['engine', '--once', '--json'], {env: elsewhere});
		expect(JSON.parse(json.stdout)).toMatchObject({ok: false, error: {code: 'TRUST_MISFIT'}});
		expect(snapshot(s.data)).toEqual(before);
		// The box whose trust it is leads as before.
		expect((await s.calyx(['engine', '--once'])).code).toBe(0);
	});
});
