/**
 * README.md's "Walk through the pipeline", as a new operator pastes it: the code block taken from
 * the README itself, run by bash with `set -euo pipefail` in a fresh account (an empty HOME, no
 * calyx settings in the environment) with the built `calyx` on the PATH, then the state it leaves
 * checked against what the walk says it did. A README change that breaks the walk fails here.
 */
import {spawn, spawnSync} from 'node:child_process';
import {chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {afterAll, describe, expect, it} from 'vitest';
import {BIN, ROOT} from './tmux.js';

const absent = ['bash', 'jq'].filter(tool => spawnSync('sh', ['-c', `command -v ${tool}`]).status !== 0);
// CI installs jq (.ci/run sets CALYX_TEST_REQUIRE): there, a missing tool is a broken setup, not a reason to skip.
const required = Boolean(process.env.CI) || (process.env.CALYX_TEST_REQUIRE ?? '').split(',').includes('jq');
if (absent.length > 0 && required) throw new Error(`the README walk-through needs ${absent.join(' and ')}, which CI installs: not found`);
if (absent.length > 0) console.log(`skipping the README walk-through: ${absent.join(' and ')} not installed`);

/** The walk takes about half a minute on a quiet machine; past this it is stuck, not slow. */
const BOUND_MS = 120_000;

/** The first ```sh block under the heading, exactly as written. */
function walkBlock(readme: string): string {
	const heading = readme.indexOf('\n## Walk through the pipeline\n');
	if (heading < 0) throw new Error('README.md has no "## Walk through the pipeline" section');
	const open = readme.indexOf('\n```sh\n', heading);
	const close = readme.indexOf('\n```\n', open + 1);
	if (open < 0 || close < 0 || readme.slice(heading + 1, open).includes('\n## ')) throw new Error('the walk-through section has no ```sh block');
	return readme.slice(open + '\n```sh\n'.length, close + 1);
}

type Doc = Record<string, any>;
const root = mkdtempSync(join(tmpdir(), 'calyx-walk-'));
afterAll(() => rmSync(root, {recursive: true, force: true}));

/** A fresh account: its own HOME and TMPDIR, a `calyx` command that runs this checkout's build, nothing else of ours. */
function account() {
	for (const dir of ['home', 'tmp', 'bin']) mkdirSync(join(root, dir));
	const calyx = join(root, 'bin', 'calyx');
	writeFileSync(calyx, `#!/bin/sh\nexec '${process.execPath}' '${BIN}' "$@"\n`);
	chmodSync(calyx, 0o755);
	return {PATH: `${join(root, 'bin')}:${process.env.PATH}`, HOME: join(root, 'home'), TMPDIR: join(root, 'tmp'), LANG: 'C.UTF-8', TZ: 'UTC', NO_COLOR: '1'};
}

/**
 * Runs the script in a process group of its own (the engine and the metrics loop are its children).
 * Its output ends when every process holding it has: once bash exits, whatever the walk started
 * has this long to end on its own (`lingered` if not); on a failure, or past the bound, the group is killed.
 */
const LINGER_MS = 15_000;
function runWalk(script: string, env: NodeJS.ProcessEnv) {
	return new Promise<{code: number | null; output: string; lingered: boolean}>(done => {
		const child = spawn('bash', ['-c', script], {cwd: join(root, 'home'), env, detached: true, stdio: ['ignore', 'pipe', 'pipe']});
		const group = child.pid!;
		let output = '';
		let lingered = false;
		child.stdout.on('data', d => (output += d));
		child.stderr.on('data', d => (output += d));
		let timer = setTimeout(() => killGroup(group), BOUND_MS);
		child.on('exit', code => {
			clearTimeout(timer);
			if (code !== 0) killGroup(group);
			else timer = setTimeout(() => ((lingered = true), killGroup(group)), LINGER_MS);
		});
		child.on('close', code => {
			clearTimeout(timer);
			done({code, output, lingered});
		});
	});
}

function killGroup(group: number): void {
	try {
		process.kill(-group, 'SIGKILL');
	} catch {
		// already gone
	}
}

describe.skipIf(absent.length > 0)('README: Walk through the pipeline', () => {
	it('runs as written, top to bottom, and leaves what it says: one canary completed, one rolled back, the trail intact', async () => {
		const env = account();
		const ids = join(root, 'ids');
		// Only records where the walk went and what it made, after its last line.
		const record = `\nprintf '%s\\n' "$PWD" "$CALYX_DATA" "$DEP" "$DEP2" "$INTENT2" "$RETRY" > '${ids}'\n`;
		const walk = await runWalk(`set -euo pipefail\n${walkBlock(readFileSync(join(ROOT, 'README.md'), 'utf8'))}${record}`, env);
		expect(walk.code, `the walk failed (exit ${walk.code}):\n${walk.output.slice(-4000)}`).toBe(0);
		// The engine was stopped and the metrics loop ended with its canary: nothing of the walk keeps running.
		expect(walk.lingered).toBe(false);

		const [dir, data, dep, dep2, intent2, retry] = readFileSync(ids, 'utf8').trim().split('\n') as [string, string, string, string, string, string];
		expect(dep).toMatch(/^DEP-\d{8}-\d{3}$/);
		const trusted = {...env, CALYX_TRUST: join(dir, 'trust.json')};
		const calyx = (...args: string[]) => spawnSync(process.execPath, [BIN, '--data', data, ...args], {env: trusted, encoding: 'utf8'});
		const json = (...args: string[]): Doc => JSON.parse(calyx(...args, '--json').stdout) as Doc;

		const completed = json('canary', 'status', dep);
		expect([completed.status, completed.percent]).toEqual(['completed', 100]);
		// 100% was entered through the request both keys signed, not through the gate alone.
		const cosigned = (json('audit', 'list', '--deployment', dep).events as Doc[]).filter(e => e.kind === 'tier.cosigned').map(e => e.actor);
		expect(cosigned).toEqual(['human:alice', 'agent:ci-bot']);
		// The second canary's warning held it (said once), then the operator halted it and rolled it back.
		expect(walk.output).toContain('recorded: WARNING: error rate > 1% → holding\n');
		expect(json('canary', 'status', dep2).status).toBe('rolled_back');
		expect(json('intent', 'show', retry).retryOf).toBe(intent2);
		const verify = calyx('audit', 'verify', '--json');
		expect(verify.status).toBe(0);
		expect(JSON.parse(verify.stdout).ok).toBe(true);
		// The key registered in the second data directory is the one the first knows as alice.
		const fingerprints = (doc: Doc) => (doc.keys as Doc[]).map(k => [k.id, k.fingerprint]);
		const alice = fingerprints(json('keys', 'list')).filter(([id]) => id === 'alice');
		expect(alice).toHaveLength(1);
		expect(fingerprints(json('--data', join(dir, 'staging'), 'keys', 'list'))).toEqual(alice);
	}, BOUND_MS + LINGER_MS + 30_000);
});
