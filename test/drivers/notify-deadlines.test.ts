import {describe, expect, it} from 'vitest';
import type {State} from '../../src/core/index.js';
import {nearDeadlines} from '../../src/drivers/notify/deadlines.js';
import {initStore} from '../../src/store/index.js';
import {clockAt, seedCanary, tempDir} from '../store/helpers.js';

describe('deadline near: a tier\'s request for two keys', () => {
	it('warns within the window before the request expires, names what is missing and the request to sign, and not once it expired', async () => {
		const clock = clockAt();
		const {store} = await initStore(tempDir());
		const {deploymentId} = await seedCanary(store, clock);
		const state = await store.read();
		const expiresAt = '2026-11-25T11:00:00.000Z';
		const request = {id: 'TK-0123456789abcdef', from: 5, to: 25, tier: 1, requestedAt: '2026-11-25T10:00:00.000Z', expiresAt, evidence: {summary: 'pass', samples: 3, samplesDigest: '0'.repeat(64), bakedMs: 0}, cosignatures: [{role: 'human' as const, keyId: 'alice', signature: 'x', signedAt: '2026-11-25T10:01:00.000Z'}]};
		const waiting = {...state, deployments: state.deployments.map(d => (d.id === deploymentId ? {...d, status: 'awaiting_cosign' as const, tierCosign: request} : d))} as State;
		const at = (iso: string) => nearDeadlines(waiting, Date.parse(iso), 10 * 60_000);
		expect(at('2026-11-25T10:49:59.000Z')).toEqual([]);
		const [notice] = at('2026-11-25T10:52:30.000Z');
		expect(notice).toMatchObject({event: 'deadline_near', severity: 'warning', key: 'tier:TK-0123456789abcdef', subject: deploymentId, service: 'checkout', title: `${deploymentId}: the request for two keys (5% → 25%) expires within 8 min`});
		expect(notice!.why).toContain('missing: agent');
		expect(notice!.act).toContain(`calyx canary cosign ${deploymentId} --key <key> --request TK-0123456789abcdef`);
		expect(at(expiresAt)).toEqual([]);
	});
});
