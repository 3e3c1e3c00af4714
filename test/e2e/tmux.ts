import {execFileSync, spawnSync} from 'node:child_process';
import {existsSync, mkdtempSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join, resolve} from 'node:path';
import {fileURLToPath} from 'node:url';
import {afterAll, afterEach, beforeAll} from 'vitest';

/**
 * The console as an operator meets it: the built CLI in a real pseudo-terminal (tmux), over a
 * data directory seeded by `calyx demo`, checked against what the other commands read back.
 * Each test file gets a tmux server of its own (files run in parallel).
 */
export const ROOT = resolve(fileURLToPath(import.meta.url), '../../..');
export const BIN = join(ROOT, 'bin', 'calyx.js');
export const SIZE = {columns: 100, rows: 30};
const SESSION = 'console';

export interface Sandbox {
	data: string;
	env: NodeJS.ProcessEnv;
}

export function calyx(box: Sandbox, ...args: string[]): string {
	return execFileSync(process.execPath, [BIN, '--data', box.data, ...args], {env: box.env, encoding: 'utf8'});
}

/** A command's JSON answer, whatever its exit code (`canary status` exits 1 for a halted canary). */
export function json<T>(box: Sandbox, ...args: string[]): T {
	const out = spawnSync(process.execPath, [BIN, '--data', box.data, ...args, '--json'], {env: box.env, encoding: 'utf8'});
	if (!out.stdout.trim()) throw new Error(`calyx ${args.join(' ')} --json printed nothing (exit ${out.status}): ${out.stderr}`);
	return JSON.parse(out.stdout) as T;
}

/** A scratch data directory and key directory; seeded by `calyx demo` unless `demo` is false. */
export function sandbox(bake = '1h', demo = true): Sandbox {
	const dir = mkdtempSync(join(tmpdir(), 'calyx-e2e-'));
	const env: NodeJS.ProcessEnv = {
		...process.env,
		XDG_CONFIG_HOME: join(dir, 'config'),
		XDG_STATE_HOME: join(dir, 'state'),
		CALYX_KEY: 'demo-operator',
		CALYX_TRUST: 'demo',
		NO_COLOR: '1',
		NODE_ENV: 'production',
	};
	delete env.CI;
	const box = {data: join(dir, 'data'), env};
	// A long bake by default: nothing promotes on its own while a test looks at it.
	if (demo) calyx(box, 'demo', '--bake', bake);
	return box;
}

export const quote = (s: string) => `'${s.replaceAll("'", `'\\''`)}'`;
export const selected = (s: string) => s.split('\n').find(l => l.startsWith('›')) ?? '';
/** What a dialog's field shows after its label (the cursor cell and the dialog's border left out); undefined when no line starts with the label. */
export function fieldText(screen: string, label: string): string | undefined {
	const line = screen
		.split('\n')
		.map(l => l.replace(/^[\s│]*/, ''))
		.find(l => l.startsWith(label));
	return line?.slice(label.length).replace(/\s*│?\s*$/, '').trim();
}
export const lastUsedRow = (s: string) => s.split('\n').findLastIndex(l => l.trim() !== '') + 1;

/**
 * The gap of a slow link between two reads. This builds the scenario (bytes arriving apart),
 * it does not wait for the console: without it the pty hands the next key over in the same read.
 */
export const slowLink = () => new Promise(r => setTimeout(r, 150));

/** Registers the hooks of a test file that drives consoles in tmux and returns its terminal. */
export function useTerminal(name: string) {
	const socket = `calyx-${name}-${process.pid}`;
	const tmux = (...args: string[]) => execFileSync('tmux', ['-L', socket, ...args], {encoding: 'utf8'});
	/** The screen as text; with `escapes`, the attributes too (`capture-pane -e`). */
	const screen = (escapes = false) => tmux('capture-pane', '-p', ...(escapes ? ['-e'] : []), '-t', SESSION);
	const keys = (...k: string[]) => tmux('send-keys', '-t', SESSION, ...k);
	const text = (t: string) => tmux('send-keys', '-t', SESSION, '-l', t);
	/** Whether the console's terminal is in raw mode (no echo, no line editing), as `stty` reads it. */
	const rawMode = () => {
		const tty = tmux('display-message', '-p', '-t', SESSION, '#{pane_tty}').trim();
		return / -icanon /.test(` ${execFileSync('stty', ['-F', tty, '-a'], {encoding: 'utf8'}).replace(/\s+/g, ' ')} `);
	};

	/**
	 * Starts `calyx [args]` in a fresh terminal, after a line the console must not leave on screen.
	 * The data directory goes in CALYX_DATA, so that `calyx` alone really has no arguments.
	 */
	function open(box: Sandbox, args: string[], size = SIZE, extraEnv: Record<string, string> = {}) {
		const vars = {...Object.fromEntries(['XDG_CONFIG_HOME', 'XDG_STATE_HOME', 'CALYX_KEY', 'CALYX_TRUST', 'NO_COLOR', 'NODE_ENV'].map(k => [k, box.env[k]!])), ...extraEnv};
		const envs = Object.entries(vars)
			.map(([k, v]) => `${k}=${quote(v)}`)
			.join(' ');
		const run = `env -u CI ${envs} CALYX_DATA=${quote(box.data)} ${quote(process.execPath)} ${quote(BIN)} ${args.map(quote).join(' ')}`;
		const script = `echo BEFORE-THE-CONSOLE; ${run}; echo EXIT=$?; sleep 600`;
		// A session the last test's afterEach could not end (a busy server) would make this one a duplicate.
		spawnSync('tmux', ['-L', socket, 'kill-session', '-t', SESSION]);
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
	 * A fresh dialog drops keys for a moment (typeahead guard), so confirm by polling: press y, and
	 * press it again only if the screen shows it was not taken. Each try waits longer than the one
	 * before: a second y to a console that took the first but painted it late would back out.
	 */
	async function confirmY(verb: string) {
		for (let attempt = 1; attempt <= 8; attempt++) {
			keys('y');
			const taken = await waitScreen(s => s.includes(`y — Enter to ${verb}`), 'the y to register', 1000 * attempt).catch(() => undefined);
			if (taken) return;
		}
		throw new Error(`the dialog never took the y; the screen was:\n${screen()}`);
	}

	/**
	 * Types into a dialog's field until the screen shows exactly that text. The first keys may be
	 * dropped as typeahead; a console slowed by a loaded box may paint late, and keys sent before it
	 * painted a step would erase that step unseen: so the field is emptied and seen empty before each
	 * try, and each try waits longer than the one before.
	 */
	async function typeField(label: string, value: string) {
		for (let attempt = 1; attempt <= 8; attempt++) {
			const wait = 1000 * attempt;
			if (fieldText(screen(), label) !== '') {
				tmux('send-keys', '-t', SESSION, '-N', '40', 'BSpace');
				const emptied = await waitScreen(s => fieldText(s, label) === '', 'the field emptied', wait).catch(() => undefined);
				if (!emptied) continue;
			}
			text(value);
			const typed = await waitScreen(s => fieldText(s, label) === value, 'the text', wait).catch(() => undefined);
			if (typed) return;
		}
		throw new Error(`the field never showed ${value}; the screen was:\n${screen()}`);
	}

	beforeAll(() => {
		if (spawnSync('tmux', ['-V']).status !== 0) throw new Error('these tests need tmux on the PATH');
		// The console under test is the built one (bin/calyx.js loads dist/); `npm test` builds first.
		// Building here would rewrite dist/ under the CLI tests running beside this file.
		if (!existsSync(join(ROOT, 'dist', 'ui', 'index.js'))) throw new Error('dist/ui/index.js is missing: run npm run build (npm test does)');
	});
	afterEach(() => {
		spawnSync('tmux', ['-L', socket, 'kill-session', '-t', SESSION]);
	});
	afterAll(() => {
		spawnSync('tmux', ['-L', socket, 'kill-server']);
	});

	/**
	 * Filters the pane: the text, then its Enter on its own (an Enter in the same read as typed
	 * text is left out, as a paste's would be), until the tab bar shows the filter kept.
	 */
	async function filterTo(value: string) {
		keys('/');
		text(value);
		await waitScreen(x => x.includes(value), 'the filter text');
		for (let attempt = 0; attempt < 10; attempt++) {
			keys('Enter');
			try {
				await waitScreen(x => x.includes(`filter: ${value} (Esc clears)`), 'the filter kept', 1000);
				return;
			} catch {
				// the Enter shared a read with the text and was left out: press it again
			}
		}
		throw new Error(`the filter ${value} was never kept`);
	}

	/** q, answering the quit question a leading console with live canaries asks, until the console exits 0. */
	async function quitConsole(timeoutMs = 15_000) {
		keys('q');
		const s = await waitScreen(x => x.includes('Quit the console?') || x.includes('EXIT='), 'the quit question or the exit', timeoutMs);
		if (s.includes('Quit the console?')) {
			await confirmY('quit');
			keys('Enter');
		}
		await waitScreen(x => x.includes('EXIT=0'), 'the console to quit', timeoutMs);
	}

	return {tmux, screen, keys, text, rawMode, open, waitScreen, confirmY, typeField, quitConsole, filterTo, session: SESSION};
}

/**
 * Scrolls an open cosign dialog to its end one row at a time (its `y` is taken only then) and
 * returns every screen seen on the way, for tests that check what was on screen before signing.
 */
export async function scrollDialogToEnd(t: Pick<ReturnType<typeof useTerminal>, 'keys' | 'screen' | 'waitScreen'>): Promise<string[]> {
	const seen = [t.screen()];
	for (let more = /↓ (\d+) more line/.exec(seen[0]!); more; more = /↓ (\d+) more line/.exec(seen.at(-1)!)) {
		const left = more[1];
		t.keys('j');
		seen.push(await t.waitScreen(s => !s.includes(`↓ ${left} more line`), 'the dialog to scroll'));
	}
	return seen;
}
