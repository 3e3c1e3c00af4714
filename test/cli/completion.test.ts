import {spawnSync} from 'node:child_process';
import {mkdirSync, readFileSync, symlinkSync, writeFileSync} from 'node:fs';
import {dirname, join, resolve} from 'node:path';
import {beforeAll, describe, expect, it} from 'vitest';
import {commandSpecs} from '../../src/cli/commands/completion.js';
import {buildProgram} from '../../src/cli/program.js';
import {BIN, dropListRows, loadedModules, sandbox, signedLease, snapshot} from './helpers.js';

type Doc = Record<string, any>;
type Sandbox = ReturnType<typeof sandbox>;

const SHELLS = ['bash', 'zsh', 'fish'] as const;
const absent = Object.fromEntries(SHELLS.map(shell => [shell, spawnSync(shell, ['-c', 'exit 0']).error ? `${shell} is not installed` : undefined]));
// CI installs every shell (.ci/run sets CALYX_TEST_REQUIRE): there, a missing one is a broken setup, not a reason to skip.
for (const shell of SHELLS) {
	const required = Boolean(process.env.CI) || (process.env.CALYX_TEST_REQUIRE ?? '').split(',').includes(shell);
	if (absent[shell] && required) throw new Error(`the ${shell} completion tests are required here: ${absent[shell]}`);
	if (absent[shell]) console.log(`skipping the ${shell} completion tests: ${absent[shell]}`);
}

/** A world with a live deployment, a `calyx` on PATH (as a shell's completion calls it), and the three scripts. */
async function world() {
	const s = sandbox();
	const {leaseId, intentId} = await signedLease(s);
	const dep = (await s.calyx(['canary', 'start', leaseId])).stdout.split('\n')[0]!;
	const bin = join(s.root, 'bin');
	mkdirSync(bin);
	symlinkSync(BIN, join(bin, 'calyx'));
	const env = {...s.env, PATH: `${bin}:${dirname(process.execPath)}:${process.env.PATH}`};
	const scripts = Object.fromEntries(
		await Promise.all(
			SHELLS.map(async shell => {
				const run = await s.calyx(['completion', shell]);
				expect([run.code, run.stderr]).toEqual([0, '']);
				const file = join(s.root, `calyx.${shell}`);
				writeFileSync(file, run.stdout);
				return [shell, file];
			}),
		),
	) as Record<(typeof SHELLS)[number], string>;
	return {s, dep, leaseId, intentId, env, scripts};
}

const lines = (text: string) => text.split('\n').filter(Boolean);

/** What bash offers for the words typed (the last one being completed), by calling the script's function as bash does. */
function bashComplete(w: Awaited<ReturnType<typeof world>>, words: string[]): {reply: string[]; spec: string} {
	const program = `source "$0"; complete -p calyx; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _calyx; printf '%s\\n' "\${COMPREPLY[@]}"`;
	const run = spawnSync('bash', ['-c', program, w.scripts.bash, 'calyx', ...words], {env: w.env, encoding: 'utf8'});
	expect(run.stderr).toBe('');
	const [spec, ...reply] = lines(run.stdout);
	return {reply, spec: spec!};
}

describe('calyx completion', () => {
	let shared: Awaited<ReturnType<typeof world>>;
	beforeAll(async () => {
		shared = await world();
	}, 60_000);

	for (const shell of SHELLS) {
		it.skipIf(absent[shell] !== undefined)(`prints a script that ${shell} parses`, () => {
			const run = spawnSync(shell, ['-n', shared.scripts[shell]], {encoding: 'utf8'});
			expect([run.status, run.stderr]).toEqual([0, '']);
		});
	}

	it.skipIf(absent.bash !== undefined)('completes in a real bash: commands and flags as the program has them, a deployment id, choices, --data on the line', async () => {
		const w = shared;
		const root = commandSpecs(buildProgram({stdout: process.stdout, stderr: process.stderr, stdin: process.stdin, env: {}}, '0')).find(s => s.path === '')!;
		const first = bashComplete(w, ['']);
		expect(first.spec).toBe('complete -F _calyx calyx');
		expect(first.reply).toEqual(root.subcommands);
		expect(first.reply).toContain('completion');
		expect(bashComplete(w, ['can']).reply).toEqual(['canary']);
		expect(bashComplete(w, ['canary', 'list', '--s']).reply).toEqual(['--service', '--status', '--since', '--store']);
		expect(bashComplete(w, ['canary', 'status', 'DEP-']).reply).toEqual([w.dep]);
		expect(bashComplete(w, ['canary', 'halt', '--reason', 'r', '']).reply).toEqual([w.dep]);
		expect(bashComplete(w, ['canary', 'list', '--status', 'rol']).reply).toEqual(['rolling_back', 'rolled_back', 'rollback_failed']);
		expect(bashComplete(w, ['completion', '']).reply).toEqual(['bash', 'zsh', 'fish']);
		expect(bashComplete(w, ['history', '']).reply).toEqual(['checkout']);
		expect(bashComplete(w, ['keys', 'revoke', '']).reply.sort()).toEqual(['alice', 'ci-bot']);
		// The directory typed on the line, not the environment's.
		const elsewhere = {...w, env: {...w.env, CALYX_DATA: join(w.s.root, 'nowhere')}};
		expect(bashComplete(elsewhere, ['lease', 'sign', '']).reply).toEqual([]);
		expect(bashComplete(elsewhere, ['--data', w.s.data, 'lease', 'sign', '']).reply).toEqual([w.leaseId]);
		expect(bashComplete(elsewhere, ['--data', w.s.data, 'risk', '']).reply).toEqual([w.intentId]);
	});

	it.skipIf(absent.zsh !== undefined)('completes in zsh as in bash', () => {
		const zsh = `autoload -U compinit && compinit -u; source "$0"; _calyx_cmd=calyx; _calyx_reply '' canary status; _calyx_reply '--st' canary list`;
		const run = spawnSync('zsh', ['-c', zsh, shared.scripts.zsh], {env: shared.env, encoding: 'utf8'});
		expect(run.stderr).toBe('');
		expect(lines(run.stdout)).toEqual(expect.arrayContaining([shared.dep, '--status', '--data']));
	});

	it.skipIf(absent.fish !== undefined)('completes in fish as in bash', () => {
		const fish = `source $argv[1]; complete -C'calyx canary status '; complete -C'calyx canary list --st'`;
		const run = spawnSync('fish', ['-c', fish, shared.scripts.fish], {env: shared.env, encoding: 'utf8'});
		expect(run.stderr).toBe('');
		expect(lines(run.stdout).map(l => l.split('\t')[0])).toEqual([shared.dep, '--status', '--store']);
	});

	it('refuses a shell it has no script for, naming the ones it has', async () => {
		const bad = await sandbox().calyx(['completion', 'powershell']);
		expect([bad.code, bad.stdout]).toEqual([2, '']);
		expect(bad.stderr).toMatch(/powershell.*bash, zsh, fish/);
	});
});


describe('calyx __complete ids', () => {
	it('prints each kind of id, reads without writing or loading the program, and stays silent where there is nothing', async () => {
		const s: Sandbox = sandbox();
		const {leaseId, intentId} = await signedLease(s);
		const dep = (await s.calyx(['canary', 'start', leaseId])).stdout.split('\n')[0]!;
		const before = snapshot(s.data);
		const ids = async (kind: string, extra: string[] = []) => {
			const run = await s.calyx(['__complete', 'ids', kind, ...extra]);
			expect([run.code, run.stderr]).toEqual([0, '']);
			return lines(run.stdout);
		};
		expect(await ids('deployment')).toEqual([dep]);
		expect(await ids('lease')).toEqual([leaseId]);
		expect(await ids('intent')).toEqual([intentId]);
		expect((await ids('key')).sort()).toEqual(['alice', 'ci-bot']);
		expect(await ids('service')).toEqual(['checkout']);
		expect(await ids('deployment', ['--data', join(s.root, 'nowhere')])).toEqual([]);
		expect(await ids('tier')).toEqual([]);
		expect(snapshot(s.data)).toEqual(before);
		// Without the list's rows (a document an older calyx wrote) the program answers, from the deployments, the same.
		dropListRows(s.data);
		expect(await ids('deployment')).toEqual([dep]);

		const urls = await loadedModules(['__complete', 'ids', 'lease'], s.env);
		expect(urls.filter(u => /\/node_modules\/(zod|commander|lowdb|immer)\//.test(u))).toEqual([]);
		const meta = JSON.parse(readFileSync(resolve(import.meta.dirname, '../../dist/meta.json'), 'utf8')) as {outputs: Record<string, {inputs: Record<string, unknown>}>};
		const sources = urls.filter(u => u.includes('/dist/')).flatMap(u => Object.keys(meta.outputs[u.slice(u.indexOf('dist/'))]?.inputs ?? {}));
		expect(sources).toContain('src/cli/complete-ids.ts');
		expect(sources.filter(f => /^(node_modules\/(zod|commander)|src\/cli\/program\.ts|src\/core\/engine\/)/.test(f))).toEqual([]);
	});
});

describe('calyx --version', () => {
	it('prints the version alone, or as a JSON document with --json', async () => {
		const {version} = JSON.parse(readFileSync(resolve(import.meta.dirname, '../../package.json'), 'utf8')) as {version: string};
		const s = sandbox();
		expect((await s.calyx(['--version'])).stdout).toBe(`${version}\n`);
		for (const args of [['--version', '--json'], ['--json', '-V']]) {
			const run = await s.calyx(args);
			expect([run.code, JSON.parse(run.stdout) as Doc]).toEqual([0, {version}]);
		}
	});
});
