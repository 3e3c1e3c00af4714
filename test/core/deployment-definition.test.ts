import {describe, expect, it} from 'vitest';
import {leaseDigest, signedDefinition, type Deployment, type State} from '../../src/core/index.js';
import {Fixture} from './helpers.js';
import {applyCmd, EXEC, HAPROXY, signUnderDefinition} from './service-fixtures.js';

/** A canary of the fixture's service started under the HAProxy definition (its target never answers here). */
function underHaproxy(): {f: Fixture; id: string} {
	const f = new Fixture().registerKeys();
	f.run(applyCmd(f, HAPROXY));
	const leaseId = f.issue(f.intent());
	signUnderDefinition(f, leaseId, 'human', 'agent');
	return {f, id: f.start(leaseId)};
}

/** The state as someone with write access to the document could leave it. */
function edited(state: State, id: string, edit: (dep: Deployment, s: State) => void): State {
	const copy = structuredClone(state);
	edit(copy.deployments.find(d => d.id === id)!, copy);
	return copy;
}

describe('the definition a deployment is driven by: the one its lease signed', () => {
	it('keeps the definition in force at the start, and proves it against both signatures', () => {
		const {f, id} = underHaproxy();
		expect(f.dep(id)).toMatchObject({target: 'haproxy', definition: HAPROXY});
		expect(signedDefinition(f.state, f.trust, f.dep(id))).toEqual({definition: HAPROXY});
		// Changing the service's definition afterwards changes nothing for this deployment.
		f.run(applyCmd(f, EXEC, {reason: 'moved'}));
		expect(signedDefinition(f.state, f.trust, f.dep(id))).toEqual({definition: HAPROXY});
	});

	it('a definition edited into the deployment by hand proves nothing, so none of its commands run', () => {
		const {f, id} = underHaproxy();
		const state = edited(f.state, id, dep => (dep.definition = EXEC));
		expect(signedDefinition(state, f.trust, state.deployments.find(d => d.id === id)!)).toEqual({problem: expect.stringContaining('not the one lease')});
	});

	it('nor does one whose lease digest was edited to match: the signatures are over the signed content', () => {
		const {f, id} = underHaproxy();
		const state = edited(f.state, id, (dep, s) => {
			dep.definition = EXEC;
			const lease = s.leases.find(l => l.id === dep.leaseId)!;
			lease.digest = leaseDigest(s.intents.find(i => i.id === lease.intentId)!, lease.plan, EXEC);
		});
		expect(signedDefinition(state, f.trust, state.deployments.find(d => d.id === id)!)).toEqual({problem: expect.stringContaining('no valid human signature')});
	});

	it('a simulated deployment proves with no definition; one given a definition by hand does not', () => {
		const f = new Fixture();
		const id = f.canary();
		expect(signedDefinition(f.state, f.trust, f.dep(id))).toEqual({});
		const state = edited(f.state, id, dep => (dep.definition = EXEC));
		expect(signedDefinition(state, f.trust, state.deployments.find(d => d.id === id)!)).toHaveProperty('problem');
	});

	it('a key revoked after the start still proves what it signed then: a rollback never waits on a revocation', () => {
		const {f, id} = underHaproxy();
		f.run(f.revocation('alice', 'left the company'));
		expect(signedDefinition(f.state, f.trust, f.dep(id))).toEqual({definition: HAPROXY});
	});
});
