import {cleanup} from 'ink-testing-library';
import {afterEach, describe, expect, it} from 'vitest';
import {definitionDigest, iso, serviceRecordOf, serviceStatement, signStatement, verifyLease, type ServiceDefinition} from '../../src/core/index.js';
import {openDialog} from '../../src/ui/model/dialog.js';
import {factChanges, reviewedFacts} from '../../src/ui/model/review.js';
import {testSigners} from '../trust.js';
import {FakeStore} from './helpers/fake-store.js';
import {frameOf, KEY, press, readToEnd, selectRow, waitForFrame} from './helpers/ink.js';
import {fixture, mount} from './helpers/mount.js';

afterEach(() => cleanup());

const HAPROXY: ServiceDefinition = {
	name: 'billing',
	target: {kind: 'haproxy', socket: '/run/haproxy/admin.sock', backend: 'billing', servers: {stable: 'v1', canary: 'v2'}, config: '/etc/haproxy/haproxy.cfg', timeoutMs: 2000},
	sanity: [{tiers: [5], check: {kind: 'http', url: 'http://billing.internal/healthz', timeoutMs: 3000}}],
};

/** Another process puts a definition in force for billing, signed by the suite's admin. */
function applyDefinition(store: FakeStore, definition: ServiceDefinition) {
	const statement = serviceStatement(definition, 'billing moves behind HAProxy', iso(store.clock.now()), serviceRecordOf(store.state, definition.name));
	store.external({type: 'service.apply', actor: 'admin', statement: signStatement(statement, testSigners().admins)});
}

describe('the cosign dialog shows the service definition the lease signs', () => {
	it('target, settings, sanity checks and digest; the signature made there verifies', async () => {
		const {r, store, fx} = await mount({size: {columns: 120, rows: 40}});
		applyDefinition(store, HAPROXY);
		const intentId = store.state.leases.find(l => l.id === fx.lease.unsigned)!.intentId;
		const lease = store.external<{id: string}>({type: 'lease.issue', actor: 'human:alice', intentId}).result.id;
		await press(r, '2');
		await waitForFrame(r, /\[2 Leases/);
		await selectRow(r, lease);
		await press(r, 'c');
		await waitForFrame(r, `Cosign ${lease}`);
		await readToEnd(r);
		const dialog = frameOf(r);
		expect(dialog).toMatch(/service +billing on haproxy backend billing servers v1\/v2 via \/run\/haproxy\/admin\.sock/);
		expect(dialog).toMatch(/sanity +5%: GET http:\/\/billing\.internal\/healthz answers 2xx within 3000 ms/);
		expect(dialog).toMatch(new RegExp(`definition +${definitionDigest(HAPROXY).slice(0, 12)}`));
		await press(r, 'y', KEY.enter);
		await waitForFrame(r, '✓ agent key next');
		const check = verifyLease(store.state, store.trust, store.state.leases.find(l => l.id === lease)!, store.clock.now());
		expect(check.reasons.map(x => x.code)).toEqual(['MISSING_AGENT']);
	});

	it('says "no service definition" when there is none', async () => {
		const {r, fx} = await mount({size: {columns: 120, rows: 40}});
		await press(r, '2');
		await waitForFrame(r, /\[2 Leases/);
		await selectRow(r, fx.lease.unsigned);
		await press(r, 'c');
		await waitForFrame(r, `Cosign ${fx.lease.unsigned}`);
		await readToEnd(r);
		expect(frameOf(r)).toMatch(/service +billing: no service definition: simulated target/);
	});

	it('a definition changed while the dialog is open is a changed fact: the signature is refused', () => {
		const fx = fixture();
		const store = new FakeStore(fx, fx.clock);
		const seen = reviewedFacts(openDialog('cosign', fx.lease.unsigned), store.state, fx.clock.now(), store.trust)!;
		applyDefinition(store, HAPROXY);
		const changes = factChanges(seen, reviewedFacts(openDialog('cosign', fx.lease.unsigned), store.state, fx.clock.now(), store.trust));
		expect(changes).toEqual([expect.stringMatching(/^content [0-9a-f]+… → [0-9a-f]+…$/)]);
	});
});
