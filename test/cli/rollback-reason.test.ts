/**
 * The engine's log line for a rollback says the operator's reason, not the halt's it followed: a
 * canary halted ("pager: …"), then rolled back by an operator whose `calyx rollback` died while the
 * router was applying the revert; the leading engine finishes the revert and prints the ending.
 * An exec target of the test's own (a router whose split is a file) holds the revert until released.
 */
import {spawn} from 'node:child_process';
import {chmodSync, existsSync, rmSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {afterEach, describe, expect, it} from 'vitest';
import {addKeys, BIN, sandbox, waitFor} from './helpers.js';

type Doc = Record<string, any>;

/** argv[2]: its directory. An apply while `hold` exists says `started`, then waits for `release` (30 s at most). */
const HOOK = `#!${process.execPath}
import {existsSync, readFileSync, writeFileSync} from 'node:fs';
const at = name => process.argv[2] + '/' + name;
const request = JSON.parse(readFileSync(0, 'utf8'));
const reply = () => {
	const canary = existsSync(at('split.json')) ? JSON.parse(readFileSync(at('split.json'), 'utf8')).canary : 0;
	process.stdout.write(JSON.stringify({ok: true, canaryPercent: canary, evidence: 'router', stable: {weight: 100 - canary, version: '1.4.0'}, canary: {weight: canary, version: '1.5.0'}}) + '\\n');
};
const apply = () => {
	writeFileSync(at('split.json'), JSON.stringify({canary: request.desired}));
	reply();
};
if (request.op !== 'apply') reply();
else if (!existsSync(at('hold'))) apply();
else {
	writeFileSync(at('started'), '');
	const deadline = Date.now() + 30_000;
	const wait = () => (existsSync(at('release')) || Date.now() > deadline ? apply() : setTimeout(wait, 20));
	wait();
}
`;

const killed: Array<() => void> = [];
afterEach(() => {
	for (const release of killed.splice(0)) release();
});

describe('the engine prints why a deployment was rolled back', () => {
	it('the operator\'s reason for a rollback after a halt, not the halt\'s', async () => {
		const s = sandbox();
		const hook = join(s.root, 'hook.mjs');
		writeFileSync(hook, HOOK);
		chmodSync(hook, 0o755);
		const at = (name: string) => join(s.root, name);
		// Whatever happens, the held hook is let go.
		killed.push(() => writeFileSync(at('release'), ''));
		expect((await s.calyx(['init'])).code).toBe(0);
		await addKeys(s);
		writeFileSync(at('checkout.json'), JSON.stringify({name: 'checkout', target: {kind: 'exec', command: [hook, s.root], timeoutMs: 60_000}}));
		expect((await s.calyx(['service', 'apply', '-f', at('checkout.json'), '--reason', 'a router of the test\'s own'])).code).toBe(0);
		const intent = (await s.json<Doc>(['intent', 'create', '--service', 'checkout', '--from', '1.4.0', '--to', '1.5.0', '--key', 'ci-bot'])).doc;
		expect((await s.calyx(['intent', 'approve', intent.id, '--key', 'alice'])).code).toBe(0);
		const lease = (await s.json<Doc>(['lease', 'issue', intent.id, '--bake', '15m'])).doc.id as string;
		expect((await s.calyx(['lease', 'sign', lease, '--key', 'alice'])).code).toBe(0);
		expect((await s.calyx(['lease', 'sign', lease], {env: {CALYX_KEY: 'ci-bot'}})).code).toBe(0);
		const dep = (await s.calyx(['canary', 'start', lease])).stdout.split('\n')[0]!;
		expect((await s.calyx(['canary', 'halt', dep, '--reason', 'pager: checkout latency'])).code).toBe(0);

		// The operator's rollback is decided, then dies while the router applies the revert.
		writeFileSync(at('hold'), '');
		const rollback = spawn(process.execPath, [BIN, 'rollback', dep, '--reason', 'operator: bad build 1.5.0'], {env: s.env, stdio: 'ignore'});
		const gone = new Promise(done => rollback.on('exit', done));
		await waitFor(() => existsSync(at('started')));
		expect(existsSync(at('started'))).toBe(true);
		rollback.kill('SIGKILL');
		await gone;
		rmSync(at('hold'));
		writeFileSync(at('release'), '');
		expect((await s.json<Doc>(['canary', 'status', dep])).doc.status).toBe('rolling_back');

		// The leading engine finishes the revert and says why it was made.
		const run = await s.calyx(['engine', '--once']);
		expect(run.code).toBe(0);
		expect(run.stdout).toMatch(new RegExp(`  ${dep}  rolled back at \\d+%  operator: bad build 1\\.5\\.0\\n`));
		expect(run.stdout).not.toContain('pager: checkout latency');
		const status = await s.json<Doc>(['canary', 'status', dep]);
		expect(status.doc).toMatchObject({status: 'rolled_back', halt: {reason: 'pager: checkout latency'}, rollback: {reason: 'operator: bad build 1.5.0', verified: true}});
	});
});
