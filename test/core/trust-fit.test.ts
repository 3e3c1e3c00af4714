import {describe, expect, it} from 'vitest';
import {emptyLedger, execute, generateKeyPair, initialState, ledgerStep, ManualClock, noTrust, Signers, type Holder, type Ledger, type State} from '../../src/core/index.js';
import {bindingEvent, trustFileOf, trustId} from '../../src/core/trust-binding.js';
import {storeBinding, trustMisfit, unboundRefusal} from '../../src/core/trust-fit.js';

const ADMIN_A = generateKeyPair();
const A = new Signers([ADMIN_A], {source: '/etc/calyx/trust.json'});
const B = new Signers([generateKeyPair()], {source: 'another box\'s trust'});
const clock = new ManualClock(Date.parse('2026-12-04T10:00:00.000Z'));
const holder = (id: string): Holder => ({id, role: 'human', owner: id, ...generateKeyPair()});
const registering = (by: Signers, state: State = initialState(), id = 'alice') => execute(state, by.register(holder(id), '2026-12-04T10:00:00.000Z'), {clock, trust: by.trust});
const registered = (by: Signers, state?: State, id?: string) => registering(by, state, id).state;
const hashed = (n: number) => String(n).repeat(64).slice(0, 64);

describe('whether a box\'s trust is the store\'s', () => {
	it('a trust that verifies none of the store\'s keys misfits, and says what to do; one that verifies any, or a store with none, does not', () => {
		const state = registered(A);
		expect(trustMisfit(B.trust, state)).toMatch(/this box's trust \(another box's trust\) verifies none of the store's 1 keys and 0 services/);
		expect(trustMisfit(B.trust, state)).toContain('watch with --readonly');
		expect(trustMisfit(A.trust, state)).toBeUndefined();
		expect(trustMisfit(B.trust, initialState())).toBeUndefined();
		expect(trustMisfit(B.trust, registered(B, state, 'bob'))).toBeUndefined();
	});

	it('an unbound store that holds keys takes writes only under a trust that signed one', () => {
		const state = registered(A);
		expect(unboundRefusal(B.trust, state)).toMatch(/bound to no trust yet and holds 1 keys and 0 services, none signed by this process's trust \(another box's trust\)/);
		expect(unboundRefusal(A.trust, state)).toBeUndefined();
		expect(unboundRefusal(B.trust, initialState())).toBeUndefined();
	});

	it('binds the store: a first registration binds to its trust; a store with keys to a trust that signed one, with that key\'s statements as proof', () => {
		const empty = initialState();
		const first = registered(A);
		expect(storeBinding(A.trust, empty, first)).toEqual({});
		expect(storeBinding(A.trust, empty, empty)).toBeUndefined();
		expect(storeBinding(B.trust, first, registered(B, first, 'mallory'))).toBeUndefined();
		expect(storeBinding(A.trust, first, first)).toEqual({proof: {trust: trustFileOf(A.trust), records: [{key: 'alice', statements: first.keys[0]!.statements}]}});
	});

	it('a trust with an admin the store never saw binds nothing: the store\'s admin listed beside a key of one\'s own, at threshold 1', () => {
		const state = registered(A);
		const superset = new Signers([ADMIN_A, generateKeyPair()], {source: '/home/mallory/trust.json'});
		expect(superset.trust.threshold).toBe(1);
		expect(unboundRefusal(superset.trust, state)).toMatch(/admin admin-2 of this process's trust \(\/home\/mallory\/trust.json\) signed none of them/);
		expect(unboundRefusal(superset.trust, state)).toContain('add admin-2 afterwards with calyx trust rebind');
		expect(storeBinding(superset.trust, state, state)).toBeUndefined();
		// Every admin signed something here: it binds, its proof a record of each.
		const both = registered(superset, state, 'bob');
		expect(unboundRefusal(superset.trust, both)).toBeUndefined();
		expect(storeBinding(superset.trust, both, both)?.proof?.records?.map(r => r.key)).toEqual(['alice', 'bob']);
	});

	it('without a trust file, a store that holds keys is not written', () => {
		const state = registered(A);
		expect(unboundRefusal(noTrust('/etc/calyx/trust.json'), state)).toContain('none signed by this process, which has no trust file (none at /etc/calyx/trust.json)');
		expect(unboundRefusal(noTrust('/etc/calyx/trust.json'), initialState())).toBeUndefined();
	});
});

describe('the fold of a first binding in a trail that registered keys before it', () => {
	const out = registering(A);
	const ledger: Ledger = out.events.reduce((l, e, i) => ledgerStep(l, {seq: i + 1, subject: e.subject, kind: e.kind, data: e.data, hash: hashed(i + 1)}), emptyLedger());
	const bind = (data: Record<string, unknown>) => ledgerStep(ledger, {seq: 9, subject: 'trust', kind: 'store.trust_bound', hash: hashed(9), data});
	const proof = storeBinding(A.trust, out.state, out.state)!.proof!;

	it('binds with a proof that its trust signed a key the trail registered', () => {
		expect(bind(bindingEvent(A.trust, '', '', proof).data).binding).toMatchObject({trust: trustId(A.trust), at: hashed(9)});
	});

	it('binds nothing when appended by hand without one, or with a proof that does not hold', () => {
		expect(bind({trust: trustId(B.trust)}).binding).toBeUndefined();
		// B's trust file, and alice's statements (signed by A's admin).
		expect(bind(bindingEvent(B.trust, '', '', {...proof, trust: trustFileOf(B.trust)}).data).binding).toBeUndefined();
		// A's proof under B's id.
		expect(bind({...bindingEvent(A.trust, '', '', proof).data, trust: trustId(B.trust)}).binding).toBeUndefined();
		// Statements that are not the trail's for that key.
		const other = registered(A, initialState(), 'alice').keys[0]!.statements!;
		const record = proof.records![0]!;
		expect(bind(bindingEvent(A.trust, '', '', {...proof, records: [{...record, statements: other}]}).data).binding).toBeUndefined();
		expect(bind(bindingEvent(A.trust, '', '', {...proof, records: [{...record, key: 'nobody'}]}).data).binding).toBeUndefined();
		expect(bind(bindingEvent(A.trust, '', '', {...proof, records: []}).data).binding).toBeUndefined();
	});

	it('binds nothing under a trust with an admin who signed nothing the trail holds, proof or not', () => {
		const superset = new Signers([ADMIN_A, generateKeyPair()]);
		expect(bind(bindingEvent(superset.trust, '', '', {...proof, trust: trustFileOf(superset.trust)}).data).binding).toBeUndefined();
	});

	it('still reads a binding written with one record (the first form), when its signers are all the trust\'s admins', () => {
		const record = proof.records![0]!;
		const legacy = {trust: proof.trust, key: record.key, statements: record.statements};
		expect(bind(bindingEvent(A.trust, '', '', legacy).data).binding).toMatchObject({trust: trustId(A.trust)});
		const superset = new Signers([ADMIN_A, generateKeyPair()]);
		expect(bind(bindingEvent(superset.trust, '', '', {...legacy, trust: trustFileOf(superset.trust)}).data).binding).toBeUndefined();
	});
});
