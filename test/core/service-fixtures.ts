import {cosign, definitionFor, iso, serviceRecordOf, serviceStatement, signStatement, type Command, type Role, type ServiceDefinition} from '../../src/core/index.js';
import {ADMIN, Fixture, SERVICE, SIGNERS} from './helpers.js';

/** A definition of the fixture's service on HAProxy, with one sanity check at the first two tiers. */
export const HAPROXY: ServiceDefinition = {
	name: SERVICE,
	target: {kind: 'haproxy', socket: '/run/haproxy/admin.sock', backend: 'app', servers: {stable: 'stable', canary: 'canary'}, config: '/etc/haproxy/haproxy.cfg', timeoutMs: 2000},
	sanity: [{tiers: [5, 25], check: {kind: 'http', url: 'http://127.0.0.1:8080/healthz', timeoutMs: 5000}}],
};

/** The same service moved to an exec hook: a change an admin could sign. */
export const EXEC: ServiceDefinition = {name: SERVICE, target: {kind: 'exec', command: ['/usr/local/bin/route-hook'], shell: false, timeoutMs: 10_000, env: {}}};

type Admin = {publicKey: string; privateKey: string};

/** `service.apply` of a definition, chained after the record in the fixture's state, signed by `admins`. */
export function applyCmd(f: Fixture, definition: ServiceDefinition, opts: {reason?: string; admins?: Admin[]} = {}): Command {
	const statement = serviceStatement(definition, opts.reason ?? 'moved to the real router', iso(f.clock.now()), serviceRecordOf(f.state, definition.name));
	return {type: 'service.apply', actor: 'admin', statement: signStatement(statement, opts.admins ?? [ADMIN])};
}

/** Both keys' signatures as a signer's tools make them: over the definition the document holds now. */
export function signUnderDefinition(f: Fixture, leaseId: string, ...roles: Role[]): void {
	for (const role of roles) {
		const lease = f.lease(leaseId);
		const intent = f.intentOf(lease.intentId);
		const {keyId, keys} = SIGNERS[role];
		f.run(f.cosignCmd(leaseId, role, cosign(lease, intent, role, keyId, keys.privateKey, definitionFor(f.state, intent.service))));
	}
}
