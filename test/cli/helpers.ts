import {spawn} from 'node:child_process';
import {mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join, resolve} from 'node:path';
import {createHash} from 'node:crypto';
import {expect} from 'vitest';

export const BIN = resolve(import.meta.dirname, '../../bin/calyx.js');

export interface Run {
	code: number;
	stdout: string;
	stderr: string;
}

/**
 * A scratch world: a data directory and a private key directory of its own (XDG_CONFIG_HOME), so
 * its own demo trust, with separation of duties on. `suiteTrust` keeps the suite's home and trust
 * instead (separation of duties off: intents without keys), for tests about files, not people.
 */
export function sandbox(opts: {suiteTrust?: boolean} = {}) {
	const root = mkdtempSync(join(tmpdir(), 'calyx-cli-'));
	const data = join(root, 'data');
	const env: NodeJS.ProcessEnv = {
		...process.env,
		XDG_CONFIG_HOME: opts.suiteTrust ? process.env.XDG_CONFIG_HOME : join(root, 'config'),
		XDG_STATE_HOME: join(root, 'state'),
		CALYX_DATA: data,
		NO_COLOR: '1',
		CALYX_KEY: '',
		CALYX_ACTOR: '',
		// The sandbox's own demo trust (made by its first `keys add`), with separation of duties on.
		CALYX_TRUST: 'demo',
		CALYX_ADMIN_KEY: '',
	};
	const calyx = (args: string[], opts: {input?: string; env?: NodeJS.ProcessEnv; cwd?: string} = {}): Promise<Run> =>
		new Promise((done, fail) => {
			const child = spawn(process.execPath, [BIN, ...args], {env: {...env, ...opts.env}, cwd: opts.cwd, stdio: ['pipe', 'pipe', 'pipe']});
			let stdout = '';
			let stderr = '';
			child.stdout.on('data', d => (stdout += d));
			child.stderr.on('data', d => (stderr += d));
			child.on('error', fail);
			child.on('close', code => done({code: code ?? -1, stdout, stderr}));
			child.stdin.end(opts.input ?? '');
		});
	/** Parses the one JSON document a --json command prints. */
	const json = async <T = Record<string, unknown>>(args: string[], opts: {input?: string; env?: NodeJS.ProcessEnv} = {}) => {
		const run = await calyx([...args, '--json'], opts);
		return {...run, doc: JSON.parse(run.stdout) as T};
	};
	return {root, data, env, calyx, json};
}

/** Every file of the data directory with its hash: "nothing was written" made checkable. */
export function snapshot(dir: string): Record<string, string> {
	const out: Record<string, string> = {};
	let names: string[] = [];
	try {
		names = readdirSync(dir);
	} catch {
		return out;
	}
	for (const name of names) {
		const path = join(dir, name);
		if (statSync(path).isFile()) out[name] = createHash('sha256').update(readFileSync(path)).digest('hex');
	}
	return out;
}

type Doc = Record<string, any>;

/** alice (a person's human key) and ci-bot (an agent key), registered under the sandbox's demo trust. */
export async function addKeys(s: ReturnType<typeof sandbox>): Promise<void> {
	expect((await s.calyx(['keys', 'add', '--role', 'human', '--id', 'alice', '--owner', 'alice'])).code).toBe(0);
	expect((await s.calyx(['keys', 'add', '--role', 'agent', '--id', 'ci-bot', '--owner', 'ci-bot'])).code).toBe(0);
}

/** Keys, intent, lease, both signatures: what every pipeline test starts from. */
export async function signedLease(s: ReturnType<typeof sandbox>, lease: string[] = ['--bake', '0s', '--min-samples', '1']) {
	expect((await s.calyx(['init'])).code).toBe(0);
	await addKeys(s);
	const intent = (await s.json<Doc>(['intent', 'create', '--service', 'checkout', '--from', '1.4.0', '--to', '1.5.0', '--lines', '40', '--key', 'ci-bot'])).doc;
	expect((await s.calyx(['intent', 'approve', intent.id, '--key', 'alice'])).code).toBe(0);
	const issued = (await s.json<Doc>(['lease', 'issue', intent.id, ...lease])).doc;
	expect((await s.calyx(['lease', 'sign', issued.id, '--key', 'alice'])).code).toBe(0);
	const second = await s.json<Doc>(['lease', 'sign', issued.id], {env: {CALYX_KEY: 'ci-bot'}});
	expect(second.doc.activated).toBe(true);
	return {intentId: intent.id as string, leaseId: issued.id as string};
}


/** Polls a condition until it holds or the deadline passes (no fixed sleeps as synchronisation). */
export async function waitFor(condition: () => boolean, timeoutMs = 20_000): Promise<void> {
	const deadline = Date.now() + timeoutMs;
	while (!condition() && Date.now() < deadline) await new Promise(r => setTimeout(r, 20));
}

/** Runs calyx with the import tracer and returns every module URL it loaded (see fixtures/trace-imports.mjs). */
export function loadedModules(args: string[], env: NodeJS.ProcessEnv): Promise<string[]> {
	const hook = resolve(import.meta.dirname, 'fixtures/trace-imports.mjs');
	return new Promise((done, fail) => {
		const child = spawn(process.execPath, ['--import', hook, BIN, ...args], {env, stdio: ['ignore', 'ignore', 'ignore', 'pipe']});
		let urls = '';
		child.stdio[3]!.on('data', d => (urls += d));
		child.on('error', fail);
		child.on('close', () => done(urls.split('\n').filter(Boolean)));
	});
}

/** The state document without the list's rows, as an older calyx wrote it: the list is then read from the deployments themselves. */
export function dropListRows(data: string): void {
	const path = join(data, 'state.json');
	const text = readFileSync(path, 'utf8');
	const without = text.replace(/,"list":\[\n[\s\S]*?\n\]\n/, '');
	expect(without).not.toBe(text);
	writeFileSync(path, without);
}
