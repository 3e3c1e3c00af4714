import {EventEmitter} from 'node:events';
import {mkdtempSync, readFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {afterEach, describe, expect, it} from 'vitest';
import {ENTER_ALT_SCREEN, LEAVE_ALT_SCREEN, mountConsole} from '../../src/ui/run-console.js';
import {openConsoleLog, silentLog} from '../../src/ui/log.js';
import {BRACKETED_PASTE_OFF, BRACKETED_PASTE_ON} from '../../src/ui/model/paste.js';
import {FakeStore, fakeEngine} from './helpers/fake-store.js';
import {FakeTargets} from './helpers/fake-targets.js';
import {waitFor} from './helpers/ink.js';
import {fixture, typist} from './helpers/mount.js';
import {asStreams, FakeTtyIn, FakeTtyOut} from './helpers/tty.js';

function start(opts: {engine?: ReturnType<typeof fakeEngine> | {role: 'leader'; onRoleChange(): never}; log?: ReturnType<typeof openConsoleLog>; bell?: boolean; ascii?: boolean} = {}) {
	const fx = fixture();
	const store = new FakeStore(fx, fx.clock);
	const out = new FakeTtyOut(100, 30);
	const input = new FakeTtyIn();
	const signals = new EventEmitter();
	const done = mountConsole(
		{store, dataDir: '/srv/calyx', readonly: false, identity: fx.keys.human, engine: (opts.engine ?? fakeEngine()) as ReturnType<typeof fakeEngine>, clock: fx.clock, targets: new FakeTargets(store, fx.clock), ...(opts.bell === undefined ? {} : {bell: opts.bell}), ...(opts.ascii === undefined ? {} : {ascii: opts.ascii})},
		{...asStreams(out, input), signals, log: opts.log ?? silentLog, wallClock: typist()},
	);
	const settled = done.then(
		() => 'resolved',
		(e: unknown) => `rejected: ${e instanceof Error ? e.message : String(e)}`,
	);
	let state = 'pending';
	void settled.then(s => (state = s));
	return {fx, store, out, input, signals, done, settled, status: () => state};
}

/** q on a console that leads with live canaries asks first: answered y then Enter. */
async function quit(c: ReturnType<typeof start>) {
	c.input.type('q');
	await waitFor(() => c.out.output.includes('Quit the console?'), () => 'the quit question');
	c.input.type('y');
	await waitFor(() => c.out.output.includes('y — Enter to quit'), () => 'the y');
	c.input.type('\r');
}

// Bracketed paste is on while the console runs, and off again (with the screen back) at every way out.
const restored = (output: string) => output.endsWith(BRACKETED_PASTE_OFF + '\u001B[?25h' + LEAVE_ALT_SCREEN);

const exitCode = process.exitCode;
afterEach(() => {
	process.exitCode = exitCode;
});

describe('mounting the console on a terminal', () => {
	it('rings the bell (BEL) once when a deployment shown is halted elsewhere; --no-bell keeps it silent', async () => {
		for (const bell of [undefined, false]) {
			const c = start(bell === undefined ? {} : {bell});
			await waitFor(() => c.out.output.includes('DEPLOYMENT') && c.input.rawMode, () => 'the first frame');
			c.store.external({type: 'canary.halt', actor: 'human:bob', id: c.fx.dep.running, reason: 'pager'});
			await waitFor(() => (c.out.output.split('\n').find(l => l.includes(c.fx.dep.running)) ?? '').includes('halted'), () => 'the halt on screen');
			await waitFor(() => (bell === false ? true : c.out.output.includes('\u0007')), () => 'the bell');
			expect(c.out.output.split('\u0007').length - 1).toBe(bell === false ? 0 : 1);
			c.signals.emit('SIGHUP');
			await c.settled;
		}
	});

	it('on a terminal that is not UTF-8 draws only ASCII bytes (a detail with its gauges and sparklines); on UTF-8 its glyphs', async () => {
		for (const ascii of [true, false]) {
			const c = start({ascii});
			await waitFor(() => c.out.output.includes('DEPLOYMENT') && c.input.rawMode, () => 'the first frame');
			c.input.type('\r');
			await waitFor(() => c.out.output.includes('judged value'), () => 'the detail with its metrics');
			const bytes = Buffer.from(c.out.output, 'utf8');
			if (ascii) {
				expect(bytes.findIndex(b => b > 0x7f), 'the first byte past ASCII').toBe(-1);
				expect(c.out.output).toContain('judged value . gauge (: warn, | crit)');
				expect(c.out.output).toMatch(/FROM > TO/);
			} else {
				expect(c.out.output).toContain('judged value · gauge (¦ warn, ‖ crit)');
				expect(c.out.output).toContain('FROM → TO');
			}
			c.signals.emit('SIGHUP');
			await c.settled;
		}
	});

	it('draws on the alternate screen with bracketed paste, and gives the screen back when the operator quits', async () => {
		const c = start();
		await waitFor(() => c.out.output.includes('DEPLOYMENT') && c.input.rawMode, () => 'the first frame');
		expect(c.out.chunks[0]!.startsWith(ENTER_ALT_SCREEN)).toBe(true);
		expect(c.out.chunks[0]).toContain(BRACKETED_PASTE_ON);
		expect(c.out.output).not.toContain(LEAVE_ALT_SCREEN);
		await quit(c);
		expect(await c.settled).toBe('resolved');
		expect(restored(c.out.output)).toBe(true);
		expect(c.signals.listenerCount('SIGTERM') + c.signals.listenerCount('exit')).toBe(0);
		expect(c.store.watchers).toBe(0);
	});

	it.each([
		['SIGTERM', 143],
		['SIGHUP', 129],
		['SIGINT', 130],
	])('on %s unmounts, restores the screen and leaves the exit code for the CLI', async (signal, code) => {
		const c = start();
		await waitFor(() => c.out.output.includes('DEPLOYMENT'), () => 'the first frame');
		c.signals.emit(signal);
		expect(await c.settled).toBe('resolved');
		expect(restored(c.out.output)).toBe(true);
		expect(process.exitCode).toBe(code);
	});

	it('restores the screen if the process exits under it', async () => {
		const c = start();
		await waitFor(() => c.out.output.includes('DEPLOYMENT'), () => 'the first frame');
		c.signals.emit('exit');
		expect(restored(c.out.output)).toBe(true);
		await quit(c);
		await c.settled;
		expect(c.out.output.split(LEAVE_ALT_SCREEN)).toHaveLength(2);
	});

	it('restores the screen and rejects when the console fails', async () => {
		const broken = {
			role: 'leader' as const,
			onRoleChange(): never {
				throw new Error('engine gone');
			},
		};
		const c = start({engine: broken});
		expect(await c.settled).toBe('rejected: engine gone');
		expect(restored(c.out.output)).toBe(true);
	});

	it('keeps its log in the file, never on the screen', async () => {
		const path = join(mkdtempSync(join(tmpdir(), 'calyx-ui-')), 'state', 'calyx', 'calyx.log');
		const log = openConsoleLog(path);
		const c = start({log});
		await waitFor(() => c.out.output.includes('DEPLOYMENT') && c.input.rawMode, () => 'the first frame');
		c.input.type('h');
		await waitFor(() => c.out.output.includes('reason:'), () => 'the halt dialog');
		for (const ch of 'on call drill') c.input.type(ch);
		c.input.type('\r');
		await waitFor(() => c.out.output.includes('halted DEP-'), () => 'the halt outcome');
		await quit(c);
		await c.done;
		await log.close();
		const lines = readFileSync(path, 'utf8').trim().split('\n').map(l => JSON.parse(l) as {message: string; type?: string});
		expect(lines.map(l => l.message)).toEqual(expect.arrayContaining(['console start', 'action', 'action outcome', 'console quit']));
		expect(lines.find(l => l.message === 'action')?.type).toBe('canary.halt');
		expect(c.out.output).not.toContain('console start');
	});
});
