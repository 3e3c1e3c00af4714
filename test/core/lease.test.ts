import {createPublicKey, verify} from 'node:crypto';
import {describe, expect, it} from 'vitest';
import {
	DEFAULT_PLAN,
	canonicalJson,
	execute,
	intentContent,
	leaseDigest,
	leasePayload,
	leaseStatus,
	ms,
	sha256,
	type Intent,
} from '../../src/core/index.js';
import {Fixture, HUMAN, SIGNERS, START} from './helpers.js';

const HOUR = 3_600_000;

describe('lease issuance', () => {
	it('binds the intent and the plan by digest, with issue and expiry times, a nonce and no signatures yet', () => {
		const f = new Fixture().registerKeys();
		const intentId = f.intent();
		const id = f.issue(intentId);
		const lease = f.lease(id);
		expect(lease).toEqual({
			id: 'LEASE-20261125-100000',
			intentId,
			digest: sha256(canonicalJson({intent: intentContent(f.intentOf(intentId)), plan: DEFAULT_PLAN})),
			plan: DEFAULT_PLAN,
			risk: expect.objectContaining({score: 15, level: 'low', acknowledged: false}),
			issuedAt: '2026-11-25T10:00:00.000Z',
			expiresAt: '2026-11-25T11:00:00.000Z',
			nonce: expect.stringMatching(/^.{16,}$/),
			issuedBy: 'human:alice',
			cosignatures: [],
		});
		expect(f.events.at(-1)).toMatchObject({kind: 'lease.issued', subject: id, data: {intentId, digest: lease.digest}});
		expect(leaseStatus(lease, f.clock.now())).toBe('pending');
	});

	it('keeps lease ids unique within one second', () => {
		const f = new Fixture().registerKeys();
		const intentId = f.intent();
		const ids = [f.issue(intentId), f.issue(intentId), f.issue(intentId)];
		expect(ids).toEqual(['LEASE-20261125-100000', 'LEASE-20261125-100000-2', 'LEASE-20261125-100000-3']);
		f.clock.advance(1000);
		expect(f.issue(intentId)).toBe('LEASE-20261125-100001');
	});

	it('draws a fresh random nonce per lease when none is injected', () => {
		const f = new Fixture().registerKeys();
		const intentId = f.intent();
		const issue = () => execute<{nonce: string}>(f.state, {type: 'lease.issue', actor: 'human:alice', intentId}, {clock: f.clock, trust: f.trust});
		const [a, b] = [issue().result.nonce, issue().result.nonce];
		expect(a).toMatch(/^[0-9a-f]{32}$/);
		expect(a).not.toBe(b);
	});

	it('takes a TTL and plan overrides', () => {
		const f = new Fixture().registerKeys();
		const id = f.issue(f.intent(), {ttlMs: 5 * 60_000, plan: {tiers: [10, 100], bakeMs: 60_000, autoPromote: false}});
		const lease = f.lease(id);
		expect(ms(lease.expiresAt) - ms(lease.issuedAt)).toBe(5 * 60_000);
		expect(lease.plan).toEqual({...DEFAULT_PLAN, tiers: [10, 100], bakeMs: 60_000, autoPromote: false});
	});

	it.each([999, 7 * 24 * HOUR + 1, 1.5, Number.NaN])('refuses a TTL of %d ms', ttlMs => {
		const f = new Fixture().registerKeys();
		const error = f.refuse({type: 'lease.issue', actor: 'human:alice', intentId: f.intent(), ttlMs});
		expect(error).toMatchObject({kind: 'invalid', code: 'INVALID_TTL', message: 'ttl: must be between 1s and 7d'});
	});

	it.each([
		[{tiers: [5, 3, 100]}, 'plan.tiers: tiers must increase'],
		[{tiers: [5, 50]}, 'plan.tiers: the last tier must be 100'],
		[{tiers: []}, 'plan.tiers: '],
		[{minSamples: 0}, 'plan.minSamples: '],
		[{bakeMs: -1}, 'plan.bakeMs: '],
		[{thresholds: {...DEFAULT_PLAN.thresholds, cpu: {warning: Number.NaN, critical: 120}}}, 'plan.thresholds.cpu.warning: '],
	])('refuses the plan %j, naming the field', (plan, message) => {
		const f = new Fixture().registerKeys();
		const error = f.refuse({type: 'lease.issue', actor: 'human:alice', intentId: f.intent(), plan});
		expect(error).toMatchObject({kind: 'invalid', code: 'INVALID_PLAN'});
		expect(error.message.startsWith(message)).toBe(true);
	});

	it('replaces an expired lease with a new one for the same intent, which then starts the canary', () => {
		const f = new Fixture();
		const old = f.signedLease();
		const intentId = f.lease(old).intentId;
		f.clock.set(ms(f.lease(old).expiresAt));
		const fresh = f.issue(intentId);
		f.sign(fresh, 'human', 'agent');
		expect(f.intentOf(intentId)).toMatchObject({status: 'leased', leaseId: fresh});
		expect(f.dep(f.start(fresh)).leaseId).toBe(fresh);
	});

	it('needs an approved intent', () => {
		const f = new Fixture().registerKeys();
		const draft = f.intent({}, false);
		expect(f.refuse({type: 'lease.issue', actor: 'human:alice', intentId: draft})).toMatchObject({kind: 'refused', code: 'INTENT_NOT_APPROVED'});
		expect(f.refuse({type: 'lease.issue', actor: 'human:alice', intentId: 'INT-20261125-999'})).toMatchObject({kind: 'not_found'});
	});
});

describe('lease digest over canonical JSON (RFC 8785)', () => {
	const intent: Intent = {
		id: 'INT-20261125-001',
		service: 'checkout',
		fromVersion: '1.4.0',
		toVersion: '1.5.0',
		title: 'checkout 1.4.0 → 1.5.0',
		files: 3,
		lines: 40,
		criticality: 'medium',
		status: 'approved_pending_human',
		createdAt: START,
		createdBy: 'human:alice',
	};
	const permuted = <T extends object>(o: T): T => Object.fromEntries(Object.entries(o).reverse()) as T;

	it('gives the same digest for the same content with permuted keys', () => {
		const plan = {...DEFAULT_PLAN, thresholds: permuted(DEFAULT_PLAN.thresholds)};
		expect(Object.keys(permuted(intent))[0]).toBe('createdBy');
		expect(leaseDigest(permuted(intent), permuted(plan))).toBe(leaseDigest(intent, DEFAULT_PLAN));
	});

	it('ignores what changes with the intent\'s status, and changes with what is deployed', () => {
		const base = leaseDigest(intent, DEFAULT_PLAN);
		expect(leaseDigest({...intent, status: 'leased', leaseId: 'LEASE-1', approvedBy: 'x'}, DEFAULT_PLAN)).toBe(base);
		expect(leaseDigest({...intent, toVersion: '1.5.1'}, DEFAULT_PLAN)).not.toBe(base);
		expect(leaseDigest(intent, {...DEFAULT_PLAN, bakeMs: 1})).not.toBe(base);
	});

	it('refuses NaN and Infinity instead of signing them', () => {
		expect(() => leaseDigest(intent, {...DEFAULT_PLAN, bakeMs: Number.NaN})).toThrow(/NaN/);
		expect(() => leaseDigest({...intent, lines: Number.POSITIVE_INFINITY}, DEFAULT_PLAN)).toThrow(/Infinity/);
	});
});

describe('cosigning', () => {
	it('records {role, keyId, signature, signedAt}, an Ed25519 signature over the canonical payload', () => {
		const f = new Fixture();
		f.registerKeys();
		const id = f.issue(f.intent());
		f.clock.advance(30_000);
		const out = f.run(f.cosignCmd(id, 'human'));
		expect(out).toEqual({leaseId: id, role: 'human', keyId: 'alice', activated: false, missing: ['agent']});
		const lease = f.lease(id);
		const sig = lease.cosignatures[0]!;
		expect(sig).toEqual({role: 'human', keyId: 'alice', signature: expect.any(String), signedAt: '2026-11-25T10:00:30.000Z'});
		const payload = leasePayload(lease, lease.digest, 'human', 'alice');
		expect(canonicalJson(JSON.parse(payload))).toBe(payload);
		expect(JSON.parse(payload)).toMatchObject({leaseId: id, nonce: lease.nonce, digest: lease.digest, role: 'human', keyId: 'alice'});
		expect(verify(null, Buffer.from(payload), createPublicKey(HUMAN.publicKey), Buffer.from(sig.signature, 'base64'))).toBe(true);
		expect(f.events.at(-1)).toMatchObject({kind: 'lease.cosigned', actor: 'human:alice', subject: id});
	});

	it('activates the lease and leases the intent once both keys have signed', () => {
		const f = new Fixture();
		const id = f.signedLease();
		const lease = f.lease(id);
		expect(lease.cosignatures.map(c => `${c.role}:${c.keyId}`)).toEqual(['human:alice', 'agent:ci-bot']);
		expect(lease.activatedAt).toBe('2026-11-25T10:00:00.000Z');
		expect(f.intentOf(lease.intentId)).toMatchObject({status: 'leased', leaseId: id});
		expect(f.kinds(id).slice(-2)).toEqual(['lease.cosigned', 'lease.activated']);
		expect(f.events.at(-1)).toMatchObject({kind: 'intent.leased', subject: lease.intentId});
		expect(leaseStatus(lease, f.clock.now())).toBe('active');
	});

	it('signs in either order', () => {
		const f = new Fixture().registerKeys();
		const id = f.issue(f.intent());
		f.sign(id, 'agent', 'human');
		expect(f.lease(id).activatedAt).toBeDefined();
	});

	it('shows a consumed and an expired lease as such', () => {
		const f = new Fixture();
		const id = f.signedLease();
		const lease = f.lease(id);
		expect(leaseStatus(lease, ms(lease.expiresAt))).toBe('expired');
		f.start(id);
		expect(leaseStatus(f.lease(id), f.clock.now())).toBe('consumed');
	});

	it('replays byte for byte with an injected clock and nonce', () => {
		const runOnce = () => {
			const f = new Fixture();
			f.signedLease();
			return f.state;
		};
		expect(runOnce()).toEqual(runOnce());
	});

	it('keeps the signer\'s role and key id in the signed bytes', () => {
		const f = new Fixture().registerKeys();
		const lease = f.lease(f.issue(f.intent()));
		const payloads = new Set([
			leasePayload(lease, lease.digest, 'human', SIGNERS.human.keyId),
			leasePayload(lease, lease.digest, 'agent', SIGNERS.human.keyId),
			leasePayload(lease, lease.digest, 'human', 'bob'),
		]);
		expect(payloads.size).toBe(3);
	});
});
