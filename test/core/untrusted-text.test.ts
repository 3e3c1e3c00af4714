import {describe, expect, it} from 'vitest';
import type {Command} from '../../src/core/index.js';
import {PAYLOADS} from '../untrusted.js';
import {Fixture, HUMAN, SERVICE, TO} from './helpers.js';

/**
 * The engine refuses control characters and over-long text in every free-text field of every
 * command, whoever sends it (the CLI, the console, a script's JSON): nothing is written, and the
 * message names the field without echoing what was sent.
 */
describe('untrusted text at entry: the engine', () => {
	const f = new Fixture();
	const dep = f.canary();
	const intent = f.state.intents[0]!.id;
	const lease = f.state.leases[0]!.id;
	const actor = 'human:alice';

	const cases: Array<[string, Command, string]> = [
		['a title with OSC', {type: 'intent.create', actor, service: SERVICE, toVersion: TO, title: PAYLOADS.title}, 'title'],
		['a title over 2000 characters', {type: 'intent.create', actor, service: SERVICE, toVersion: TO, title: 't'.repeat(2001)}, 'title'],
		['a to-version with C1', {type: 'intent.create', actor, service: SERVICE, toVersion: `2.0${PAYLOADS.c1}`}, 'to'],
		['a from-version with a bidi override', {type: 'intent.create', actor, service: SERVICE, fromVersion: '1.0\u202e', toVersion: TO}, 'from'],
		['a version over 64 characters', {type: 'intent.create', actor, service: SERVICE, toVersion: '9'.repeat(65)}, 'to'],
		['a service with CSI', {type: 'intent.create', actor, service: `x${PAYLOADS.clear}`, toVersion: TO}, 'service'],
		['an actor with a fake status line', {type: 'intent.approve', actor: PAYLOADS.fakeHalt, id: intent, keyId: 'alice', signature: 'AAAA'}, 'actor'],
		['an actor over 128 characters', {type: 'intent.approve', actor: 'a'.repeat(129), id: intent, keyId: 'alice', signature: 'AAAA'}, 'actor'],
		['a halt reason with a clipboard write', {type: 'canary.halt', actor, id: dep, reason: PAYLOADS.clipboard}, 'reason'],
		['a halt reason over 2000 characters', {type: 'canary.halt', actor, id: dep, reason: 'r'.repeat(2001)}, 'reason'],
		['a rollback reason with a newline', {type: 'rollback', actor, id: dep, reason: 'fine\nHALTED'}, 'reason'],
		['a forced promotion reason with C1', {type: 'canary.promote', actor, id: dep, force: true, reason: PAYLOADS.c1}, 'reason'],
		['a resume reason with DEL', {type: 'canary.resume', actor, id: dep, reason: 'ok\u007f'}, 'reason'],
		['a cosigning key id with ESC', {type: 'lease.cosign', actor, leaseId: lease, role: 'human', keyId: `bob${PAYLOADS.title}`, signature: 'AAAA'}, 'key id'],
		['an intent proposed with a key id with ESC', {type: 'intent.create', actor, service: SERVICE, toVersion: TO, keyId: `eve${PAYLOADS.clear}`, signature: 'AAAA'}, 'key id'],
		['a deployment id of a megabyte', {type: 'canary.halt', actor, id: 'D'.repeat(1_000_000), reason: 'x'}, 'id'],
	];

	for (const [name, cmd, field] of cases) {
		it(`refuses ${name}, naming ${field}`, () => {
			const error = f.refuse(cmd);
			expect(error).toMatchObject({kind: 'invalid', code: 'INVALID_TEXT'});
			expect(error.message.startsWith(`${field}: `)).toBe(true);
			expect(error.message).toMatch(/control character \(\\(x[0-9a-f]{2}|u[0-9a-f]{4}|n) at character \d+\)|characters long: at most \d+ are allowed/);
			expect(error.message).not.toMatch(/[\u0000-\u001f\u007f-\u009f\u202a-\u202e]/);
			expect(error.message.length).toBeLessThan(200);
		});
	}

	it('refuses a key statement whose reason holds a control character, naming the field inside the statement', () => {
		const error = f.refuse(f.revocation('alice', PAYLOADS.title));
		expect(error).toMatchObject({kind: 'invalid', code: 'INVALID_STATEMENT'});
		expect(error.message).toMatch(/^statement\.reason: contains a control character \(\\x1b at character 1\)/);
	});

	it('takes printable text in every language, at the limit', () => {
		const created = f.run<{title: string}>(f.proposal({toVersion: '3.0', title: `naïve 日本 ✓ ${'x'.repeat(1980)}`}));
		expect(created.title.length).toBe(1991);
	});
});
