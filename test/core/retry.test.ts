import {describe, expect, it} from 'vitest';
import {archiveEnded, riskOf, signProposal} from '../../src/core/index.js';
import {CRIT, FROM, Fixture, HOLDERS, SERVICE, TO} from './helpers.js';

/** A canary rolled back on a critical reading: its intent is rolled back. */
function rolledBack() {
	const f = new Fixture();
	const id = f.canary();
	f.record(id, CRIT);
	expect(f.dep(id).status).toBe('rolled_back');
	return {f, intentId: f.dep(id).intentId};
}

const retry = (f: Fixture, retryOf: string, service = SERVICE) => {
	const request = {service, fromVersion: FROM, toVersion: TO, retryOf};
	return {type: 'intent.create' as const, actor: 'agent:ci-bot', ...request, keyId: 'ci-bot', signature: signProposal(request, 'ci-bot', HOLDERS.agent.privateKey)};
};

describe('intent retry: a fresh intent for a rolled-back change, linked to it', () => {
	it('opens a new draft that names the old one, signed with the link, and needs its own approval, lease and keys', () => {
		const {f, intentId} = rolledBack();
		const intent = f.run<{id: string; status: string; retryOf: string}>(retry(f, intentId));
		expect(intent).toMatchObject({status: 'draft', retryOf: intentId});
		expect(intent.id).not.toBe(intentId);
		expect(f.events.find(e => e.kind === 'intent.created' && e.subject === intent.id)).toMatchObject({data: {retryOf: intentId}});
		// The link is part of what the proposer signed: the same request without it does not verify.
		const forged = {...retry(f, intentId), retryOf: undefined};
		expect(f.refuse(forged).code).toBe('BAD_SIGNATURE');
	});

	it('counts the rollback in the risk score, however old, and says so', () => {
		const {f, intentId} = rolledBack();
		const fresh = f.intentOf(f.run<{id: string}>(retry(f, intentId)).id);
		const factor = riskOf(f.state, fresh, f.clock.now()).factors[3]!;
		expect(factor).toEqual({name: 'recent rollbacks', points: 20, detail: `1 of this service in the last 7 days; a retry of ${intentId}, which was rolled back`});
		f.clock.advance(30 * 86_400_000);
		expect(riskOf(f.state, fresh, f.clock.now()).factors[3]!.points).toBe(10);
	});

	it('follows the change into the archive: the history remembers which intent was rolled back', () => {
		const {f, intentId} = rolledBack();
		f.state = archiveEnded(f.state).state;
		expect(f.state.intents.some(i => i.id === intentId)).toBe(false);
		expect(f.run<{retryOf: string}>(retry(f, intentId)).retryOf).toBe(intentId);
	});

	it('refuses a retry of a change that was not rolled back, of another service, or unknown', () => {
		const f = new Fixture().registerKeys();
		const live = f.intent();
		for (const [retryOf, service] of [
			[live, SERVICE],
			['INT-20200101-001', SERVICE],
		] as const) {
			const error = f.refuse(retry(f, retryOf, service));
			expect([error.code, error.message]).toEqual(['NOT_RETRYABLE', `retry of: ${retryOf} is not a rolled-back change of ${service} (a retry follows a rollback)`]);
		}
		const {f: g, intentId} = rolledBack();
		expect(g.refuse(retry(g, intentId, 'payments')).code).toBe('NOT_RETRYABLE');
	});
});
