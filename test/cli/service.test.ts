import {chmodSync, mkdtempSync, readFileSync, writeFileSync} from 'node:fs';
import {createServer, type Server} from 'node:net';
import {tmpdir} from 'node:os';
import {join, resolve} from 'node:path';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {addKeys, sandbox, signedLease, snapshot} from './helpers.js';

type Doc = Record<string, any>;
type Box = ReturnType<typeof sandbox>;

const HOOK = resolve(import.meta.dirname, '../../examples/hooks/gateway-api-weights.sh');

/** A listening UNIX socket: HAProxy's admin socket as `service apply` sees it (it only checks that one is there). */
const socket = join(mkdtempSync(join(tmpdir(), 'calyx-sock-')), 'haproxy.sock');
let server: Server;
beforeAll(async () => {
	server = createServer();
	await new Promise<void>(done => server.listen(socket, done));
});
afterAll(() => new Promise<void>(done => server.close(() => done())));

const write = (s: Box, name: string, content: string) => {
	const path = join(s.root, name);
	writeFileSync(path, content);
	return path;
};

const haproxyYaml = (over: Record<string, string> = {}) => {
	const v = {socket, backend: 'app', stable: 'stable', canary: 'canary', config: HOOK, ...over};
	return `name: checkout\ntarget:\n  kind: haproxy\n  socket: ${v.socket}\n  backend: ${v.backend}\n  servers: {stable: ${v.stable}, canary: ${v.canary}}\n  config: ${v.config}\nsanity:\n  - tiers: [5, 25]\n    check: {kind: http, url: "http://127.0.0.1:8080/healthz"}\n`;
};

const execJson = (command: string) => JSON.stringify({name: 'checkout', target: {kind: 'exec', command: [command], env: {ROUTE: 'checkout'}}});

/** An initialised sandbox with one definition in force, so that refusals have a state and a trail to leave alone. */
async function withDefinition(): Promise<Box> {
	const s = sandbox();
	expect((await s.calyx(['init'])).code).toBe(0);
	expect((await s.calyx(['service', 'apply', '-f', write(s, 'first.json', execJson(HOOK)), '--reason', 'the gateway routes checkout'])).code).toBe(0);
	return s;
}

describe('calyx service apply refuses what it can check, writing nothing', () => {
	it.each([
		['invalid YAML', 'bad.yaml', 'name: checkout\ntarget: {kind: haproxy\n', /bad\.yaml: not valid YAML: .* at line \d+, column \d+/],
		['a key given twice', 'twice.yaml', 'name: checkout\nname: payments\ntarget: {kind: simulated}\n', /twice\.yaml: not valid YAML: Map keys must be unique/],
		['an unknown target kind', 'kind.yaml', 'name: checkout\ntarget: {kind: nginx}\n', /kind\.yaml: target\.kind: must be one of simulated, haproxy, exec; nothing was registered/],
		['a bad HAProxy field', 'field.yaml', haproxyYaml({canary: '"x y"'}), /target\.servers\.canary: must be a plain name of 1–64 characters: letters, digits/],
		['an unknown HAProxy field', 'extra.json', JSON.stringify({name: 'checkout', target: {kind: 'haproxy', sockt: '/x'}}), /target\.sockt: unknown field \(allowed: kind, socket, backend, servers, config, timeoutMs\)/],
		['an unknown top-level field', 'top.yaml', 'name: checkout\ntarget: {kind: simulated}\nmetric: {}\n', /top\.yaml: metric: unknown field \(allowed: name, target, sanity, metrics\)/],
		['a missing socket', 'nosock.yaml', haproxyYaml({socket: '/run/calyx-test-no-such.sock'}), /target\.socket: \/run\/calyx-test-no-such\.sock does not exist/],
		['a socket that is a file', 'file.yaml', haproxyYaml({socket: HOOK}), /target\.socket: .*gateway-api-weights\.sh is not a socket/],
		['a sanity check of an unknown kind', 'check.yaml', 'name: checkout\ntarget: {kind: simulated}\nsanity: [{check: {kind: tcp}}]\n', /sanity\[0\]\.check\.kind: "tcp" is not one of http, exec/],
		['settings on the simulator', 'sim.yaml', 'name: checkout\ntarget: {kind: simulated, socket: /x}\n', /target\.socket: the simulated target takes no settings/],
		['a control character in a setting', 'ctl.json', JSON.stringify({name: 'checkout', target: {kind: 'exec', command: ['/bin/true\u001b[2J']}}), /target\.command\[0\]: contains a control character \(\\x1b at character 10\)/],
	])('%s: exit 2, the field named', async (_what, name, content, message) => {
		const s = await withDefinition();
		const before = snapshot(s.data);
		const run = await s.calyx(['service', 'apply', '-f', write(s, name, content), '--reason', 'try']);
		expect(run.code).toBe(2);
		expect(run.stderr).toMatch(message);
		expect(snapshot(s.data)).toEqual(before);
	});

	it('a hook that is not executable, or that others can rewrite: exit 2 naming the path', async () => {
		const s = await withDefinition();
		const before = snapshot(s.data);
		const hook = write(s, 'hook.sh', '#!/bin/sh\necho {}\n');
		chmodSync(hook, 0o644);
		const plain = await s.calyx(['service', 'apply', '-f', write(s, 'a.json', execJson(hook)), '--reason', 'try']);
		expect(plain.code).toBe(2);
		expect(plain.stderr).toContain(`target.command[0]: ${hook} is not an executable file`);
		chmodSync(hook, 0o775);
		const shared = await s.calyx(['service', 'apply', '-f', write(s, 'b.json', execJson(hook)), '--reason', 'try']);
		expect(shared.code).toBe(2);
		expect(shared.stderr).toContain(`target.command[0]: ${hook} is writable by its group or others (mode 775)`);
		expect(snapshot(s.data)).toEqual(before);
	});

	it('a reason with a control character, or none: exit 2', async () => {
		const s = await withDefinition();
		const before = snapshot(s.data);
		const file = write(s, 'sim.yaml', 'name: checkout\ntarget: {kind: simulated}\n');
		expect((await s.calyx(['service', 'apply', '-f', file, '--reason', 'ok\u001b[31m'])).code).toBe(2);
		const none = await s.calyx(['service', 'apply', '-f', file]);
		expect(none).toMatchObject({code: 2, stderr: expect.stringContaining('--reason: required with --file')});
		expect(snapshot(s.data)).toEqual(before);
	});
});

describe('calyx service apply, list and show', () => {
	it('applies a definition, lists it and shows it, in text and --json; the same file again changes nothing', async () => {
		const s = sandbox();
		await s.calyx(['init']);
		const file = write(s, 'checkout.yaml', haproxyYaml());
		const applied = await s.json<Doc>(['service', 'apply', '-f', file, '--reason', 'checkout moves behind HAProxy']);
		expect(applied).toMatchObject({code: 0, doc: {ok: true, name: 'checkout', previous: null, target: 'haproxy', digest: expect.stringMatching(/^[0-9a-f]{64}$/), voidedLeases: []}});
		const list = await s.json<Doc>(['service', 'list']);
		expect(list.doc.services).toEqual([
			expect.objectContaining({name: 'checkout', trusted: true, digest: applied.doc.digest, target: `haproxy backend app servers stable/canary via ${socket}, weights kept in ${HOOK}, timeout 2000 ms`}),
		]);
		expect((await s.calyx(['service', 'list'])).stdout).toMatch(/checkout +haproxy backend app servers stable\/canary via .* in force/);
		const show = await s.json<Doc>(['service', 'show', 'checkout']);
		// The drivers' defaults are filled in: what the admins sign is what runs.
		expect(show.doc.definition.target).toEqual({kind: 'haproxy', socket, backend: 'app', servers: {stable: 'stable', canary: 'canary'}, config: HOOK, timeoutMs: 2000});
		expect(show.doc.history).toEqual([expect.objectContaining({reason: 'checkout moves behind HAProxy', signatures: 1})]);
		const text = (await s.calyx(['service', 'show', 'checkout'])).stdout;
		expect(text).toContain('service checkout  IN FORCE');
		expect(text).toContain('sanity:   5%, 25%: GET http://127.0.0.1:8080/healthz answers 2xx within 5000 ms');
		// No lease on checkout: nothing said of leases.
		const other = await s.calyx(['service', 'apply', '-f', write(s, 'checkout.json', execJson(HOOK)), '--reason', 'to the gateway']);
		expect(other.stdout).toContain('replaces');
		expect(other.stdout).not.toContain('CONTENT_CHANGED');
		expect((await s.calyx(['service', 'apply', '-f', file, '--reason', 'back to HAProxy'])).code).toBe(0);
		const again = await s.json<Doc>(['service', 'apply', '-f', file, '--reason', 'again']);
		expect(again.doc).toMatchObject({unchanged: true});
		const audit = await s.json<Doc>(['audit', 'list']);
		expect(audit.doc.events.filter((e: Doc) => e.kind === 'service.applied').map((e: Doc) => [e.subject, e.reason])).toEqual([
			['checkout', 'checkout moves behind HAProxy'],
			['checkout', 'to the gateway'],
			['checkout', 'back to HAProxy'],
		]);
		expect(await s.calyx(['service', 'show', 'payments'])).toMatchObject({code: 2, stderr: expect.stringContaining('no definition for service payments')});
	});

	it('another admin signs a request: --request-out, calyx trust sign, --signed; applied once only', async () => {
		const s = await withDefinition();
		const request = join(s.root, 'req.json');
		const file = write(s, 'sim.yaml', 'name: checkout\ntarget: {kind: simulated}\n');
		const before = snapshot(s.data);
		expect((await s.calyx(['service', 'apply', '-f', file, '--reason', 'back to the simulator', '--request-out', request])).code).toBe(0);
		expect(snapshot(s.data)).toEqual(before);
		const unsigned = await s.calyx(['service', 'apply', '--signed', request]);
		expect(unsigned).toMatchObject({code: 1, stderr: expect.stringContaining('definition of service checkout carries 0 valid admin signature(s)')});
		const signed = await s.calyx(['trust', 'sign', request, '--admin-key', 'demo-admin']);
		expect(signed.stdout).toContain('put in force the definition of service checkout');
		expect(signed.stdout).toContain('target: simulated target');
		expect(signed.stdout).toContain(`ready: calyx service apply --signed ${request}`);
		expect(await s.calyx(['keys', 'apply', request])).toMatchObject({code: 2, stderr: expect.stringContaining('a service definition statement')});
		expect((await s.calyx(['service', 'apply', '--signed', request])).code).toBe(0);
		expect((await s.json<Doc>(['service', 'show', 'checkout'])).doc.definition.target).toEqual({kind: 'simulated'});
		const replay = await s.calyx(['service', 'apply', '--signed', request]);
		expect(replay).toMatchObject({code: 1, stderr: expect.stringContaining('does not follow its last statement')});
	});

	it('audit verify compares the definitions with the trail: one deleted by hand is named, and no lease is issued for its service in its stead', async () => {
		const s = await withDefinition();
		const intact = await s.calyx(['audit', 'verify']);
		expect(intact).toMatchObject({code: 0, stdout: expect.stringContaining('1 service definitions match the trail\'s signed statements')});
		const path = join(s.data, 'state.json');
		const state = JSON.parse(readFileSync(path, 'utf8'));
		delete state.services;
		writeFileSync(path, JSON.stringify(state));
		// The service would run on the simulator now: only the trail can tell.
		expect((await s.json<Doc>(['service', 'list'])).doc.services).toEqual([]);
		const verify = await s.calyx(['audit', 'verify']);
		expect(verify.code).toBe(1);
		expect(verify.stdout).toContain('SERVICE DEFINITIONS DIFFER FROM THE AUDIT TRAIL:\n  checkout: applied in the audit trail, but missing from the document');
		// And the trail decides: nothing is signed for checkout on the simulator in its stead.
		await addKeys(s);
		const intent = (await s.json<Doc>(['intent', 'create', '--service', 'checkout', '--from', '1.4.0', '--to', '1.5.0', '--key', 'ci-bot'])).doc;
		expect((await s.calyx(['intent', 'approve', intent.id, '--key', 'alice'])).code).toBe(0);
		const issued = await s.json<Doc>(['lease', 'issue', intent.id]);
		expect(issued.code).toBe(1);
		expect(issued.stderr).toContain('service checkout: the document differs from the audit trail (see calyx audit verify): its definition was removed from the document');
		expect(JSON.stringify(issued.doc)).toContain('SERVICE_NOT_IN_TRAIL');
	});

	it('a record edited by hand is shown untrusted', async () => {
		const s = await withDefinition();
		const path = join(s.data, 'state.json');
		const state = JSON.parse(readFileSync(path, 'utf8'));
		state.services[0].definition.target.command = ['/bin/sh'];
		writeFileSync(path, JSON.stringify(state));
		const shown = await s.json<Doc>(['service', 'show', 'checkout']);
		expect(shown.doc).toMatchObject({trusted: false, problem: expect.stringContaining('differ from its signed statements (edited by hand)')});
	});
});

describe('the lease signs the definition', () => {
	it('lease show says what the definition says; changed after both keys signed, the start is refused with CONTENT_CHANGED', async () => {
		const s = sandbox();
		const {leaseId} = await signedLease(s);
		expect((await s.calyx(['lease', 'show', leaseId])).stdout).toContain('service:  checkout: no service definition: simulated target');
		const applied = await s.calyx(['service', 'apply', '-f', write(s, 'a.yaml', haproxyYaml()), '--reason', 'to HAProxy']);
		expect(applied.code).toBe(0);
		// Its first definition, and still the lease signed without one is void: the apply names it.
		expect(applied.stdout).toContain(`lease ${leaseId} of checkout no longer verifies (CONTENT_CHANGED): issue and sign a new one`);
		const voided = await s.calyx(['lease', 'verify', leaseId]);
		expect(voided.code).toBe(1);
		expect(voided.stdout).toContain('CONTENT_CHANGED: the definition of service checkout was put in force after the lease was issued');

		const intent = (await s.json<Doc>(['intent', 'create', '--service', 'checkout', '--from', '1.4.0', '--to', '1.6.0', '--key', 'ci-bot'])).doc;
		expect((await s.calyx(['intent', 'approve', intent.id, '--key', 'alice'])).code).toBe(0);
		const lease = (await s.json<Doc>(['lease', 'issue', intent.id])).doc.id as string;
		expect((await s.calyx(['lease', 'sign', lease, '--key', 'alice'])).code).toBe(0);
		expect((await s.json<Doc>(['lease', 'sign', lease], {env: {CALYX_KEY: 'ci-bot'}})).doc.activated).toBe(true);
		const shown = (await s.calyx(['lease', 'show', lease])).stdout;
		expect(shown).toMatch(new RegExp(`service:  checkout on haproxy backend app servers stable/canary via ${socket}.* \\(definition [0-9a-f]{12}\\)`));
		expect(shown).toContain('sanity:   5%, 25%: GET http://127.0.0.1:8080/healthz answers 2xx within 5000 ms');
		expect(shown).toContain('VERIFIED');

		expect((await s.calyx(['service', 'apply', '-f', write(s, 'b.json', execJson(HOOK)), '--reason', 'to the gateway'])).code).toBe(0);
		const before = snapshot(s.data);
		const start = await s.calyx(['canary', 'start', lease]);
		expect(start.code).toBe(1);
		expect(start.stderr).toMatch(/CONTENT_CHANGED: the definition of service checkout changed \([0-9a-f]{12} → [0-9a-f]{12}\) after the lease was issued/);
		// The refusal is audited (a refused start is), nothing else: no deployment.
		expect((await s.json<Doc>(['canary', 'list'])).doc.deployments).toEqual([]);
		expect(Object.keys(snapshot(s.data))).toEqual(Object.keys(before));
	});
});
