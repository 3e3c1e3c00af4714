import {execFileSync, spawnSync} from 'node:child_process';
import {existsSync, mkdtempSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join, resolve} from 'node:path';
import {fileURLToPath} from 'node:url';
import {afterAll, afterEach, beforeAll, describe, expect, it} from 'vitest';

/**
 * The console as an operator meets it: the built CLI in a real pseudo-terminal (tmux), over a
 * data directory seeded by `calyx demo`, checked against what the other commands read back.
 */
const ROOT = resolve(fileURLToPath(import.meta.url), '../../..');
const BIN = join(ROOT, 'bin', 'calyx.js');
const SOCKET = `calyx-e2e-${process.pid}`;
const SESSION = 'console';
const SIZE = {columns: 100, rows: 30};

interface Sandbox {
	data: string;
	env: NodeJS.ProcessEnv;
}

function sandbox(bake = '1h'): Sandbox {
	const dir = mkdtempSync(join(tmpdir(), 'calyx-e2e-'));
	const env: NodeJS.ProcessEnv = {
		...process.env,
		XDG_CONFIG_HOME: join(dir, 'config'),
		XDG_STATE_HOME: join(dir, 'state'),
		CALYX_KEY: 'demo-operator',
		NO_COLOR: '1',
		NODE_ENV: 'production',
	};
	delete env.CI;
	const box = {data: join(dir, 'data'), env};
	// A long bake by default: nothing promotes on its own while a test looks at it.
	calyx(box, 'demo', '--bake', bake);
	return box;
}

function calyx(box: Sandbox, ...args: string[]): string {
	return execFileSync(process.execPath, [BIN, '--data', box.data, ...args], {env: box.env, encoding: 'utf8'});
}

/** A command's JSON answer, whatever its exit code (`canary status` exits 1 for a halted canary). */
function json<T>(box: Sandbox, ...args: string[]): T {
	const out = spawnSync(process.execPath, [BIN, '--data', box.data, ...args, '--json'], {env: box.env, encoding: 'utf8'});
	if (!out.stdout.trim()) throw new Error(`calyx ${args.join(' ')} --json printed nothing (exit ${out.status}): ${out.stderr}`);
	return JSON.parse(out.stdout) as T;
}

const tmux = (...args: string[]) => execFileSync('tmux', ['-L', SOCKET, ...args], {encoding: 'utf8'});
const screen = () => tmux('capture-pane', '-p', '-t', SESSION);
const keys = (...k: string[]) => tmux('send-keys', '-t', SESSION, ...k);
const text = (t: string) => tmux('send-keys', '-t', SESSION, '-l', t);
const quote = (s: string) => `'${s.replaceAll("'", `'\\''`)}'`;

/**
 * Starts `calyx [args]` in a fresh terminal, after a line the console must not leave on screen.
 * The data directory goes in CALYX_DATA, so that `calyx` alone really has no arguments.
 */
function open(box: Sandbox, args: string[], size = SIZE) {
	const envs = ['XDG_CONFIG_HOME', 'XDG_STATE_HOME', 'CALYX_KEY', 'NO_COLOR', 'NODE_ENV'].map(k => `${k}=${quote(box.env[k]!)}`).join(' ');
	const run = `env -u CI ${envs} CALYX_DATA=${quote(box.data)} ${quote(process.execPath)} ${quote(BIN)} ${args.map(quote).join(' ')}`;
	const script = `echo BEFORE-THE-CONSOLE; ${run}; echo EXIT=$?; sleep 600`;
	tmux('new-session', '-d', '-s', SESSION, '-x', String(size.columns), '-y', String(size.rows), `sh -c ${quote(script)}`);
}

async function waitScreen(test: (s: string) => boolean, what: string, timeoutMs = 15_000): Promise<string> {
	const deadline = Date.now() + timeoutMs;
	for (;;) {
		const s = screen();
		if (test(s)) return s;
		if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; the screen was:\n${s}`);
		await new Promise(r => setTimeout(r, 50));
	}
}

/**
 * The gap of a slow link between two reads. This builds the scenario (bytes arriving apart),
 * it does not wait for the console: without it the pty hands the next key over in the same read.
 */
const slowLink = () => new Promise(r => setTimeout(r, 150));

const selected = (s: string) => s.split('\n').find(l => l.startsWith('›')) ?? '';
const lastUsedRow = (s: string) => s.split('\n').findLastIndex(l => l.trim() !== '') + 1;

/**
 * A fresh dialog drops keys for a moment (typeahead guard), so confirm by polling: press y, and
 * press it again only if the screen shows it was not taken.
 */
async function confirmY(verb: string) {
	for (let attempt = 0; attempt < 10; attempt++) {
		keys('y');
		try {
			await waitScreen(s => s.includes(`y — Enter to ${verb}`), 'the y to register', 1000);
			return;
		} catch {
			// dropped as typeahead: the screen still says nothing was typed
		}
	}
	throw new Error('the dialog never took the y');
}

/** Types into a dialog's field until the screen shows exactly that text (the first keys may be typeahead). */
async function typeField(label: string, value: string) {
	for (let attempt = 0; attempt < 10; attempt++) {
		tmux('send-keys', '-t', SESSION, '-N', '40', 'BSpace');
		text(value);
		try {
			await waitScreen(s => s.includes(`${label} ${value}`), 'the text', 1000);
			return;
		} catch {
			// some keys were dropped as typeahead: erase and type again
		}
	}
	throw new Error(`the field never showed ${value}`);
}

beforeAll(() => {
	if (spawnSync('tmux', ['-V']).status !== 0) throw new Error('these tests need tmux on the PATH');
	// The console under test is the built one (bin/calyx.js loads dist/); `npm test` builds first.
	// Building here would rewrite dist/ under the CLI tests running beside this file.
	if (!existsSync(join(ROOT, 'dist', 'ui', 'index.js'))) throw new Error('dist/ui/index.js is missing: run npm run build (npm test does)');
});

afterEach(() => {
	spawnSync('tmux', ['-L', SOCKET, 'kill-session', '-t', SESSION]);
});

afterAll(() => {
	spawnSync('tmux', ['-L', SOCKET, 'kill-server']);
});

describe('calyx console in a terminal', () => {
	it('opens with no command on the alternate screen, within rows − 1, and gives the screen back on q', async () => {
		const box = sandbox();
		open(box, []);
		const s = await waitScreen(x => x.includes('DEPLOYMENT') && x.includes('checkout'), 'the console');
		expect(s).not.toContain('BEFORE-THE-CONSOLE');
		expect(s).toMatch(/^calyx target simulated engine leader +you human:demo-operator \(human key\)/m);
		expect(lastUsedRow(s)).toBeLessThanOrEqual(SIZE.rows - 1);
		keys('q');
		const after = await waitScreen(x => x.includes('EXIT=0'), 'the console to quit');
		expect(after).toContain('BEFORE-THE-CONSOLE');
		expect(after).not.toContain('DEPLOYMENT');
	});

	it('halts the selected canary with the typed reason, as `calyx canary status --json` reads it back', async () => {
		const box = sandbox();
		open(box, ['ui']);
		const s = await waitScreen(x => /^› DEP-/m.test(x), 'the list');
		const id = /DEP-\d{8}-\d+/.exec(selected(s))![0];
		keys('h');
		await waitScreen(x => x.includes(`Halt ${id}`), 'the halt dialog');
		await typeField('reason:', 'e2e drill');
		keys('Enter');
		await waitScreen(x => x.includes(`✓ halted ${id}`), 'the outcome');
		const status = json<{status: string; halt?: {reason: string; actor: string; trigger: string}}>(box, 'canary', 'status', id);
		expect(status.status).toBe('halted');
		expect(status.halt).toMatchObject({reason: 'e2e drill', actor: 'human:demo-operator', trigger: 'manual'});
	});

	/** The console open on the demo's lease that waits for its human key, selected in the leases pane. */
	async function onWaitingLease() {
		const box = sandbox();
		const pending = json<{leases: Array<{id: string; status: string}>}>(box, 'lease', 'list').leases.find(l => l.status === 'pending')!;
		open(box, ['ui']);
		await waitScreen(x => x.includes('DEPLOYMENT'), 'the console');
		keys('2');
		await waitScreen(x => selected(x).includes(pending.id), 'the waiting lease');
		return {box, pending};
	}

	it('cosigns the waiting lease after y then Enter, and the two-key rule then holds', async () => {
		const {box, pending} = await onWaitingLease();
		keys('c');
		await waitScreen(x => x.includes(`Cosign ${pending.id}`) && x.includes('you sign as human:demo-operator'), 'the cosign dialog');
		await confirmY('sign');
		keys('Enter');
		await waitScreen(x => x.includes(`✓ signed ${pending.id} as human:demo-operator: both keys signed`), 'the outcome');
		expect(spawnSync(process.execPath, [BIN, '--data', box.data, 'lease', 'verify', pending.id], {env: box.env}).status).toBe(0);
	});

	it('shows a cosign made by another process, without a key press', async () => {
		const {box, pending} = await onWaitingLease();
		calyx(box, 'lease', 'sign', pending.id);
		await waitScreen(x => x.includes('no lease is waiting for a cosign'), 'the lease to leave the pane');
	});

	it('does not act on an Esc split from its "[A" (an arrow key over a slow link)', async () => {
		const box = sandbox();
		open(box, ['ui']);
		const first = await waitScreen(x => /^› DEP-/m.test(x), 'the list');
		keys('j');
		const second = await waitScreen(x => selected(x) !== selected(first) && /^› DEP-/m.test(x), 'the second row');
		// The Esc must arrive on its own, as a split does: it closes the help, and once that shows,
		// the rest of the sequence follows as separate input.
		const splitArrow = async (...tail: string[]) => {
			keys('?');
			await waitScreen(x => x.includes('Esc or ? closes'), 'the help');
			keys('Escape');
			await waitScreen(x => x.includes('DEPLOYMENT'), 'the help to close');
			for (const t of tail) {
				text(t);
				await slowLink();
			}
		};
		await splitArrow('[A');
		await splitArrow('[', 'A');
		// A later key, seen on screen, proves the ones before it were handled.
		keys('?');
		await waitScreen(x => x.includes('Esc or ? closes'), 'the help');
		keys('?');
		const after = await waitScreen(x => x.includes('DEPLOYMENT'), 'the list again');
		const idOf = (x: string) => /DEP-\d{8}-\d+/.exec(selected(x))?.[0];
		expect(idOf(after)).toBe(idOf(second));
		expect(after).not.toMatch(/Halt|Roll back|Promote|Resume/);
	});

	it('reflows when the terminal grows to 120×40 then shrinks to 80×24: whole, within rows − 1, no line wider', async () => {
		const box = sandbox();
		open(box, ['ui']);
		await waitScreen(x => x.includes('FROM → TO'), 'the wide list');
		tmux('resize-window', '-t', SESSION, '-x', '120', '-y', '40');
		await waitScreen(x => x.split('\n')[0]!.startsWith('calyx target') && x.includes('FROM → TO'), 'the list at 120×40');
		tmux('resize-window', '-t', SESSION, '-x', '80', '-y', '24');
		const s = await waitScreen(x => x.includes('DEPLOYMENT') && !x.includes('FROM → TO'), 'the narrow list');
		const lines = s.split('\n');
		// The title and the counts on top, one tab bar, the column header: nothing left from the wide frame.
		expect(lines[0]).toMatch(/^calyx target simulated engine /);
		expect(lines[2]).toMatch(/1 Deployments/);
		expect(lines.filter(l => l.includes('1 Deployments'))).toHaveLength(1);
		expect(lines[3]).toMatch(/DEPLOYMENT/);
		expect(lastUsedRow(s)).toBeLessThanOrEqual(23);
		for (const line of lines) expect(line.length).toBeLessThanOrEqual(80);
		// The detail view opened after the resize is whole too.
		keys('Enter');
		const detail = await waitScreen(x => /› DEP-/.test(x.split('\n')[2] ?? ''), 'the detail');
		expect(detail.split('\n')[0]).toMatch(/^calyx target simulated engine /);
		for (const line of detail.split('\n')) expect(line.length).toBeLessThanOrEqual(80);
	});

	it('shows the demo canaries moving through their tiers as the in-process engine promotes them', async () => {
		const box = sandbox('2s');
		open(box, ['ui']);
		const row = (x: string, service: string) => x.split('\n').find(l => l.includes(` ${service} `)) ?? '';
		await waitScreen(x => row(x, 'checkout').includes('[5]'), 'checkout at 5%');
		await waitScreen(x => row(x, 'checkout').includes('[25]'), 'checkout promoted to 25%', 30_000);
		await waitScreen(x => row(x, 'checkout').includes('completed'), 'checkout completed', 30_000);
		const end = await waitScreen(x => row(x, 'payments').includes('rolled_back'), 'payments rolled back', 30_000);
		expect(row(end, 'payments')).toContain('CRIT');
	});

	it('rolls back by keyboard after the typed id and a reason, and the deployment ends rolled_back', async () => {
		const box = sandbox();
		open(box, ['ui']);
		const s = await waitScreen(x => /^› DEP-/m.test(x), 'the list');
		const id = /DEP-\d{8}-\d+/.exec(selected(s))![0];
		keys('r');
		await waitScreen(x => x.includes(`type ${id} exactly to confirm`), 'the typed confirmation');
		await typeField('confirm:', id);
		keys('Enter');
		await waitScreen(x => x.includes('reason:'), 'the reason field');
		await typeField('reason:', 'e2e rollback');
		keys('Enter');
		await waitScreen(x => x.includes(id) && x.includes('rolled_back'), 'the rollback outcome');
		const status = json<{status: string; rollback?: {trigger: string; reason: string; verified: boolean}}>(box, 'canary', 'status', id);
		expect(status.status).toBe('rolled_back');
		expect(status.rollback).toMatchObject({trigger: 'manual', reason: 'e2e rollback', verified: true});
	});

	it('refuses actions in read-only mode: no action keys in the footer, and h does nothing', async () => {
		const box = sandbox();
		open(box, ['ui', '--readonly']);
		const s = await waitScreen(x => /^› DEP-/m.test(x), 'the list');
		expect(s).toContain('engine watching (⊘ read-only)');
		expect(s).not.toMatch(/h halt|r rollback|p promote/);
		const id = /DEP-\d{8}-\d+/.exec(selected(s))![0];
		keys('h');
		await waitScreen(x => x.includes('read-only: halt is not available'), 'the refusal');
		expect(json<{status: string}>(box, 'canary', 'status', id).status).toBe('running');
	});
});
