import type {EventEmitter} from 'node:events';
import {userInfo} from 'node:os';
import {render} from 'ink';
import {systemClock, type Clock} from '../core/index.js';
import type {EngineLoop} from '../drivers/engine-loop.js';
import type {DeliveryHealth} from '../drivers/notify/index.js';
import type {Store} from '../store/api.js';
import type {LocalKey} from '../store/keyring.js';
import {logFile} from '../store/xdg.js';
import ConsoleApp from './app.js';
import {driverTargets, type ConsoleTargets} from './targets.js';
import {openConsoleLog, type ConsoleLog} from './log.js';
import {BRACKETED_PASTE_OFF, BRACKETED_PASTE_ON} from './model/paste.js';
import {createScreenWriter} from './screen-writer.js';

export interface ConsoleOptions {
	store: Store;
	dataDir: string;
	readonly: boolean;
	identity?: LocalKey;
	engine: Pick<EngineLoop, 'role' | 'onRoleChange'>;
	clock?: Clock;
	/** The targets as the console reaches them (default: through the drivers, for this store's data directory). */
	targets?: ConsoleTargets;
	/** Ring the terminal's bell when a deployment shown halts or waits for keys (default on). */
	bell?: boolean;
	/** The notifier's delivery health, shown while it has a failing sink (see use-notify-health.ts). */
	notify?: DeliveryHealth;
	/** The terminal is not UTF-8: every glyph is drawn with its ASCII stand-in (see core/view/glyphs.ts). */
	ascii?: boolean;
}

const BELL = '\u0007';

/** The terminal and the process the console runs in; tests and the benchmark pass their own. */
export interface ConsoleIo {
	stdin: NodeJS.ReadStream;
	stdout: NodeJS.WriteStream;
	stderr: NodeJS.WriteStream;
	/** Where signals and `exit` are heard (the process). */
	signals: Pick<EventEmitter, 'on' | 'off'>;
	log: ConsoleLog;
	tickMs?: number;
	/** Wall time of keypresses (for the escape and typeahead guards); tests type faster than people. */
	wallClock?: () => number;
}

// The alternate screen keeps the cursor where the shell left it; ink draws from the cursor down,
// so without the home the frame would start mid-screen, scroll, and tear every later frame.
export const ENTER_ALT_SCREEN = '\u001B[?1049h\u001B[H';
export const LEAVE_ALT_SCREEN = '\u001B[?1049l';
const SHOW_CURSOR = '\u001B[?25h';
const HIDE_CURSOR = '\u001B[?25l';
const MAX_FPS = 10;
const SIGNALS = {SIGTERM: 15, SIGHUP: 1, SIGINT: 2} as const;

function whoAmI(): string {
	try {
		return userInfo().username;
	} catch {
		return process.env.USER ?? 'unknown';
	}
}

export const actorOf = (identity: LocalKey | undefined) => (identity ? `${identity.role}:${identity.id}` : `operator:${whoAmI()}`);

/**
 * Mounts the console on a terminal and resolves when the operator quits. It draws on the
 * alternate screen (ink 6 has no option for it) and gives the operator's screen back on every way
 * out: quit, an error, a signal (which also sets the exit code, so the CLI can stop the engine
 * and leave with it), or the process exiting under it.
 */
export async function mountConsole(opts: ConsoleOptions, io: ConsoleIo): Promise<void> {
	const {stdout, signals, log} = io;
	// Read before taking the screen: the first frame then shows the deployments, not a "reading"
	// line that flips a frame later. A failed read is left to the console, which says why.
	const initial = await opts.store.read().catch(() => undefined);
	let restored = false;
	// Raw before the first frame: keys typed while the console starts are neither echoed onto its
	// screen nor cooked into a line; they reach the key handling as typed (and a burst is refused
	// there as a paste would be). Ink takes the same mode when its input mounts.
	const raw = io.stdin.isTTY && typeof io.stdin.setRawMode === 'function';
	if (raw) io.stdin.setRawMode(true);
	const restore = () => {
		if (restored) return;
		restored = true;
		if (raw) io.stdin.setRawMode(false);
		stdout.write(BRACKETED_PASTE_OFF + SHOW_CURSOR + LEAVE_ALT_SCREEN);
	};
	// Bracketed paste marks pasted text, so that a paste is taken as text, never as keys (see paste.ts).
	stdout.write(ENTER_ALT_SCREEN + HIDE_CURSOR + BRACKETED_PASTE_ON);
	const screen = createScreenWriter(stdout, {maxFps: MAX_FPS, ascii: opts.ascii === true});
	let instance: ReturnType<typeof render> | undefined;
	const onSignal = (signal: keyof typeof SIGNALS) => {
		log.info('signal', {signal});
		process.exitCode = 128 + SIGNALS[signal];
		instance?.unmount();
	};
	const handlers = Object.keys(SIGNALS).map(s => [s, () => onSignal(s as keyof typeof SIGNALS)] as const);
	for (const [s, h] of handlers) signals.on(s, h);
	signals.on('exit', restore);
	const actor = actorOf(opts.identity);
	log.info('console start', {dataDir: opts.dataDir, readonly: opts.readonly, actor, role: opts.engine.role});
	try {
		instance = render(
			<ConsoleApp
				store={opts.store}
				dataDir={opts.dataDir}
				readonly={opts.readonly}
				{...(opts.identity ? {identity: opts.identity} : {})}
				engine={opts.engine}
				clock={opts.clock ?? systemClock}
				targets={opts.targets ?? driverTargets(opts.store, opts.clock ?? systemClock)}
				actor={actor}
				log={log}
				{...(io.tickMs ? {tickMs: io.tickMs} : {})}
				{...(io.wallClock ? {wallClock: io.wallClock} : {})}
				{...(initial ? {initial} : {})}
				screen={screen}
				{...(opts.bell === false ? {} : {ring: () => void stdout.write(BELL)})}
				{...(opts.notify ? {notifyHealth: opts.notify} : {})}
			/>,
			{
				stdin: io.stdin,
				// Ink hands whole frames to the screen writer, which paints only the changed lines at
				// most MAX_FPS times a second (see screen-writer.ts for why not ink's incremental mode).
				stdout: screen.frames,
				stderr: io.stderr,
				debug: true,
				exitOnCtrlC: false,
				patchConsole: false,
			},
		);
		await instance.waitUntilExit();
		log.info('console quit');
	} catch (error) {
		log.error('console failed', error);
		throw error;
	} finally {
		instance?.cleanup();
		screen.flush();
		screen.close();
		restore();
		for (const [s, h] of handlers) signals.off(s, h);
		signals.off('exit', restore);
	}
}

/** The entry the CLI calls for `calyx` / `calyx ui` on a terminal. */
export async function runConsole(opts: ConsoleOptions): Promise<void> {
	const log = openConsoleLog(logFile());
	try {
		await mountConsole(opts, {stdin: process.stdin, stdout: process.stdout, stderr: process.stderr, signals: process, log});
	} finally {
		await log.close();
	}
}
