import {describe, expect, it} from 'vitest';
import {amendment, generateKeyPair, keyVerdict, signStatement, trustedKey, verifyLease, type Command, type KeyRecord} from '../../src/core/index.js';
import {ADMIN, Fixture, HOLDERS} from './helpers.js';

const STRANGER = generateKeyPair();
const OTHER = generateKeyPair();

const verdictOf = (f: Fixture, id: string) => trustedKey(f.trust, f.state.keys, id);
/** Edits a key record the way a hand in state.json would. */
const editKey = (f: Fixture, id: string, edit: (k: KeyRecord) => void) => {
	f.state = {...f.state, keys: f.state.keys.map(k => (k.id === id ? (x => (edit(x), x))(structuredClone(k)) : k))};
};

describe('the key registry answers to the trust file', () => {
	it('refuses a registration no admin of the trust signed, or signed by too few', () => {
		const f = new Fixture();
		const byStranger = f.signers.register(HOLDERS.human, '2026-11-25T10:00:00.000Z', [STRANGER]);
		expect(f.refuse(byStranger)).toMatchObject({kind: 'refused', code: 'UNTRUSTED_STATEMENT', message: expect.stringContaining('0 valid admin signature(s) of test trust; 1 needed')});
		const two = new Fixture({trust: {threshold: 2}});
		expect(two.refuse(two.registration(HOLDERS.human))).toMatchObject({code: 'UNTRUSTED_STATEMENT'});
	});

	it('a threshold of two takes two distinct admins, never one admin twice', () => {
		const second = generateKeyPair();
		const f = new Fixture({admins: [ADMIN, second], trust: {threshold: 2}});
		const once = f.signers.register(HOLDERS.human, '2026-11-25T10:00:00.000Z', [ADMIN]);
		const twice = {...once, statement: {...once.statement, signatures: [...once.statement.signatures, ...once.statement.signatures]}};
		expect(f.refuse(twice)).toMatchObject({code: 'UNTRUSTED_STATEMENT', message: expect.stringContaining('1 valid admin signature(s)')});
		expect(f.run(f.signers.register(HOLDERS.human, '2026-11-25T10:00:00.000Z', [ADMIN, second]))).toMatchObject({id: 'alice', owner: 'alice'});
	});

	it('a key inserted into the document by hand is not a key: its signatures are refused', () => {
		const f = new Fixture().registerKeys();
		const leaseId = f.issue(f.intent());
		const forged: KeyRecord = {id: 'mallory', role: 'agent', owner: 'mallory', publicKey: OTHER.publicKey, fingerprint: f.state.keys[1]!.fingerprint.replace(/./, '0'), addedAt: '2026-11-25T10:00:00.000Z', addedBy: 'admin'};
		f.state = {...f.state, keys: [...f.state.keys, forged]};
		expect(verdictOf(f, 'mallory')).toMatchObject({ok: false, reason: {code: 'UNTRUSTED_KEY'}});
		const error = f.refuse(f.cosignCmd(leaseId, 'agent', f.signature(leaseId, 'agent', 'mallory', OTHER.privateKey), 'mallory'));
		expect(error).toMatchObject({code: 'UNTRUSTED_KEY', message: expect.stringContaining('key mallory: no admin statement registers it')});
	});

	it('a revoked key does not come back by deleting revokedAt, nor by swapping its role in the document', () => {
		const f = new Fixture();
		const leaseId = f.signedLease();
		f.run(f.revocation('ci-bot', 'laptop lost'));
		editKey(f, 'ci-bot', k => {
			delete k.revokedAt;
			delete k.revokeReason;
		});
		expect(verdictOf(f, 'ci-bot')).toMatchObject({ok: false, reason: {message: expect.stringContaining('revocation differ from its signed statements')}});
		expect(verifyLease(f.state, f.trust, f.lease(leaseId), f.clock.now()).ok).toBe(false);
		// Dropping the revocation statement too leaves a record its own statements still contradict.
		editKey(f, 'ci-bot', k => void k.statements!.pop());
		editKey(f, 'alice', k => void (k.role = 'agent'));
		expect(verdictOf(f, 'alice')).toMatchObject({ok: false, reason: {message: expect.stringContaining('role differ')}});
	});

	it('one owner cannot hold both a human and an agent key: one person cannot pass the two-key rule', () => {
		const f = new Fixture().registerKeys();
		const error = f.refuse(f.registration({id: 'alice-bot', role: 'agent', owner: 'alice', ...OTHER}));
		expect(error).toMatchObject({code: 'OWNER_HOLDS_OTHER_ROLE', message: 'alice already holds human key alice: one owner cannot hold both a human and an agent key'});
		// Owner names are one person whatever their case.
		expect(f.refuse(f.registration({id: 'alice-bot', role: 'agent', owner: 'ALICE', ...OTHER}))).toMatchObject({code: 'OWNER_HOLDS_OTHER_ROLE', message: expect.stringContaining('ALICE already holds human key alice')});
		// A second human key of the same person is fine; a role change into the other role is not.
		f.run(f.registration({id: 'alice-2', role: 'human', owner: 'alice', ...OTHER}));
		const toAgent = signStatement(amendment(f.state.keys[2]!, 'role', '2026-11-25T10:00:00.000Z', 'becomes a bot', 'agent'), [ADMIN]);
		expect(f.refuse({type: 'key.role', actor: 'admin', statement: toAgent})).toMatchObject({code: 'OWNER_HOLDS_OTHER_ROLE'});
	});

	it('two keys of one owner written into the document are refused as SAME_OWNER, whatever the case of the name', () => {
		for (const owner of ['alice', 'Alice']) {
			const f = new Fixture();
			const leaseId = f.signedLease();
			// Each record carries a valid statement, but they were registered apart and pasted together.
			const apart = new Fixture();
			apart.run(apart.registration({...HOLDERS.agent, owner}));
			f.state = {...f.state, keys: [f.state.keys[0]!, apart.state.keys[0]!]};
			const check = verifyLease(f.state, f.trust, f.lease(leaseId), f.clock.now());
			expect(check.reasons.map(r => r.code)).toEqual(['SAME_OWNER', 'MISSING_AGENT']);
		}
	});

	it('a statement applies once, in order: a replayed or stale one is refused', () => {
		const f = new Fixture().registerKeys();
		const record = f.state.keys[1]!;
		const revoke = signStatement(amendment(record, 'revoke', '2026-11-25T10:00:00.000Z', 'rotated'), [ADMIN]);
		const toHuman = signStatement(amendment(record, 'role', '2026-11-25T10:00:00.000Z', 'mistake', 'human'), [ADMIN]);
		f.run({type: 'key.role', actor: 'admin', statement: toHuman});
		expect(f.state.keys[1]).toMatchObject({role: 'human'});
		expect(f.kinds('ci-bot')).toEqual(['key.registered', 'key.role_changed']);
		// Made for the key as it was before the role change: it does not follow the last statement.
		expect(f.refuse({type: 'key.revoke', actor: 'admin', statement: revoke})).toMatchObject({code: 'STALE_STATEMENT'});
		expect(f.refuse({type: 'key.role', actor: 'admin', statement: toHuman})).toMatchObject({code: 'SAME_ROLE'});
	});

	it('a key registered before owners existed no longer verifies until an admin certifies it', () => {
		const f = new Fixture().registerKeys();
		editKey(f, 'alice', k => {
			delete k.statements;
			delete k.owner;
		});
		expect(verdictOf(f, 'alice')).toMatchObject({ok: false, reason: {code: 'UNTRUSTED_KEY'}});
		f.run(f.registration(HOLDERS.human));
		expect(keyVerdict(f.trust, f.state.keys[0]!)).toMatchObject({ok: true, key: {owner: 'alice'}});
		expect(f.state.keys).toHaveLength(2);
	});
});

describe('approvals are signed by a human key, and not by the proposer', () => {
	it('refuses an approval without a key, by an agent key, or with a signature over another reason', () => {
		const f = new Fixture();
		const id = f.intent({}, false);
		const approval = f.approval(id, 'reviewed in CHG-1');
		expect(f.refuse({...approval, reason: 'something else'} as Command)).toMatchObject({code: 'BAD_SIGNATURE'});
		expect(f.refuse({type: 'intent.approve', actor: 'x', id} as unknown as Command)).toMatchObject({kind: 'invalid', code: 'KEY_REQUIRED'});
		expect(f.refuse(f.approval(id, undefined, HOLDERS.agent))).toMatchObject({code: 'ROLE_MISMATCH'});
		expect(f.run(approval)).toMatchObject({status: 'approved_pending_human', approvedBy: 'alice'});
	});

	it('separation of duties: the owner who proposed cannot approve; unsigned proposals are refused', () => {
		const f = new Fixture();
		f.registerKeys();
		const mine = f.run<{id: string}>(f.proposal({}, HOLDERS.human)).id;
		expect(f.refuse(f.approval(mine))).toMatchObject({code: 'SAME_PERSON', message: `alice proposed ${mine}: separation of duties needs another person to approve it`});
		// Another human key of the same person, named with other capitals, is still that person.
		const again = {id: 'alice-2', role: 'human' as const, owner: 'Alice', ...OTHER};
		f.run(f.registration(again));
		expect(f.refuse(f.approval(mine, undefined, again))).toMatchObject({code: 'SAME_PERSON', message: `Alice proposed ${mine}: separation of duties needs another person to approve it`});
		expect(f.refuse({type: 'intent.create', actor: 'human:alice', service: 'checkout', fromVersion: '1.4.0', toVersion: '2.0'})).toMatchObject({code: 'PROPOSAL_UNSIGNED'});
		const forged = {...f.proposal({toVersion: '2.1'}), toVersion: '2.2'} as Command;
		expect(f.refuse(forged)).toMatchObject({code: 'BAD_SIGNATURE'});
	});

	it('with separation of duties off, a proposer may approve and proposals may be unsigned', () => {
		const f = new Fixture({trust: {separationOfDuties: false}});
		f.registerKeys();
		const mine = f.run<{id: string}>(f.proposal({}, HOLDERS.human)).id;
		expect(f.run(f.approval(mine))).toMatchObject({status: 'approved_pending_human'});
		expect(f.run({type: 'intent.create', actor: 'operator:bob', service: 'checkout', fromVersion: '1.4.0', toVersion: '2.0'})).toMatchObject({status: 'draft'});
	});

	it('an approval signature verifies only for the intent it was made for', () => {
		const f = new Fixture();
		const a = f.intent({}, false);
		const b = f.intent({toVersion: '1.6.0'}, false);
		const forA = f.approval(a) as Extract<Command, {type: 'intent.approve'}>;
		expect(f.refuse({...forA, id: b})).toMatchObject({code: 'BAD_SIGNATURE'});
	});
});
