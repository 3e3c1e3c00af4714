import {generateKeyPairSync} from 'node:crypto';
import {readFileSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {beforeAll, describe, expect, it} from 'vitest';
import {HOSTILE, PAYLOADS, RAW_CONTROL} from '../untrusted.js';
import {sandbox, signedLease, snapshot, type Run} from './helpers.js';

type Doc = Record<string, any>;

/** Edits the state file by hand, as an older version or an editor could have left it. */
function plant(data: string, edit: (state: Doc) => void): void {
	const path = join(data, 'state.json');
	const state = JSON.parse(readFileSync(path, 'utf8')) as Doc;
	edit(state);
	writeFileSync(path, JSON.stringify(state));
}

/** Edits the audit trail by hand (its chain breaks; listing must still be safe). */
function plantAudit(data: string, edit: (events: Doc[]) => void): void {
	const path = join(data, 'audit.ndjson');
	const events = readFileSync(path, 'utf8').split('\n').filter(Boolean).map(l => JSON.parse(l) as Doc);
	edit(events);
	writeFileSync(path, `${events.map(e => JSON.stringify(e)).join('\n')}\n`);
}

const VISIBLE = '\\x1b]0;pwned\\x07';

/** Nothing in either stream a terminal would act on. */
function safe(run: Run): void {
	expect(run.stdout).not.toMatch(RAW_CONTROL);
	expect(run.stderr).not.toMatch(RAW_CONTROL);
}

describe('untrusted text at entry: exit 2, the field named, nothing written', () => {
	const s = sandbox();
	let dep = '';
	beforeAll(async () => {
		const {leaseId} = await signedLease(s, ['--bake', '15m']);
		dep = (await s.calyx(['canary', 'start', leaseId])).stdout.split('\n')[0]!;
	});
	const intent = (...extra: string[]) => ['intent', 'create', '--service', 'checkout', '--to', '2.0.0', ...extra];

	const cases: Array<[string, () => string[], RegExp, NodeJS.ProcessEnv?]> = [
		['a title with OSC', () => intent('--title', PAYLOADS.title), /--title.*control character \(\\x1b at character 1\)/],
		['a title over 2000 characters', () => intent('--title', 'x'.repeat(2001)), /--title.*2001 characters long: at most 2000/],
		['a to-version with C1', () => ['intent', 'create', '--service', 'checkout', '--to', `2${PAYLOADS.c1}`], /--to.*\\u009b at character 2/],
		['a from-version with a bidi override', () => intent('--from', '1.0\u202e'), /--from.*\\u202e/],
		['a version over 64 characters', () => ['intent', 'create', '--service', 'checkout', '--to', '1'.repeat(65)], /--to.*at most 64/],
		['a service with CSI', () => ['intent', 'create', '--service', `c${PAYLOADS.clear}`, '--to', '2'], /--service.*\\x1b/],
		['a halt reason with a fake status line', () => ['canary', 'halt', dep, '--reason', PAYLOADS.fakeHalt], /--reason.*control character/],
		['a resume reason with a clipboard write', () => ['canary', 'resume', dep, '--reason', PAYLOADS.clipboard], /--reason.*control character/],
		['a rollback reason with a newline', () => ['rollback', dep, '--reason', 'ok\nHALTED'], /--reason.*\\n at character 3/],
		['a forced promotion reason over 2000 characters', () => ['canary', 'promote', dep, '--force', '--reason', 'r'.repeat(2001)], /--reason.*at most 2000/],
		['a key revocation reason with ESC', () => ['keys', 'revoke', 'alice', '--reason', PAYLOADS.title], /--reason.*control character/],
		['a deployment id with CSI', () => ['canary', 'halt', `DEP${PAYLOADS.clear}`, '--reason', 'x'], /^calyx: id: contains a control character \(\\x1b at character 4\)/m],
		['an actor (CALYX_ACTOR) with OSC', () => ['canary', 'halt', dep, '--reason', 'x'], /CALYX_ACTOR: contains a control character \(\\x1b/, {CALYX_ACTOR: PAYLOADS.title}],
		['an actor (CALYX_ACTOR) over 128 characters', () => ['canary', 'halt', dep, '--reason', 'x'], /CALYX_ACTOR: is 129 characters long: at most 128/, {CALYX_ACTOR: 'a'.repeat(129)}],
	];

	for (const [name, args, message, env] of cases) {
		it(`refuses ${name}`, async () => {
			const before = snapshot(s.data);
			const run = await s.calyx(args(), env ? {env} : {});
			expect(run.code).toBe(2);
			expect(run.stderr).toMatch(message);
			safe(run);
			expect(snapshot(s.data)).toEqual(before);
		});
	}

	it('refuses a key file whose id holds a control character, naming the header', async () => {
		const pem = generateKeyPairSync('ed25519').privateKey.export({type: 'pkcs8', format: 'pem'}).toString();
		const path = join(s.root, 'evil.pem');
		writeFileSync(path, `calyx-key-id: eve${PAYLOADS.title}\ncalyx-key-role: human\n${pem}`, {mode: 0o600});
		const lease = ((await s.json<Doc>(['lease', 'list'])).doc.leases as Doc[])[0]!.id as string;
		const before = snapshot(s.data);
		for (const args of [['lease', 'sign', lease, '--key', path], ['keys', 'register', '--key', path, '--owner', 'eve']]) {
			const run = await s.calyx(args);
			expect(run.code).toBe(2);
			expect(run.stderr).toMatch(/evil\.pem: calyx-key-id contains a control character \(\\x1b at character 4\)/);
			safe(run);
		}
		expect(snapshot(s.data)).toEqual(before);
	});

	it('says it under --json too, in one document with no raw control character', async () => {
		const run = await s.calyx([...intent('--title', PAYLOADS.c1), '--json']);
		expect(run.code).toBe(2);
		safe(run);
		expect(JSON.parse(run.stdout).error.message).toMatch(/^option '--title <text>' argument .* is invalid/);
	});
});

describe('untrusted text in the state: every printer escapes it', () => {
	const s = sandbox();
	let dep = '';
	let intentId = '';
	beforeAll(async () => {
		const signed = await signedLease(s, ['--bake', '15m']);
		intentId = signed.intentId;
		dep = (await s.calyx(['canary', 'start', signed.leaseId])).stdout.split('\n')[0]!;
		plant(s.data, state => {
			Object.assign(state.intents[0], {title: HOSTILE, fromVersion: PAYLOADS.clear, createdBy: PAYLOADS.fakeHalt});
			const at = state.deployments[0].updatedAt;
			Object.assign(state.deployments[0], {
				service: `checkout${PAYLOADS.c1}`,
				toVersion: `1.5.0${PAYLOADS.title}`,
				status: 'halted',
				halt: {trigger: 'manual', reason: HOSTILE, actor: PAYLOADS.clipboard, at},
			});
		});
		plantAudit(s.data, events => {
			Object.assign(events[0]!, {reason: HOSTILE, actor: PAYLOADS.fakeHalt, subject: PAYLOADS.c1});
		});
	});

	it('intent list: escaped, and the columns measured on what shows', async () => {
		const run = await s.calyx(['intent', 'list']);
		expect(run.code).toBe(0);
		safe(run);
		expect(run.stdout).toContain(VISIBLE);
		expect(run.stdout).toContain('\\x1b[31mHALTED\\x1b[0m');
		expect(run.stdout).toContain('\\u009b31m');
		const [header, row] = run.stdout.split('\n');
		expect(row!.indexOf('deploying')).toBe(header!.indexOf('STATUS'));
		expect(row!.indexOf('\\x1b]0;pwned')).toBe(header!.indexOf('TITLE'));
	});

	it('intent show: escaped', async () => {
		const run = await s.calyx(['intent', 'show', intentId]);
		safe(run);
		expect(run.stdout).toContain(`${intentId}  ${VISIBLE}`);
		expect(run.stdout).toContain('by \\x1b[31mHALTED\\x1b[0m');
	});

	it('audit list: escaped, one line per event', async () => {
		const run = await s.calyx(['audit', 'list']);
		expect(run.code).toBe(0);
		safe(run);
		expect(run.stdout).toContain(VISIBLE);
		expect(run.stdout).toContain('\\x1b]52;c;ZXZpbA==\\x07');
		const events = (await s.json<Doc>(['audit', 'list'])).doc.events as Doc[];
		expect(run.stdout.trimEnd().split('\n')).toHaveLength(events.length);
	});

	it('canary list: escaped by the program and by the quick path alike', async () => {
		const first = await s.calyx(['canary', 'list']);
		const second = await s.calyx(['canary', 'list']);
		for (const run of [first, second]) {
			expect(run.code).toBe(0);
			safe(run);
			expect(run.stdout).toContain('checkout\\u009b31m');
			expect(run.stdout).toContain(`1.5.0${VISIBLE}`);
			const [header, row] = run.stdout.split('\n');
			expect(row!.indexOf('halted')).toBe(header!.indexOf('STATUS'));
		}
		expect(second.stdout).toBe(first.stdout);
	});

	it('canary status: escaped, the halt reason on its one line', async () => {
		const run = await s.calyx(['canary', 'status', dep]);
		expect(run.code).toBe(1);
		safe(run);
		const halt = run.stdout.split('\n').filter(l => l.startsWith('halt:'));
		expect(halt).toHaveLength(1);
		expect(halt[0]).toContain(`manual: ${VISIBLE} \\x1b]52;c;ZXZpbA==\\x07 \\x1b[2J \\x1b[31mHALTED\\x1b[0m \\u009b31m (by \\x1b]52;c;ZXZpbA==\\x07`);
	});

	it('--json is the exact value, with no raw ESC or C1 byte', async () => {
		for (const args of [['intent', 'list'], ['audit', 'list'], ['canary', 'list'], ['canary', 'status', dep]]) {
			const run = await s.calyx([...args, '--json']);
			safe(run);
			const doc = JSON.parse(run.stdout) as Doc;
			const planted = {intent: () => doc.intents[0].title, audit: () => doc.events[0].reason, list: () => doc.deployments[0].service, status: () => doc.halt.reason};
			const expected = {intent: HOSTILE, audit: HOSTILE, list: `checkout${PAYLOADS.c1}`, status: HOSTILE};
			const which = (args[0] === 'canary' ? args[1] : args[0]) as keyof typeof planted;
			expect(planted[which]()).toBe(expected[which]);
		}
	});

	it('error messages: an id, a refusal and a usage error echo what they were given, escaped', async () => {
		const unknown = await s.calyx(['intent', 'show', `INT${PAYLOADS.title}`]);
		expect(unknown.code).toBe(2);
		safe(unknown);
		expect(unknown.stderr).toContain(`unknown intent INT${VISIBLE}`);
		const status = await s.calyx(['canary', 'status', `DEP${PAYLOADS.fakeHalt}`]);
		expect(status.code).toBe(2);
		safe(status);
		expect(status.stderr).toContain('DEP\\x1b[31mHALTED\\x1b[0m');
		const flag = await s.calyx(['canary', 'list', `--${PAYLOADS.clear}`]);
		expect(flag.code).toBe(2);
		safe(flag);
		const json = await s.calyx(['canary', 'list', `--x${PAYLOADS.c1}`, '--json']);
		safe(json);
		expect(JSON.parse(json.stdout).error.message).toContain(`--x${PAYLOADS.c1}`);
	});
});
