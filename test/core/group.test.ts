import {describe, expect, it} from 'vitest';
import {Fixture, SERVICE} from './helpers.js';

/** Three live canaries on three services. */
function threeLive() {
	const f = new Fixture();
	const ids = ['a', 'b', 'c'].map(suffix => {
		const service = `${SERVICE}-${suffix}`;
		f.fleet.addService(service, '1.4.0');
		return f.canary({intent: {service}});
	});
	return {f, ids};
}

describe('group actions: one reason, several deployments, each with its own linked events', () => {
	it('halts three live canaries in one commit; each halt names the group, and one event sums it up', () => {
		const {f, ids} = threeLive();
		const out = f.run<{group: string; outcomes: Array<{id: string; ok: boolean; status: string}>}>({type: 'group', actor: 'human:alice', action: 'halt', ids, reason: 'pager: checkout latency'});
		expect(out.group).toMatch(/^GRP-[0-9a-z-]{12}$/);
		expect(out.outcomes).toEqual(ids.map(id => ({id, ok: true, status: 'halted'})));
		for (const id of ids) {
			expect(f.dep(id).status).toBe('halted');
			expect(f.events.find(e => e.kind === 'deployment.halted' && e.subject === id)).toMatchObject({reason: 'pager: checkout latency', data: {group: out.group}});
		}
		expect(f.events.find(e => e.kind === 'group.halt')).toMatchObject({subject: out.group, data: {action: 'halt', ids, refused: []}});
	});

	it('acts on those it can and says which it could not; rolls back the same way', () => {
		const {f, ids} = threeLive();
		f.run({type: 'canary.halt', actor: 'human:alice', id: ids[1]!, reason: 'first'});
		const out = f.run<{group: string; outcomes: Array<Record<string, unknown>>}>({type: 'group', actor: 'human:alice', action: 'halt', ids: [...ids, 'DEP-20200101-001'], reason: 'all of them'});
		expect(out.outcomes).toEqual([
			{id: ids[0], ok: true, status: 'halted'},
			{id: ids[1], ok: false, code: 'NOT_ACTIVE', message: `${ids[1]} is halted: cannot halt (already halted)`},
			{id: ids[2], ok: true, status: 'halted'},
			{id: 'DEP-20200101-001', ok: false, code: 'NOT_FOUND', message: expect.stringContaining('DEP-20200101-001')},
		]);
		const back = f.run<{outcomes: Array<{status: string}>}>({type: 'group', actor: 'human:alice', action: 'rollback', ids, reason: 'bad build'});
		// Decided in the commit (rolling back); the target's revert, verified, ends each.
		expect(back.outcomes.map(o => o.status)).toEqual(['rolling_back', 'rolling_back', 'rolling_back']);
		expect(ids.map(id => f.dep(id).status)).toEqual(['rolled_back', 'rolled_back', 'rolled_back']);
	});

	it('refuses a group where nothing can be done, an empty or oversized one, and a missing reason, changing nothing', () => {
		const {f, ids} = threeLive();
		for (const id of ids) f.run({type: 'canary.halt', actor: 'human:alice', id, reason: 'x'});
		const none = f.refuse({type: 'group', actor: 'human:alice', action: 'halt', ids, reason: 'again'});
		expect([none.code, none.reasons.map(r => r.code)]).toEqual(['GROUP_NOTHING_DONE', ['NOT_ACTIVE', 'NOT_ACTIVE', 'NOT_ACTIVE']]);
		expect(f.refuse({type: 'group', actor: 'human:alice', action: 'halt', ids: [], reason: 'x'}).code).toBe('INVALID_GROUP');
		expect(f.refuse({type: 'group', actor: 'human:alice', action: 'halt', ids: Array.from({length: 201}, (_, i) => `DEP-20260101-${i}`), reason: 'x'}).code).toBe('INVALID_GROUP');
		expect(f.refuse({type: 'group', actor: 'human:alice', action: 'halt', ids, reason: ' '}).code).toBe('REASON_REQUIRED');
		expect(f.refuse({type: 'group', actor: 'human:alice', action: 'halt', ids: ['DEP-\u001b[2J'], reason: 'x'}).message).toMatch(/^ids: /);
		expect(f.refuse({type: 'group', actor: 'human:alice', action: 'resume' as 'halt', ids, reason: 'x'}).code).toBe('INVALID_ACTION');
	});
});
