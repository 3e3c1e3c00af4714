import {describe, expect, it} from 'vitest';
import type {Command, Intent} from '../../src/core/index.js';
import {CRIT, FROM, Fixture, SERVICE, TO, type IntentOptions} from './helpers.js';

const create = (extra: IntentOptions = {}): Command => ({
	type: 'intent.create',
	actor: 'human:alice',
	service: SERVICE,
	fromVersion: FROM,
	toVersion: TO,
	...extra,
});

describe('intent', () => {
	it('records service, versions, title, change size, criticality and creation, as a draft', () => {
		const f = new Fixture();
		const intent = f.run<Intent>(f.proposal({fromVersion: '1.4.0', title: 'faster checkout', files: 7, lines: 240, criticality: 'high'}));
		expect(intent).toEqual({
			id: 'INT-20261125-001',
			service: SERVICE,
			fromVersion: '1.4.0',
			toVersion: TO,
			title: 'faster checkout',
			files: 7,
			lines: 240,
			criticality: 'high',
			status: 'draft',
			createdAt: '2026-11-25T10:00:00.000Z',
			createdBy: 'human:alice',
			proposal: {keyId: 'ci-bot', owner: 'ci-bot'},
		});
		expect(f.events.at(-1)).toMatchObject({kind: 'intent.created', subject: intent.id, reason: 'faster checkout', actor: 'human:alice'});
	});

	it('takes the from-version it is given and fills sensible defaults', () => {
		const f = new Fixture();
		expect(f.run<Intent>(f.proposal())).toMatchObject({fromVersion: FROM, title: `${SERVICE} ${FROM} → ${TO}`, files: 1, lines: 10, criticality: 'medium'});
	});

	it.each([[undefined], [''], ['  ']])('needs a from-version (%j) while no completed deployment of the service says what runs: the engine reads no target', fromVersion => {
		const f = new Fixture();
		const error = f.refuse(f.proposal({fromVersion}));
		expect(error).toMatchObject({kind: 'invalid', code: 'FROM_REQUIRED', message: `from: the version ${SERVICE} runs now is required (no completed deployment of it says)`});
		// Another service's history says nothing about this one.
		f.complete(f.canary({intent: {service: 'payments'}}));
		expect(f.refuse(f.proposal({fromVersion}))).toMatchObject({code: 'FROM_REQUIRED'});
	});

	it('takes the from-version from the last completed deployment of the service when none is given', () => {
		const f = new Fixture();
		f.complete(f.canary());
		const next = f.run<Intent>(f.proposal({fromVersion: undefined, toVersion: '1.6.0'}));
		expect(next).toMatchObject({fromVersion: TO, title: `${SERVICE} ${TO} → 1.6.0`});
		expect(f.refuse(f.proposal({fromVersion: undefined, toVersion: TO}))).toMatchObject({code: 'SAME_VERSION'});
		// A completed deployment rolled back since no longer says what runs.
		f.run({type: 'rollback', actor: 'human:alice', id: f.state.deployments[0]!.id, reason: 'regression'});
		expect(f.refuse(f.proposal({fromVersion: undefined, toVersion: '1.6.0'}))).toMatchObject({code: 'FROM_REQUIRED'});
	});

	it('numbers intents within the day, and afresh the next day', () => {
		const f = new Fixture();
		expect([f.intent(), f.intent()]).toEqual(['INT-20261125-001', 'INT-20261125-002']);
		f.clock.advance(86_400_000);
		expect(f.intent()).toBe('INT-20261126-001');
	});

	it.each([
		[{service: 'no spaces'}, 'INVALID_NAME', /^service: /],
		[{service: ''}, 'INVALID_NAME', /^service: /],
		[{toVersion: ''}, 'INVALID_VERSION', /^to: /],
		[{toVersion: '   '}, 'INVALID_VERSION', /^to: /],
		[{toVersion: FROM}, 'SAME_VERSION', /^to: 1\.4\.0 is already the from-version$/],
		[{criticality: 'extreme' as never}, 'INVALID_CRITICALITY', /^criticality: "extreme" is not one of low, medium, high$/],
		[{files: -1}, 'INVALID_NUMBER', /^files: must be a whole number/],
		[{lines: 2.5}, 'INVALID_NUMBER', /^lines: must be a whole number/],
		[{lines: Number.NaN}, 'INVALID_NUMBER', /^lines: /],
	])('refuses %j, naming the field', (extra, code, message) => {
		const f = new Fixture();
		const error = f.refuse(create(extra));
		expect(error).toMatchObject({kind: 'invalid', code});
		expect(error.message).toMatch(message);
	});

	it('is approved once, from draft to approved_pending_human', () => {
		const f = new Fixture();
		const id = f.intent({}, false);
		const approval = f.approval(id);
		expect(f.run(approval)).toEqual({id, status: 'approved_pending_human', approvedBy: 'alice'});
		expect(f.intentOf(id)).toMatchObject({approvedAt: '2026-11-25T10:00:00.000Z', approvedBy: 'alice', approval: {keyId: 'alice', owner: 'alice'}});
		const again = f.refuse(approval);
		expect(again).toMatchObject({kind: 'refused', code: 'INTENT_NOT_DRAFT', message: `${id} is approved pending human: only a draft intent can be approved`});
		expect(f.refuse({...approval, id: 'INT-20261125-404'} as typeof approval)).toMatchObject({kind: 'not_found'});
	});

	it('walks draft → approved_pending_human → leased → deploying → deployed', () => {
		const f = new Fixture().registerKeys();
		const seen: string[] = [];
		const id = f.intent({}, false);
		const status = () => seen.push(f.intentOf(id).status);
		status();
		f.run(f.approval(id));
		status();
		const leaseId = f.issue(id);
		f.sign(leaseId, 'human', 'agent');
		status();
		const dep = f.start(leaseId);
		status();
		f.complete(dep);
		status();
		expect(seen).toEqual(['draft', 'approved_pending_human', 'leased', 'deploying', 'deployed']);
	});

	it('ends rolled_back when its deployment is rolled back, and takes no new lease', () => {
		const f = new Fixture();
		const dep = f.canary();
		f.record(dep, CRIT);
		const intentId = f.dep(dep).intentId;
		expect(f.intentOf(intentId).status).toBe('rolled_back');
		expect(f.refuse({type: 'lease.issue', actor: 'human:alice', intentId})).toMatchObject({code: 'INTENT_NOT_APPROVED'});
	});
});
