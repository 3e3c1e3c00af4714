import {describe, expect, it} from 'vitest';
import {execute, generateKeyPair, initialState, ManualClock, Signers, type Holder, type State} from '../../src/core/index.js';
import {bindsStore, trustMisfit} from '../../src/core/trust-fit.js';

const A = new Signers([generateKeyPair()], {source: '/etc/calyx/trust.json'});
const B = new Signers([generateKeyPair()], {source: 'another box\'s trust'});
const clock = new ManualClock(Date.parse('2026-12-04T10:00:00.000Z'));
const holder = (id: string): Holder => ({id, role: 'human', owner: id, ...generateKeyPair()});
const registered = (by: Signers, state: State = initialState(), id = 'alice') => execute(state, by.register(holder(id), '2026-12-04T10:00:00.000Z'), {clock, trust: by.trust}).state;

describe('whether a box\'s trust is the store\'s', () => {
	it('a trust that verifies none of the store\'s keys misfits, and says what to do; one that verifies any, or a store with none, does not', () => {
		const state = registered(A);
		expect(trustMisfit(B.trust, state)).toMatch(/this box's trust \(another box's trust\) verifies none of the store's 1 keys and 0 services/);
		expect(trustMisfit(B.trust, state)).toContain('watch with --readonly');
		expect(trustMisfit(A.trust, state)).toBeUndefined();
		expect(trustMisfit(B.trust, initialState())).toBeUndefined();
		expect(trustMisfit(B.trust, registered(B, state, 'bob'))).toBeUndefined();
	});

	it('binds the store: a first registration binds to its trust; a store with keys only to a trust that signed one of them', () => {
		const empty = initialState();
		const first = registered(A);
		expect(bindsStore(A.trust, empty, first)).toBe(true);
		expect(bindsStore(A.trust, empty, empty)).toBe(false);
		// An upgraded store: alice from before binding. A stranger registering a key of their own binds nothing.
		expect(bindsStore(B.trust, first, registered(B, first, 'mallory'))).toBe(false);
		expect(bindsStore(A.trust, first, first)).toBe(true);
	});
});
