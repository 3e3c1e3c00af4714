/**
 * An engine on a box whose trust is not the store's (another box's demo trust, a trust file never
 * copied): the store is bound to the trust that registered its keys, so it would write nothing;
 * it refuses to lead at all. (A store from before binding, whose keys its trust cannot verify, is
 * refused as TRUST_MISFIT: test/core/trust-fit.test.ts.)
 */
import {join} from 'node:path';
import {describe, expect, it} from 'vitest';
import {sandbox, signedLease, snapshot} from './helpers.js';

describe('an engine under a trust the store is not bound to', () => {
	it('refuses to lead (exit 1, TRUST_MISMATCH), naming the trust and what to do; nothing is written', async () => {
		const s = sandbox();
		const {leaseId} = await signedLease(s);
		expect((await s.calyx(['canary', 'start', leaseId])).code).toBe(0);
		// Another box: the same store, its own config (its own demo trust, never the one that signed the keys).
		const elsewhere = {XDG_CONFIG_HOME: join(s.root, 'other-config')};
		const before = snapshot(s.data);
		const once = await s.calyx(['engine', '--once'], {env: elsewhere});
		expect(once.code).toBe(1);
		expect(once.stderr).toMatch(/this store is bound to trust [0-9a-f]{16} \(bound from .*demo-trust.json; admins? [^)]+\), and this process runs under .*other-config.*demo-trust.json/);
		expect(once.stderr).toContain('it does not lead');
		const json = await s.calyx(['engine', '--once', '--json'], {env: elsewhere});
		expect(JSON.parse(json.stdout)).toMatchObject({ok: false, error: {code: 'TRUST_MISMATCH'}});
		expect(snapshot(s.data)).toEqual(before);
		// The box whose trust it is leads as before.
		expect((await s.calyx(['engine', '--once'])).code).toBe(0);
	});
});
