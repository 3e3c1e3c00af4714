import {describe, expect, it} from 'vitest';
import {
	State,
	canonicalJson,
	definitionDigest,
	generateKeyPair,
	initialState,
	intentContent,
	leaseDigest,
	serviceInForce,
	sha256,
	verifyLease,
	type ServiceDefinition,
	type ServiceRecord,
} from '../../src/core/index.js';
import {ADMIN, Fixture, SERVICE} from './helpers.js';
import {applyCmd, EXEC, HAPROXY, signUnderDefinition} from './service-fixtures.js';

const OTHER_ADMIN = generateKeyPair();

/** The fixture's state with the service's record edited as a group member with write access could. */
function editRecord(f: Fixture, edit: (r: ServiceRecord) => void): void {
	f.state = {...f.state, services: f.state.services!.map(r => (r.name === SERVICE ? (x => (edit(x), x))(structuredClone(r)) : r))};
}

const problemOf = (f: Fixture) => {
	const found = serviceInForce(f.state, f.trust, SERVICE);
	return 'problem' in found ? found.problem : undefined;
};

describe('service definitions: applied by statements the admins sign', () => {
	it('puts a definition in force, then changes it, each an audited event with its reason', () => {
		const f = new Fixture();
		const first = f.run(applyCmd(f, HAPROXY, {reason: 'checkout moves behind HAProxy'}));
		expect(first).toMatchObject({name: SERVICE, digest: definitionDigest(HAPROXY), previous: null, target: 'haproxy'});
		expect(serviceInForce(f.state, f.trust, SERVICE)).toEqual({record: expect.objectContaining({name: SERVICE, definition: HAPROXY, digest: definitionDigest(HAPROXY), appliedBy: 'admin'})});
		f.run(applyCmd(f, EXEC, {reason: 'the Gateway API now routes checkout'}));
		const record = f.state.services![0]!;
		expect(record).toMatchObject({definition: EXEC, digest: definitionDigest(EXEC)});
		expect(record.statements.map(s => s.statement.reason)).toEqual(['checkout moves behind HAProxy', 'the Gateway API now routes checkout']);
		expect(f.events.filter(e => e.kind === 'service.applied').map(e => [e.subject, e.reason, e.data.digest, e.data.previous, e.data.target])).toEqual([
			[SERVICE, 'checkout moves behind HAProxy', definitionDigest(HAPROXY), null, 'haproxy'],
			[SERVICE, 'the Gateway API now routes checkout', definitionDigest(EXEC), definitionDigest(HAPROXY), 'exec'],
		]);
		expect(serviceInForce(f.state, f.trust, 'payments')).toEqual({none: true});
	});

	it('refuses a statement no admin of the trust signed, or signed by too few', () => {
		const f = new Fixture();
		expect(f.refuse(applyCmd(f, HAPROXY, {admins: [OTHER_ADMIN]}))).toMatchObject({kind: 'refused', code: 'UNTRUSTED_STATEMENT', message: expect.stringContaining('definition of service checkout carries 0 valid admin signature(s)')});
		expect(f.refuse(applyCmd(f, HAPROXY, {admins: []}))).toMatchObject({code: 'UNTRUSTED_STATEMENT'});
		const two = new Fixture({admins: [ADMIN, OTHER_ADMIN], trust: {threshold: 2}});
		expect(two.refuse(applyCmd(two, HAPROXY, {admins: [ADMIN]}))).toMatchObject({code: 'UNTRUSTED_STATEMENT', message: expect.stringContaining('1 valid admin signature(s)')});
		expect(two.refuse(applyCmd(two, HAPROXY, {admins: [ADMIN, ADMIN]}))).toMatchObject({code: 'UNTRUSTED_STATEMENT'});
		two.run(applyCmd(two, HAPROXY, {admins: [ADMIN, OTHER_ADMIN]}));
		expect(serviceInForce(two.state, two.trust, SERVICE)).toHaveProperty('record');
	});

	it('a statement applies once, in order: a replayed or stale one is refused', () => {
		const f = new Fixture();
		const first = applyCmd(f, HAPROXY);
		f.run(first);
		const toExec = applyCmd(f, EXEC);
		// Made for the same state as toExec: once toExec applied, it follows nothing.
		const back = applyCmd(f, {...HAPROXY, sanity: []});
		f.run(toExec);
		expect(f.refuse(first)).toMatchObject({kind: 'refused', code: 'STALE_STATEMENT'});
		expect(f.refuse(back)).toMatchObject({kind: 'refused', code: 'STALE_STATEMENT'});
		expect(f.refuse(applyCmd(f, EXEC))).toMatchObject({code: 'SAME_DEFINITION'});
	});

	it('refuses a statement whose digest, name or definition is not what it says, naming the field', () => {
		const f = new Fixture();
		const cmd = applyCmd(f, HAPROXY) as {statement: {statement: Record<string, unknown>; signatures: unknown[]}};
		const tamper = (patch: Record<string, unknown>) => f.refuse({...cmd, statement: {...cmd.statement, statement: {...cmd.statement.statement, ...patch}}} as never);
		expect(tamper({digest: '0'.repeat(64)})).toMatchObject({kind: 'invalid', code: 'INVALID_STATEMENT', message: 'statement.digest: is not the digest of statement.definition'});
		expect(tamper({name: 'payments'})).toMatchObject({kind: 'invalid', message: 'statement.definition.name: must be the name the statement is about'});
		expect(tamper({reason: ' '})).toMatchObject({kind: 'invalid', message: 'statement.reason: a non-empty reason is required'});
		expect(tamper({definition: {...HAPROXY, target: {kind: 'nginx'}}})).toMatchObject({kind: 'invalid', message: 'statement.definition.target.kind: must be one of simulated, haproxy, exec'});
		expect(tamper({definition: {...HAPROXY, target: {kind: 'exec', command: ['/bin/hook\u001b[2J']}}})).toMatchObject({kind: 'invalid', message: expect.stringMatching(/^statement\.definition\.target\.command\.0: contains a control character \(\\x1b/)});
		// A signature over the original content does not carry over to the tampered one either.
		expect(f.state.services).toBeUndefined();
	});

	it('a record edited, reordered or cut by hand is untrusted: no lease verifies under it', () => {
		const f = new Fixture();
		f.run(applyCmd(f, HAPROXY));
		f.run(applyCmd(f, EXEC));
		const signed = f.state;
		editRecord(f, r => {
			r.definition = {...r.definition, target: {kind: 'exec', command: ['/tmp/evil']}} as ServiceDefinition;
			r.digest = definitionDigest(r.definition);
		});
		expect(problemOf(f)).toEqual({code: 'UNTRUSTED_SERVICE', message: "service checkout: the document's definition and digest differ from its signed statements (edited by hand)"});
		f.state = signed;
		editRecord(f, r => void r.statements.reverse());
		expect(problemOf(f)?.message).toBe('service checkout: statement 1 does not follow the one before it (replayed, dropped or reordered)');
		f.state = signed;
		editRecord(f, r => void r.statements.shift());
		expect(problemOf(f)?.message).toContain('statement 1 does not follow');
		editRecord(f, r => void (r.statements = []));
		expect(problemOf(f)?.message).toContain('no admin statement puts a definition in force');
		// An untrusted record can be neither leased under nor extended.
		const intentId = f.intent();
		expect(f.refuse({type: 'lease.issue', actor: 'human:alice', intentId})).toMatchObject({kind: 'refused', code: 'UNTRUSTED_SERVICE'});
		expect(f.refuse(applyCmd(f, HAPROXY))).toMatchObject({code: 'UNTRUSTED_SERVICE'});
	});

	it('older states without services load', () => {
		const state = initialState();
		expect('services' in state).toBe(false);
		expect(State.safeParse(state).success).toBe(true);
	});
});

describe('the lease signs the definition in force', () => {
	it('a lease without a definition keeps today\'s digest, byte for byte', () => {
		const f = new Fixture();
		const leaseId = f.signedLease();
		const lease = f.lease(leaseId);
		const intent = f.intentOf(lease.intentId);
		expect(lease.digest).toBe(sha256(canonicalJson({intent: intentContent(intent), plan: lease.plan})));
		expect(leaseDigest(intent, lease.plan)).toBe(lease.digest);
		expect(lease.serviceDigest).toBeUndefined();
		expect(verifyLease(f.state, f.trust, lease, f.clock.now()).ok).toBe(true);
	});

	it('covers the definition: a lease signed under it verifies and starts', () => {
		const f = new Fixture().registerKeys();
		f.run(applyCmd(f, HAPROXY));
		const leaseId = f.issue(f.intent());
		const lease = f.lease(leaseId);
		const intent = f.intentOf(lease.intentId);
		expect(lease.digest).toBe(sha256(canonicalJson({intent: intentContent(intent), plan: lease.plan, service: {digest: definitionDigest(HAPROXY), definition: HAPROXY}})));
		expect(lease.serviceDigest).toBe(definitionDigest(HAPROXY));
		// A signer's tool that leaves the definition out signs other content.
		expect(f.refuse(f.cosignCmd(leaseId, 'human'))).toMatchObject({code: 'BAD_SIGNATURE'});
		signUnderDefinition(f, leaseId, 'human', 'agent');
		expect(verifyLease(f.state, f.trust, f.lease(leaseId), f.clock.now())).toMatchObject({ok: true, reasons: []});
		expect(f.start(leaseId)).toMatch(/^DEP-/);
	});

	it('a definition changed after both keys signed refuses the start with CONTENT_CHANGED', () => {
		const f = new Fixture().registerKeys();
		f.run(applyCmd(f, HAPROXY));
		const leaseId = f.issue(f.intent());
		signUnderDefinition(f, leaseId, 'human', 'agent');
		f.run(applyCmd(f, EXEC));
		const message = `the definition of service checkout changed (${definitionDigest(HAPROXY).slice(0, 12)} → ${definitionDigest(EXEC).slice(0, 12)}) after the lease was issued: signatures are void`;
		expect(verifyLease(f.state, f.trust, f.lease(leaseId), f.clock.now()).reasons).toContainEqual({code: 'CONTENT_CHANGED', message});
		const error = f.refuse(f.startCmd(leaseId));
		expect(error).toMatchObject({kind: 'refused', code: 'PRECHECK_FAILED'});
		expect(error.reasons).toEqual([{code: 'LEASE_VERIFIED', message: expect.stringContaining(`CONTENT_CHANGED: ${message}`)}]);
	});

	it('a definition put in force after signing voids the signatures too, and a half-signed lease cannot be finished', () => {
		const f = new Fixture().registerKeys();
		const leaseId = f.issue(f.intent());
		f.sign(leaseId, 'human');
		f.run(applyCmd(f, HAPROXY));
		const message = 'the definition of service checkout was put in force after the lease was issued: signatures are void';
		expect(verifyLease(f.state, f.trust, f.lease(leaseId), f.clock.now()).reasons[0]).toEqual({code: 'CONTENT_CHANGED', message});
		expect(f.refuse(f.cosignCmd(leaseId, 'agent'))).toMatchObject({code: 'CONTENT_CHANGED', message});
	});

	it('a record edited by hand after signing: the lease no longer verifies, and says why', () => {
		const f = new Fixture().registerKeys();
		f.run(applyCmd(f, HAPROXY));
		const leaseId = f.issue(f.intent());
		signUnderDefinition(f, leaseId, 'human', 'agent');
		// The group member leaves the definition as signed but rewrites the chain's reason: the signatures break.
		editRecord(f, r => void (r.statements[0]!.statement.reason = 'nothing to see'));
		const check = verifyLease(f.state, f.trust, f.lease(leaseId), f.clock.now());
		expect(check.ok).toBe(false);
		expect(check.reasons[0]).toEqual({code: 'UNTRUSTED_SERVICE', message: expect.stringContaining('service checkout: definition of service checkout carries 0 valid admin signature(s)')});
		expect(f.refuse(f.startCmd(leaseId)).reasons[0]!.message).toContain('UNTRUSTED_SERVICE');
	});
});
