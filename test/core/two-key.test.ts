import {describe, expect, it} from 'vitest';
import {generateKeyPairSync} from 'node:crypto';
import {generateKeyPair, iso, leasePayload, ms, signPayload, verifyLease, type Cosignature} from '../../src/core/index.js';
import {AGENT, Fixture, HUMAN, withEdited} from './helpers.js';

const OTHER = generateKeyPair();

/** A fixture with both keys registered and one issued, unsigned lease. */
function unsigned() {
	const f = new Fixture().registerKeys();
	const leaseId = f.issue(f.intent());
	return {f, leaseId};
}

const codes = (f: Fixture, leaseId: string, now = f.clock.now()) => verifyLease(f.state, f.trust, f.lease(leaseId), now).reasons.map(r => r.code);

/** Cosign must refuse with `code`, carry one reason and an audit event naming the lease and the key. */
function expectCosignRefusal(f: Fixture, leaseId: string, cmd: ReturnType<Fixture['cosignCmd']>, code: string) {
	const error = f.refuse(cmd);
	expect(error).toMatchObject({kind: 'refused', code});
	expect(error.reasons.map(r => r.code)).toEqual([code]);
	expect(error.audit).toEqual({
		at: iso(f.clock.now()),
		actor: cmd.actor,
		kind: 'lease.cosign_refused',
		subject: leaseId,
		reason: error.message,
		data: {code, keyId: (cmd as {keyId: string}).keyId},
	});
	return error;
}

describe('two-key rule (CP14): what verifies', () => {
	it('verifies one registered human key and one registered agent key, each with its own Ed25519 signature', () => {
		const f = new Fixture();
		const id = f.signedLease();
		const check = verifyLease(f.state, f.trust, f.lease(id), f.clock.now());
		expect(check).toMatchObject({ok: true, reasons: []});
		expect(check.valid.map(v => v.keyId)).toEqual(['alice', 'ci-bot']);
	});

	it('does not verify with one signature, naming the missing role', () => {
		const {f, leaseId} = unsigned();
		expect(codes(f, leaseId)).toEqual(['MISSING_HUMAN', 'MISSING_AGENT']);
		f.sign(leaseId, 'human');
		expect(codes(f, leaseId)).toEqual(['MISSING_AGENT']);
	});

	it('does not let two human keys stand in for a human and an agent', () => {
		const {f, leaseId} = unsigned();
		f.run(f.registration({id: 'bob', role: 'human', owner: 'bob', ...OTHER}));
		f.sign(leaseId, 'human');
		const cmd = f.cosignCmd(leaseId, 'human', f.signature(leaseId, 'human', 'bob', OTHER.privateKey), 'bob');
		expectCosignRefusal(f, leaseId, cmd, 'ROLE_ALREADY_SIGNED');
		// Even written straight into the document, the second human signature leaves the agent missing.
		const bob: Cosignature = {role: 'human', keyId: 'bob', signature: f.signature(leaseId, 'human', 'bob', OTHER.privateKey), signedAt: iso(f.clock.now())};
		f.state = withEdited(f.state, 'leases', leaseId, l => l.cosignatures.push(bob));
		expect(codes(f, leaseId)).toEqual(['MISSING_AGENT']);
	});
});

describe('two-key rule (CP14): refusals, each with its own reason code', () => {
	it('DUPLICATE_KEY: the same key signing a second time, under any role', () => {
		const {f, leaseId} = unsigned();
		f.sign(leaseId, 'human');
		const asAgent = f.signature(leaseId, 'agent', 'alice', HUMAN.privateKey);
		expectCosignRefusal(f, leaseId, f.cosignCmd(leaseId, 'agent', asAgent, 'alice'), 'DUPLICATE_KEY');
		const forged: Cosignature = {role: 'agent', keyId: 'alice', signature: asAgent, signedAt: iso(f.clock.now())};
		f.state = withEdited(f.state, 'leases', leaseId, l => l.cosignatures.push(forged));
		expect(codes(f, leaseId)).toEqual(['DUPLICATE_KEY', 'MISSING_AGENT']);
	});

	it('refuses an identical re-submission of a valid signature', () => {
		const {f, leaseId} = unsigned();
		const cmd = f.cosignCmd(leaseId, 'human');
		f.run(cmd);
		expectCosignRefusal(f, leaseId, cmd, 'DUPLICATE_KEY');
		expect(f.lease(leaseId).cosignatures).toHaveLength(1);
	});

	it('ROLE_MISMATCH: a key signing under a role it is not registered for', () => {
		const {f, leaseId} = unsigned();
		const cmd = f.cosignCmd(leaseId, 'agent', f.signature(leaseId, 'agent', 'alice', HUMAN.privateKey), 'alice');
		const error = expectCosignRefusal(f, leaseId, cmd, 'ROLE_MISMATCH');
		expect(error.message).toBe('key alice is registered as human, not agent');
	});

	it('UNKNOWN_KEY: a key nobody registered', () => {
		const {f, leaseId} = unsigned();
		const cmd = f.cosignCmd(leaseId, 'agent', f.signature(leaseId, 'agent', 'mallory', OTHER.privateKey), 'mallory');
		expectCosignRefusal(f, leaseId, cmd, 'UNKNOWN_KEY');
	});

	it('REVOKED_KEY: a key revoked before signing', () => {
		const {f, leaseId} = unsigned();
		f.run(f.revocation('ci-bot', 'laptop lost'));
		expectCosignRefusal(f, leaseId, f.cosignCmd(leaseId, 'agent'), 'REVOKED_KEY');
	});

	it('REVOKED_KEY: a key revoked after signing fails verification and the canary start', () => {
		const f = new Fixture();
		const leaseId = f.signedLease();
		f.run(f.revocation('ci-bot', 'laptop lost'));
		expect(codes(f, leaseId)).toEqual(['REVOKED_KEY', 'MISSING_AGENT']);
		const error = f.refuse(f.startCmd(leaseId));
		expect(error).toMatchObject({kind: 'refused', code: 'PRECHECK_FAILED'});
		expect(error.reasons).toEqual([{code: 'LEASE_VERIFIED', message: expect.stringContaining('REVOKED_KEY: key ci-bot was revoked at')}]);
		expect(error.audit).toMatchObject({kind: 'canary.start_refused', subject: leaseId, actor: 'human:alice', reason: error.message});
	});

	it('BAD_SIGNATURE: a signature by another private key, over other content, or not a signature at all', () => {
		const {f, leaseId} = unsigned();
		const lease = f.lease(leaseId);
		const wrongKey = f.signature(leaseId, 'human', 'alice', OTHER.privateKey);
		const otherContent = signPayload(leasePayload({...lease, expiresAt: iso(ms(lease.expiresAt) + 3_600_000)}, lease.digest, 'human', 'alice'), HUMAN.privateKey);
		for (const signature of [wrongKey, otherContent, Buffer.alloc(64).toString('base64')]) {
			expectCosignRefusal(f, leaseId, f.cosignCmd(leaseId, 'human', signature), 'BAD_SIGNATURE');
		}
		expect(f.refuse(f.cosignCmd(leaseId, 'human', 'not base64!'))).toMatchObject({kind: 'invalid', code: 'INVALID_SIGNATURE'});
		const robot = {...f.cosignCmd(leaseId, 'human'), role: 'robot'} as unknown as ReturnType<Fixture['cosignCmd']>;
		expect(f.refuse(robot)).toMatchObject({kind: 'invalid', code: 'INVALID_ROLE', message: 'role: "robot" is not one of human, agent'});
	});

	it.each([
		['the intent\'s target version', 'intents', (x: {toVersion?: string}) => void (x.toVersion = '9.9.9')],
		['the intent\'s change size', 'intents', (x: {lines?: number}) => void (x.lines = 5)],
		['the plan', 'leases', (x: {plan?: {bakeMs: number}}) => void (x.plan!.bakeMs = 0)],
	] as const)('CONTENT_CHANGED: %s changed after signing', (_what, list, edit) => {
		const {f, leaseId} = unsigned();
		f.sign(leaseId, 'human');
		const subject = list === 'intents' ? f.lease(leaseId).intentId : leaseId;
		f.state = withEdited(f.state, list, subject, edit as (x: object) => void);
		expect(codes(f, leaseId)[0]).toBe('CONTENT_CHANGED');
		expectCosignRefusal(f, leaseId, f.cosignCmd(leaseId, 'agent', f.signature(leaseId, 'agent')), 'CONTENT_CHANGED');
	});

	it('BAD_SIGNATURE: a plan changed together with its digest still breaks the signatures', () => {
		const f = new Fixture();
		const leaseId = f.signedLease();
		const forged = new Fixture().registerKeys();
		const other = forged.lease(forged.issue(forged.intent(), {plan: {bakeMs: 0}}));
		f.state = withEdited(f.state, 'leases', leaseId, l => Object.assign(l, {plan: other.plan, digest: other.digest}));
		expect(codes(f, leaseId)).toEqual(['BAD_SIGNATURE', 'BAD_SIGNATURE', 'MISSING_HUMAN', 'MISSING_AGENT']);
	});

	it('REPLAYED_SIGNATURE: a signature copied from another lease', () => {
		const f = new Fixture().registerKeys();
		const intentId = f.intent();
		const first = f.issue(intentId);
		f.sign(first, 'human');
		// The second lease voids the first, whose signature stays on record to be copied.
		const second = f.issue(intentId);
		const copied = f.lease(first).cosignatures[0]!.signature;
		const error = expectCosignRefusal(f, second, f.cosignCmd(second, 'human', copied), 'REPLAYED_SIGNATURE');
		expect(error.message).toBe(`signature by alice was made for ${first}, not ${second}`);
		const pasted: Cosignature = {role: 'human', keyId: 'alice', signature: copied, signedAt: iso(f.clock.now())};
		f.state = withEdited(f.state, 'leases', second, l => l.cosignatures.push(pasted));
		expect(codes(f, second)).toEqual(['REPLAYED_SIGNATURE', 'MISSING_HUMAN', 'MISSING_AGENT']);
	});

	describe('EXPIRED: expiry is checked when signing, verifying and starting', () => {
		const setup = () => {
			const {f, leaseId} = unsigned();
			return {f, leaseId, expiry: ms(f.lease(leaseId).expiresAt)};
		};

		it.each([
			[-1000, true],
			[0, false],
			[1000, false],
		])('at expiry %+d ms a cosignature is accepted: %s', (offset, accepted) => {
			const {f, leaseId, expiry} = setup();
			f.clock.set(expiry + offset);
			if (accepted) expect(f.run(f.cosignCmd(leaseId, 'human'))).toMatchObject({keyId: 'alice'});
			else expectCosignRefusal(f, leaseId, f.cosignCmd(leaseId, 'human'), 'EXPIRED');
		});

		it.each([
			[-1000, true],
			[0, false],
			[1000, false],
		])('at expiry %+d ms the lease verifies and starts a canary: %s', (offset, ok) => {
			const {f, leaseId, expiry} = setup();
			f.sign(leaseId, 'human', 'agent');
			expect(verifyLease(f.state, f.trust, f.lease(leaseId), expiry + offset).ok).toBe(ok);
			f.clock.set(expiry + offset);
			if (ok) {
				expect(f.start(leaseId)).toMatch(/^DEP-/);
				return;
			}
			expect(codes(f, leaseId)).toEqual(['EXPIRED']);
			const error = f.refuse(f.startCmd(leaseId));
			expect(error.reasons).toEqual([{code: 'LEASE_VERIFIED', message: `EXPIRED: lease expired at ${f.lease(leaseId).expiresAt}: issue a new lease for ${f.lease(leaseId).intentId}`}]);
		});
	});

	it('CONSUMED: a lease starts at most one deployment, and takes no signature afterwards', () => {
		const f = new Fixture();
		const leaseId = f.signedLease();
		const depId = f.start(leaseId);
		expect(f.lease(leaseId)).toMatchObject({deploymentId: depId, consumedAt: f.dep(depId).createdAt});
		expect(codes(f, leaseId)).toEqual(['CONSUMED']);
		const error = f.refuse(f.startCmd(leaseId));
		expect(error.reasons.find(r => r.code === 'LEASE_VERIFIED')?.message).toContain('CONSUMED');
		expect(f.state.deployments).toHaveLength(1);
		expectCosignRefusal(f, leaseId, f.cosignCmd(leaseId, 'human'), 'CONSUMED');
	});
});

describe('key registry', () => {
	it('registers Ed25519 public keys with their fingerprint', () => {
		const f = new Fixture().registerKeys();
		expect(f.state.keys.map(k => [k.id, k.role])).toEqual([
			['alice', 'human'],
			['ci-bot', 'agent'],
		]);
		expect(f.state.keys[0]!.fingerprint).toMatch(/^[0-9a-f]{64}$/);
		expect(f.kinds('alice')).toEqual(['key.registered']);
	});

	it.each([
		['human', 'alice2', 'alice'],
		['agent', 'alice-bot', 'alice-bot'],
	] as const)('KEY_REUSED: refuses a public key registered again as %s under another id', (role, id, owner) => {
		const f = new Fixture().registerKeys();
		const error = f.refuse(f.registration({id, role, owner, ...HUMAN}));
		expect(error).toMatchObject({kind: 'refused', code: 'KEY_REUSED', message: 'this public key is already registered as alice (human)'});
	});

	it('refuses a taken id, anything but an Ed25519 public key, and a statement that does not parse', () => {
		const f = new Fixture().registerKeys();
		expect(f.refuse(f.registration({id: 'alice', role: 'human', owner: 'alice', ...OTHER}))).toMatchObject({code: 'KEY_EXISTS'});
		const withKey = (publicKey: string) => {
			const cmd = f.registration({id: 'bob', role: 'human', owner: 'bob', ...OTHER});
			return f.refuse({...cmd, statement: {...cmd.statement, statement: {...cmd.statement.statement, publicKey}}});
		};
		const rsa = generateKeyPairSync('rsa', {modulusLength: 1024}).publicKey.export({type: 'spki', format: 'pem'}).toString();
		// Changing the key after the admin signed breaks the signature first: nothing unsigned is looked at.
		expect(withKey(rsa)).toMatchObject({code: 'UNTRUSTED_STATEMENT'});
		const robot = f.registration({id: 'bob', role: 'human', owner: 'bob', ...OTHER});
		(robot.statement.statement as {role: string}).role = 'robot';
		expect(f.refuse(robot)).toMatchObject({kind: 'invalid', code: 'INVALID_STATEMENT', message: expect.stringContaining('statement.role')});
		expect(f.refuse(f.registration({id: 'no spaces', role: 'human', owner: 'bob', ...OTHER}))).toMatchObject({code: 'INVALID_STATEMENT'});
	});

	it('revokes with a reason, once', () => {
		const f = new Fixture().registerKeys();
		expect(f.refuse(f.revocation('ci-bot', ' '))).toMatchObject({code: 'REASON_REQUIRED'});
		f.run(f.revocation('ci-bot', 'rotated'));
		expect(f.state.keys[1]).toMatchObject({revokedAt: iso(f.clock.now()), revokedBy: 'admin', revokeReason: 'rotated'});
		expect(f.refuse(f.revocation('ci-bot', 'again'))).toMatchObject({code: 'ALREADY_REVOKED'});
		// A revoked key's public half stays taken: it cannot come back under a new name.
		expect(f.refuse(f.registration({id: 'ci-bot-2', role: 'agent', owner: 'ci-bot', ...AGENT}))).toMatchObject({code: 'KEY_REUSED'});
	});
});

describe('one live lease per intent', () => {
	it('issuing a new lease voids the older one, with an event; the old one can no longer be signed or started', () => {
		const f = new Fixture().registerKeys();
		const intentId = f.intent();
		const first = f.issue(intentId);
		f.sign(first, 'human');
		f.clock.advance(1000);
		const second = f.issue(intentId);
		expect(f.lease(first)).toMatchObject({voidedBy: second, voidedAt: iso(f.clock.now())});
		expect(f.kinds(first)).toContain('lease.voided');
		expect(codes(f, first)).toContain('VOIDED');
		expectCosignRefusal(f, first, f.cosignCmd(first, 'agent'), 'VOIDED');
		f.sign(second, 'human', 'agent');
		expect(codes(f, second)).toEqual([]);
		expect(f.refuse(f.startCmd(first))).toMatchObject({kind: 'refused'});
		expect(f.dep(f.start(second)).leaseId).toBe(second);
	});

	it('a fully signed lease is voided too, and its intent waits for the new lease again', () => {
		const f = new Fixture();
		const first = f.signedLease();
		const intentId = f.lease(first).intentId;
		expect(f.intentOf(intentId)).toMatchObject({status: 'leased', leaseId: first});
		f.clock.advance(1000);
		const second = f.issue(intentId);
		expect(codes(f, first)).toEqual(['VOIDED']);
		expect(f.intentOf(intentId).status).toBe('approved_pending_human');
		f.sign(second, 'human', 'agent');
		expect(f.intentOf(intentId)).toMatchObject({status: 'leased', leaseId: second});
	});
});
