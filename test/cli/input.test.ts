import {beforeAll, describe, expect, it} from 'vitest';
import {sandbox, signedLease, snapshot} from './helpers.js';

type Doc = Record<string, any>;

describe('bad input: exit 2, a message naming the field and what is allowed, nothing written', () => {
	const s = sandbox();
	let dep = '';
	beforeAll(async () => {
		const {leaseId} = await signedLease(s, ['--bake', '15m']);
		dep = (await s.calyx(['canary', 'start', leaseId])).stdout.split('\n')[0]!;
	});

	const cases: Array<[string, () => string[], RegExp]> = [
		['an unknown flag', () => ['canary', 'list', '--bogus'], /unknown option '--bogus'/],
		['an unknown command', () => ['canery', 'list'], /unknown command/],
		['a CPU that is not a number', () => ['metrics', 'push', dep, '--cpu', 'abc'], /--cpu.*"abc" is not a number \(allowed: 0 to 1000\)/],
		['an error rate of NaN', () => ['metrics', 'push', dep, '--error-rate', 'NaN'], /--error-rate.*allowed: 0 to 100/],
		['a negative error rate', () => ['metrics', 'push', dep, '--error-rate', '-1'], /--error-rate.*out of range/],
		['an absurd CPU', () => ['metrics', 'push', dep, '--cpu', '5000'], /--cpu.*out of range \(allowed: 0 to 1000\)/],
		['a push without metrics', () => ['metrics', 'push', dep], /at least one of --tes-delta/],
		['a negative file count', () => ['intent', 'create', '--service', 'a', '--to', '2', '--files', '-1'], /--files.*out of range/],
		['an intent for a service never seen, without --from', () => ['intent', 'create', '--service', 'newsvc', '--to', '2.0.0'], /^calyx: --from: newsvc was never deployed here and the simulated target has not seen it: say which version runs now \(--from <version>\)$/m],
		['an unknown criticality', () => ['intent', 'create', '--service', 'a', '--to', '2', '--criticality', 'extreme'], /Allowed choices are low, medium, high/],
		['a bad duration', () => ['lease', 'issue', 'INT-20260101-001', '--bake', '15 minutes'], /--bake.*not a duration/],
		['a bad tier list', () => ['lease', 'issue', 'INT-20260101-001', '--tiers', '50,25'], /--tiers.*tier list/],
		// One wording for an id that names nothing, whichever layer finds it missing.
		['an unknown deployment id to halt', () => ['canary', 'halt', 'DEP-20000101-001', '--reason', 'x'], /^calyx: unknown deployment DEP-20000101-001 \(see calyx canary list\)$/m],
		['an unknown deployment id to show', () => ['canary', 'status', 'DEP-20000101-001'], /^calyx: unknown deployment DEP-20000101-001 \(see calyx canary list\)$/m],
		['an unknown lease id to verify', () => ['lease', 'verify', 'LEASE-20000101-000000'], /^calyx: unknown lease LEASE-20000101-000000 \(see calyx lease list\)$/m],
		['an unknown lease id to show', () => ['lease', 'show', 'LEASE-20000101-000000'], /^calyx: unknown lease LEASE-20000101-000000 \(see calyx lease list\)$/m],
		['an unknown intent id', () => ['intent', 'show', 'INT-20000101-001'], /^calyx: unknown intent INT-20000101-001 \(see calyx intent list\)$/m],
		['an unknown intent id to score', () => ['risk', 'INT-20000101-001'], /^calyx: unknown intent INT-20000101-001 \(see calyx intent list\)$/m],
		['a halt without a reason', () => ['canary', 'halt', dep], /--reason/],
		['an empty approval reason', () => ['intent', 'approve', 'INT-20260101-001', '--reason', '  '], /--reason/],
		['an unknown role', () => ['keys', 'add', '--role', 'robot', '--id', 'r2', '--owner', 'r2'], /--role: "robot" is not one of human, agent/],
		// A Cyrillic "а": named at --owner (not at the admin key that would sign it), with what a name may hold.
		['an owner name with a letter that only looks like one', () => ['keys', 'add', '--role', 'agent', '--id', 'bot4', '--owner', '\u0430lice'], /--owner.*must be letters, digits, "\.", "_" or "-"/],
		["a registered key's owner with other characters", () => ['keys', 'register', '--owner', 'b@t'], /--owner.*must be letters, digits/],
		['signing without a key', () => ['lease', 'sign', 'LEASE-20000101-000000'], /--key: no key to sign with/],
	];

	for (const [name, args, message] of cases) {
		it(`refuses ${name}`, async () => {
			const before = snapshot(s.data);
			const run = await s.calyx(args());
			expect(run.code).toBe(2);
			expect(run.stderr).toMatch(message);
			expect(snapshot(s.data)).toEqual(before);
		});
	}

	it('keeps the valid NDJSON lines before a malformed one and names its line number', async () => {
		const input = ['{"tesDelta":-0.2,"cpu":70}', '', '{"errorRate":0.4}', '{"cpu":"hot"}', '{"cpu":50}'].join('\n');
		const run = await s.json<Doc>(['metrics', 'push', dep, '--stdin'], {input});
		expect(run.code).toBe(2);
		expect(run.stderr).toMatch(/stdin line 4: cpu/);
		expect(run.doc.recorded).toBe(2);
		const status = (await s.json<Doc>(['canary', 'status', dep])).doc;
		expect(status.sampleCount).toBe(2);
	});

	it('refuses samples for an unknown deployment without claiming any were recorded', async () => {
		const before = snapshot(s.data);
		const run = await s.calyx(['metrics', 'push', 'DEP-20000101-001', '--stdin'], {input: '{"cpu":50}\n{"cpu":51}\n'});
		expect(run.code).toBe(2);
		expect(run.stderr).toMatch(/stdin line 1: unknown deployment DEP-20000101-001 \(see calyx canary list\)/);
		expect(run.stdout).toBe('');
		expect(snapshot(s.data)).toEqual(before);
	});

	it('refuses unknown fields in NDJSON', async () => {
		const run = await s.calyx(['metrics', 'push', dep, '--stdin'], {input: '{"latency":3}\n'});
		expect(run.code).toBe(2);
		expect(run.stderr).toContain('stdin line 1: latency: unknown field (allowed: tesDelta, errorRate, cpu, memory, custom, tes, at)');
	});

	it('takes TES Δ\'s pair on stdin, refuses a custom metric no definition declares; a typo in either names what is allowed there', async () => {
		const good = '{"tesDelta":-1,"tes":{"canary":99,"stable":100}}\n';
		expect(await s.json<Doc>(['metrics', 'push', dep, '--stdin'], {input: good})).toMatchObject({code: 0, doc: {recorded: 1}});
		const status = (await s.json<Doc>(['canary', 'status', dep])).doc;
		expect(status.lastSamples.at(-1)).toMatchObject({tesDelta: -1, tes: {canary: 99, stable: 100}});
		expect((await s.calyx(['canary', 'status', dep])).stdout).toMatch(/tesDelta=-1 \(TES canary 99 \/ stable 100\)/);
		const before = snapshot(s.data);
		const undeclared = await s.calyx(['metrics', 'push', dep, '--stdin'], {input: '{"custom":{"heap":12.5}}\n'});
		expect(undeclared).toMatchObject({code: 2, stderr: expect.stringContaining(`custom.heap: ${dep} has no custom metric heap (its service definition declares none)`)});
		const typo = await s.calyx(['metrics', 'push', dep, '--stdin'], {input: '{"tesDelta":-1,"tes":{"canary":99,"stabel":100}}\n'});
		expect(typo).toMatchObject({code: 2, stderr: expect.stringContaining('stdin line 1: tes.stabel: unknown field (allowed: canary, stable)')});
		const name = await s.calyx(['metrics', 'push', dep, '--stdin'], {input: '{"custom":{"9lives":1}}\n'});
		expect(name).toMatchObject({code: 2, stderr: expect.stringContaining('stdin line 1: custom.9lives: not a metric name (a letter, then letters, digits or "_", at most 32 characters)')});
		expect(snapshot(s.data)).toEqual(before);
	});

	it('exits 3 when the state moved past --expect-rev, and writes nothing', async () => {
		const before = snapshot(s.data);
		const run = await s.calyx(['--expect-rev', '1', 'canary', 'halt', dep, '--reason', 'stale view']);
		expect(run.code).toBe(3);
		expect(run.stderr).toMatch(/state changed.*review and retry/);
		expect(snapshot(s.data)).toEqual(before);
	});

	it('prints exactly one JSON document on stdout under --json, errors included', async () => {
		const ok = await s.calyx(['canary', 'list', '--json']);
		expect(JSON.parse(ok.stdout).deployments).toHaveLength(1);
		const bad = await s.calyx(['canary', 'halt', 'DEP-20000101-001', '--reason', 'x', '--json']);
		expect(bad.code).toBe(2);
		expect(JSON.parse(bad.stdout).error).toMatchObject({code: 'NOT_FOUND', exitCode: 2});
	});
});

describe('the revision for --expect-rev', () => {
	it('is in canary list and canary status under --json, and an action made under it goes through once', async () => {
		const s = sandbox();
		const {leaseId} = await signedLease(s, ['--bake', '15m']);
		const dep = (await s.calyx(['canary', 'start', leaseId])).stdout.split('\n')[0]!;
		const list = (await s.json<Doc>(['canary', 'list'])).doc;
		const status = (await s.json<Doc>(['canary', 'status', dep])).doc;
		expect(typeof list.rev).toBe('number');
		expect(status.rev).toBe(list.rev);
		// No engine runs in this sandbox: the status says so, since nothing will move the canary.
		expect(status.engine).toBeNull();
		expect((await s.calyx(['canary', 'status', dep])).stderr).toMatch(new RegExp(`no engine is running for .*: ${dep} is not sampled, gated or halted`));
		expect((await s.calyx(['--expect-rev', String(status.rev), 'canary', 'halt', dep, '--reason', 'seen at this revision'])).code).toBe(0);
		const again = await s.calyx(['--expect-rev', String(status.rev), 'canary', 'resume', dep, '--reason', 'same stale view']);
		expect(again.code).toBe(3);
	});
});

describe('usage errors under --json', () => {
	it('still print one JSON document naming the error', async () => {
		const s = sandbox();
		const run = await s.calyx(['monitor', 'check', '--cpu', 'abc', '--json']);
		expect(run.code).toBe(2);
		const doc = JSON.parse(run.stdout);
		expect(doc).toMatchObject({ok: false, error: {code: 'commander.invalidArgument', exitCode: 2}});
		expect(doc.error.message).toMatch(/--cpu/);
	});
});
