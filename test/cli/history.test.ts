import {describe, expect, it} from 'vitest';
import {sandbox, signedLease} from './helpers.js';

type Doc = Record<string, any>;

describe('calyx history and intent retry', () => {
	it('lists a service\'s deployments with outcome, reach, signers and why; a rolled-back change is retried as a linked intent', async () => {
		const s = sandbox();
		const {leaseId, intentId} = await signedLease(s, ['--bake', '15m']);
		const dep = (await s.calyx(['canary', 'start', leaseId])).stdout.split('\n')[0]!;
		expect((await s.calyx(['metrics', 'push', dep, '--error-rate', '3'])).code).toBe(0);
		expect((await s.json<Doc>(['canary', 'status', dep])).doc.status).toBe('rolled_back');
		const history = await s.json<Doc>(['history', 'checkout']);
		expect(history.doc).toMatchObject({service: 'checkout', older: false, deployments: [{id: dep, status: 'rolled_back', reached: 5, signers: ['human:alice', 'agent:ci-bot'], halt: {trigger: 'critical'}, rollback: {trigger: 'automatic', verified: true}}]});
		expect((await s.calyx(['history', 'checkout', '--no-color'])).stdout).toMatch(new RegExp(`${dep}\\s+1\\.4\\.0 → 1\\.5\\.0\\s+rolled back\\s+5% of 5/25/100\\s+human:alice, agent:ci-bot\\s+rollback \\(automatic, verified\\): CRITICAL`));
		expect((await s.calyx(['history', 'payments'])).stdout).toBe('no deployment of payments on record\n');
		expect((await s.calyx(['history', 'bad name!'])).code).toBe(2);

		const retried = await s.json<Doc>(['intent', 'retry', intentId], {env: {CALYX_KEY: 'ci-bot'}});
		expect(retried.doc).toMatchObject({status: 'draft', retryOf: intentId, service: 'checkout', fromVersion: '1.4.0', toVersion: '1.5.0'});
		expect((await s.calyx(['intent', 'show', retried.doc.id])).stdout).toContain(`retry of:    ${intentId} (rolled back)`);
		const risk = await s.json<Doc>(['risk', retried.doc.id]);
		expect(risk.doc.factors[3].detail).toContain(`a retry of ${intentId}, which was rolled back`);
		// Only a rolled-back change is retried.
		const again = await s.calyx(['intent', 'retry', retried.doc.id], {env: {CALYX_KEY: 'ci-bot'}});
		expect([again.code, again.stderr]).toEqual([2, expect.stringContaining('is draft: only a rolled-back change is retried')]);
	});
});
