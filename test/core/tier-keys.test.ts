import {describe, expect, it} from 'vitest';
import {cosignTier, generateKeyPair, iso, samplesDigest, type Command, type Role, type TierCosign} from '../../src/core/index.js';
import {BAKE, CLEAN, CRIT, Fixture, MIN, SIGNERS, WARN} from './helpers.js';

/** A canary whose plan keys 100%, baked at 25% until the gate passes: the engine asks for two keys. */
function awaitingAt25(f = new Fixture()) {
	const id = f.canary({plan: {tierKeys: [100]}});
	f.bake(id);
	expect(f.tick().actions[0]).toMatchObject({action: 'promoted', percent: 25});
	f.bake(id);
	return {f, id};
}

function tierCosignCmd(f: Fixture, id: string, role: Role, req: TierCosign = f.dep(id).tierCosign!, keyId: string = SIGNERS[role].keyId, privateKey: string = SIGNERS[role].keys.privateKey): Extract<Command, {type: 'tier.cosign'}> {
	const dep = f.dep(id);
	return {type: 'tier.cosign', actor: `${role}:${keyId}`, id, requestId: req.id, role, keyId, signature: cosignTier(dep, req, role, keyId, privateKey)};
}

describe('per-tier keys: a tier the plan keys is entered only after two keys sign the evidence', () => {
	it('the plan names tiers after the first; anything else is refused at lease issue, naming the field', () => {
		const f = new Fixture().registerKeys();
		const intentId = f.intent();
		for (const tierKeys of [[5], [50], [30, 100]]) {
			const error = f.refuse({type: 'lease.issue', actor: 'human:alice', intentId, ackRisk: true, plan: {tierKeys}});
			expect([error.code, error.message]).toEqual(['INVALID_PLAN', expect.stringContaining('plan.tierKeys: each must be one of the tiers after the first')]);
		}
	});

	it('promotes through the gate alone until a keyed tier, then waits in awaiting_cosign with the evidence it asks to sign', () => {
		const {f, id} = awaitingAt25();
		expect(f.tick().actions[0]).toMatchObject({action: 'awaiting_cosign', percent: 25, detail: expect.stringMatching(/promotion to 100% needs two keys$/)});
		const dep = f.dep(id);
		expect(dep).toMatchObject({status: 'awaiting_cosign', percent: 25});
		expect(dep.tierCosign).toMatchObject({
			id: expect.stringMatching(/^TK-[0-9a-f]{16}$/),
			from: 25,
			to: 100,
			tier: 2,
			requestedAt: iso(f.clock.now()),
			expiresAt: iso(f.clock.now() + f.state.config.leaseTtlMs),
			evidence: {summary: 'gate open: bake elapsed, samples complete, window clean', samples: 3, samplesDigest: samplesDigest(dep.window), bakedMs: BAKE},
			cosignatures: [],
		});
		expect(f.events.at(-1)).toMatchObject({kind: 'tier.cosign_requested', subject: id, data: {request: dep.tierCosign!.id, from: 25, to: 100}});
		// Later ticks keep the same request: what the keys sign does not move under them.
		f.wait(MIN);
		f.tick();
		expect(f.dep(id).tierCosign!.id).toBe(dep.tierCosign!.id);
		expect(f.dep(id).percent).toBe(25);
	});

	it('one operator cannot promote into it, not even forced', () => {
		const {f, id} = awaitingAt25();
		for (const force of [false, true]) {
			const error = f.refuse({type: 'canary.promote', actor: 'human:alice', id, force, reason: 'in a hurry'});
			expect([error.code, error.message]).toEqual(['TIER_KEYS_REQUIRED', `${id}: the plan needs two keys to promote to 100%: calyx canary cosign ${id} with a human and an agent key`]);
		}
		f.tick();
		expect(f.refuse({type: 'canary.promote', actor: 'human:alice', id, force: true, reason: 'x'}).code).toBe('TIER_KEYS_REQUIRED');
	});

	it('the human and the agent key sign; the second promotes, recording both signers and the request', () => {
		const {f, id} = awaitingAt25();
		f.tick();
		const req = f.dep(id).tierCosign!;
		expect(f.run(tierCosignCmd(f, id, 'human'))).toMatchObject({promoted: false, status: 'awaiting_cosign', missing: ['agent']});
		expect(f.dep(id).tierCosign!.cosignatures).toMatchObject([{role: 'human', keyId: 'alice'}]);
		expect(f.run(tierCosignCmd(f, id, 'agent'))).toMatchObject({promoted: true, from: 25, to: 100, status: 'running'});
		expect(f.dep(id)).toMatchObject({status: 'running', percent: 100});
		expect(f.dep(id).tierCosign).toBeUndefined();
		expect(f.events.filter(e => e.subject === id && e.kind.startsWith('tier.')).map(e => e.kind)).toEqual(['tier.cosign_requested', 'tier.cosigned', 'tier.cosigned']);
		expect(f.events.find(e => e.kind === 'canary.promoted' && e.data.to === 100)).toMatchObject({reason: 'two keys approved 25% → 100%', data: {keys: ['human:alice', 'agent:ci-bot'], request: req.id}});
		// The rest of the plan runs through the gate as before.
		f.bake(id);
		expect(f.tick().actions[0]).toMatchObject({action: 'completing'});
		expect(f.dep(id).status).toBe('completed');
	});

	it('refuses what the lease rules refuse: the same key twice, a role twice, an unknown key, a signature over other content', () => {
		const {f, id} = awaitingAt25();
		f.tick();
		f.run(tierCosignCmd(f, id, 'human'));
		const refusals: Array<[Extract<Command, {type: 'tier.cosign'}>, string]> = [
			[tierCosignCmd(f, id, 'human'), 'DUPLICATE_KEY'],
			[{...tierCosignCmd(f, id, 'agent'), keyId: 'bob'}, 'UNKNOWN_KEY'],
			[{...tierCosignCmd(f, id, 'agent'), signature: tierCosignCmd(f, id, 'agent', {...f.dep(id).tierCosign!, to: 50}).signature}, 'BAD_SIGNATURE'],
			[tierCosignCmd(f, id, 'agent', f.dep(id).tierCosign!, 'ci-bot', generateKeyPair().privateKey), 'BAD_SIGNATURE'],
			[{...tierCosignCmd(f, id, 'agent'), role: 'human'}, 'ROLE_ALREADY_SIGNED'],
			[{...tierCosignCmd(f, id, 'agent'), signature: 'not base64!'}, 'INVALID_SIGNATURE'],
		];
		for (const [cmd, code] of refusals) expect([cmd.keyId, f.refuse(cmd).code]).toEqual([cmd.keyId, code]);
		// A refusal is audited: who tried, with which key, on which request.
		const error = f.refuse(tierCosignCmd(f, id, 'human'));
		expect(error.audit).toMatchObject({kind: 'tier.cosign_refused', subject: id, data: {code: 'DUPLICATE_KEY', keyId: 'alice', request: f.dep(id).tierCosign!.id}});
		expect(f.dep(id).status).toBe('awaiting_cosign');
	});

	it('a key of the wrong role, or revoked, does not sign', () => {
		const {f, id} = awaitingAt25();
		f.tick();
		expect(f.refuse(tierCosignCmd(f, id, 'agent', f.dep(id).tierCosign!, 'alice', SIGNERS.human.keys.privateKey)).code).toBe('ROLE_MISMATCH');
		f.run(f.revocation('ci-bot', 'laptop lost'));
		expect(f.refuse(tierCosignCmd(f, id, 'agent')).code).toBe('REVOKED_KEY');
	});

	it('a request expires unsigned: a late key is refused, and the engine asks again with the evidence of then', () => {
		const {f, id} = awaitingAt25();
		f.tick();
		const first = f.dep(id).tierCosign!;
		f.run(tierCosignCmd(f, id, 'human'));
		f.wait(f.state.config.leaseTtlMs);
		const late = f.refuse(tierCosignCmd(f, id, 'agent', first));
		expect([late.code, late.message]).toEqual(['EXPIRED', expect.stringContaining(`expired at ${first.expiresAt}`)]);
		f.tick();
		const renewed = f.dep(id).tierCosign!;
		expect(renewed.id).not.toBe(first.id);
		expect(renewed.cosignatures).toEqual([]);
		expect(f.events.find(e => e.kind === 'tier.cosign_expired')).toMatchObject({subject: id, data: {request: first.id, renewed: renewed.id}});
		// A signature made for the old request is of no use on the new one.
		const stale = f.refuse(tierCosignCmd(f, id, 'agent', first));
		expect([stale.code, stale.message]).toEqual(['STALE_REQUEST', expect.stringContaining(`no longer the one asked for (${renewed.id}`)]);
	});

	it('a warning voids the request and holds; once the gate passes again the keys are asked anew', () => {
		const {f, id} = awaitingAt25();
		f.tick();
		const first = f.dep(id).tierCosign!;
		f.run(tierCosignCmd(f, id, 'human'));
		f.record(id, WARN);
		expect(f.dep(id)).toMatchObject({status: 'holding'});
		expect(f.dep(id).tierCosign).toBeUndefined();
		expect(f.events.filter(e => e.kind === 'deployment.holding').at(-1)).toMatchObject({data: {from: 'awaiting_cosign', voided: first.id}});
		expect(f.refuse(tierCosignCmd(f, id, 'agent', first)).code).toBe('NOT_AWAITING_COSIGN');
		for (let i = 0; i < 3; i++) f.record(id, CLEAN);
		f.wait(BAKE);
		expect(f.tick().actions[0]).toMatchObject({action: 'awaiting_cosign'});
		expect(f.dep(id).tierCosign!.id).not.toBe(first.id);
		expect(f.dep(id).tierCosign!.evidence.samplesDigest).not.toBe(first.evidence.samplesDigest);
	});

	it('a critical while waiting halts and rolls back, as on any tier', () => {
		const {f, id} = awaitingAt25();
		f.tick();
		f.record(id, CRIT);
		expect(f.dep(id)).toMatchObject({status: 'rolled_back'});
		expect(f.dep(id).tierCosign).toBeUndefined();
		expect(f.events.find(e => e.kind === 'deployment.halted' && e.subject === id)).toMatchObject({data: {from: 'awaiting_cosign'}});
	});

	it('an operator halts a deployment waiting for keys; resumed, it bakes again and asks again', () => {
		const {f, id} = awaitingAt25();
		f.tick();
		f.run({type: 'canary.halt', actor: 'human:alice', id, reason: 'looks odd'});
		expect(f.dep(id).status).toBe('halted');
		expect(f.dep(id).tierCosign).toBeUndefined();
		f.run({type: 'canary.resume', actor: 'human:alice', id, reason: 'fine'});
		f.bake(id);
		expect(f.tick().actions[0]).toMatchObject({action: 'awaiting_cosign', percent: 25});
	});

	it('two owners: the registry gives no person both a human and an agent key, so the second key is always another owner\'s', () => {
		const f = new Fixture().registerKeys();
		const alicesAgent = {id: 'alice-bot', role: 'agent' as const, owner: 'alice', ...generateKeyPair()};
		// The registry itself refuses an agent key for a person who holds a human key.
		expect(f.refuse(f.registration(alicesAgent)).code).toMatch(/OWNER/);
	});
});
