import type {Key} from 'ink';
import {describe, expect, it} from 'vitest';
import {KEYMAP} from '../../src/ui/keymap.js';
import {consoleReducer, initialConsoleState, PASTE_IGNORED, type ConsoleState, type KeyContext, type KeyPress} from '../../src/ui/model/console-state.js';
import {openDialog} from '../../src/ui/model/dialog.js';
import {createPasteReader, PASTE_END, PASTE_START} from '../../src/ui/model/paste.js';
import {quitConsequence} from '../../src/ui/model/quit.js';
import {splitKeys} from '../../src/ui/hooks/use-console-input.js';

const K = (over: Partial<Key> = {}): Key =>
	({upArrow: false, downArrow: false, leftArrow: false, rightArrow: false, pageDown: false, pageUp: false, home: false, end: false, return: false, escape: false, ctrl: false, shift: false, tab: false, backspace: false, delete: false, meta: false, ...over}) as Key;
const ENTER = K({return: true});
const ESC = K({escape: true, meta: true});

const ctx = (over: Partial<KeyContext> = {}): KeyContext => ({
	table: KEYMAP,
	rows: {deployments: ['DEP-1', 'DEP-2', 'DEP-3'], leases: ['LEASE-1'], audit: [], intents: []},
	listHeight: {deployments: 10, leases: 10, audit: 10, intents: 10},
	confirmable: {},
	reviewed: () => undefined,
	detailMax: 0,
	eventMax: 0,
	helpMax: 0,
	availability: {},
	...over,
});

/** Wall time far from every guard's window; each read a second after the last. */
let wall = 0;
let reads = 0;
function read(s: ConsoleState, keys: KeyPress[], opts: {ctx?: KeyContext; read?: number} = {}): ConsoleState {
	wall += 1000;
	return consoleReducer(s, {type: 'keys', keys, ctx: opts.ctx ?? ctx(), at: wall, now: wall, read: opts.read ?? ++reads});
}
const press = (s: ConsoleState, input: string, key = K()) => read(s, [{input, key}]);
const burst = (s: ConsoleState, text: string) => read(s, splitKeys(text, K()));
const paste = (s: ConsoleState, text: string) => consoleReducer(s, {type: 'paste', text, ctx: ctx(), at: (wall += 1000), now: wall});

const inDialog = (action: 'halt' | 'rollback' | 'resume' | 'promote'): ConsoleState => ({...initialConsoleState(), dialog: openDialog(action, 'DEP-1', -10_000)});
const atReason = (action: 'rollback' | 'resume'): ConsoleState => {
	let s = inDialog(action);
	if (action === 'rollback') s = press(burst(s, 'DEP-1'), '', ENTER);
	return burst(s, 'bad deploy');
};

describe('Esc, and whatever comes with it', () => {
	it.each(['rollback', 'resume'] as const)('cancels the %s dialog on Esc then Enter read as one key (meta+return), never submits', action => {
		const s = press(atReason(action), '', K({return: true, meta: true}));
		expect(s.dialog).toBeUndefined();
		expect(s.request).toBeUndefined();
		expect(s.status?.text).toBe('cancelled: nothing was done');
	});

	it('drops what follows an Esc in the same read, in a dialog and on the main screen', () => {
		const s = read(atReason('rollback'), [{input: '', key: ESC}], {read: 500});
		const after = read(s, [{input: '', key: ENTER}], {read: 500});
		expect(after).toBe(s);
		expect(after.detail).toBe(false);
		// The next read is the operator's next key.
		expect(read(after, [{input: '', key: ENTER}], {read: 501}).detail).toBe(true);
	});

	it('reads Esc+key on the main screen (Alt+q, Esc then h) as Esc: back, never the key', () => {
		const s0 = {...initialConsoleState(), detail: true};
		const s = press(s0, 'q', K({meta: true}));
		expect(s.quit).toBe(false);
		expect(s.detail).toBe(false);
		expect(press(initialConsoleState(), 'h', K({meta: true})).dialog).toBeUndefined();
	});
});

describe('Ctrl-C', () => {
	const ctrlC = (s: ConsoleState) => press(s, 'c', K({ctrl: true}));
	it('cancels a dialog, the filter and the help instead of quitting', () => {
		const d = ctrlC(atReason('rollback'));
		expect([d.dialog, d.quit, d.status?.text]).toEqual([undefined, false, 'cancelled: nothing was done']);
		const f = ctrlC(burst(press(initialConsoleState(), '/'), 'pay'));
		expect([f.filtering, f.filter.deployments, f.quit]).toEqual([false, '', false]);
		const h = ctrlC(press(initialConsoleState(), '?'));
		expect([h.help, h.quit]).toEqual([false, false]);
	});

	it('quits at once from the main screen when nothing is left behind', () => {
		expect(ctrlC(initialConsoleState()).quit).toBe(true);
		expect(read(initialConsoleState(), [{input: 'q', key: K()}], {ctx: ctx({quitRisk: {live: 0, takeover: 'none'}})}).quit).toBe(true);
	});

	it('asks on the leading console with live canaries: y then Enter quits, anything else stays', () => {
		const leading = ctx({quitRisk: {live: 2, takeover: 'none'}});
		const asked = read(initialConsoleState(), [{input: 'c', key: K({ctrl: true})}], {ctx: leading});
		expect(asked.quit).toBe(false);
		expect(asked.quitting?.risk).toEqual({live: 2, takeover: 'none'});
		for (const [input, key] of [['', ESC], ['n', K()], ['', ENTER], ['c', K({ctrl: true})]] as Array<[string, Key]>) {
			const stayed = press(asked, input, key);
			expect([stayed.quitting, stayed.quit, stayed.status?.text]).toEqual([undefined, false, 'still running: the console did not quit']);
		}
		expect(press(press(asked, 'y'), '', ENTER).quit).toBe(true);
		expect(read(asked, splitKeys('y\r', K())).quit).toBe(false);
	});

	it('says whether another engine takes over', () => {
		expect(quitConsequence({live: 1, takeover: 'follower'})).toBe('the engine stops with this console; another engine is waiting and takes over the 1 live canary within seconds');
		expect(quitConsequence({live: 2, takeover: 'none'})).toMatch(/no other engine is waiting: nothing samples, gates, promotes or halts the 2 live canaries/);
		expect(quitConsequence({live: 2, takeover: 'unknown'})).toMatch(/whether another engine takes over the 2 live canaries is not known/);
	});
});

describe('several keys in one read', () => {
	it('keeps what only moves: "jj" moves twice, "j⏎" opens the row moved to, "/pay" filters', () => {
		expect(burst(initialConsoleState(), 'jj').cursor.deployments.id).toBe('DEP-3');
		const opened = burst(initialConsoleState(), 'j\r');
		expect([opened.detail, opened.cursor.deployments.id]).toEqual([true, 'DEP-2']);
		expect(burst(initialConsoleState(), '/pay').filter.deployments).toBe('pay');
	});

	it('drops the whole read when a key in it acts, and says which', () => {
		for (const [text, what] of [
			// c cosigns a keyed tier's promotion on the list: the first key that acts names the refusal.
			['checkout\r', 'c (cosign)'],
			['jr', 'r (rollback)'],
			['kq', 'q (quit)'],
			['2c', 'c (cosign)'],
		]) {
			const s = burst(initialConsoleState(), text!);
			expect(s.dialog).toBeUndefined();
			expect(s.quit).toBe(false);
			expect([s.pane, s.cursor.deployments]).toEqual(['deployments', initialConsoleState().cursor.deployments]);
			expect(s.status?.text).toBe(`${what} ignored: it came in one read with other keys (a paste?) — press it on its own`);
		}
	});

	it('never confirms a y-then-Enter step from a burst', () => {
		const s = burst(inDialog('promote'), 'y\r');
		expect(s.request).toBeUndefined();
		expect(s.dialog).toMatchObject({input: '', error: 'y ignored: it came in one read with other keys (a paste?) — press it on its own'});
	});

	it('types a burst into a text field as text, and leaves its Enter out', () => {
		const s = burst(inDialog('halt'), 'disk full\r');
		expect(s.request).toBeUndefined();
		expect(s.dialog).toMatchObject({input: 'disk full', error: 'Enter ignored: it came in one read with other keys (a paste?) — press it on its own'});
		expect(press(s, '', ENTER).request?.dialog.reason).toBe('disk full');
		const filter = burst(press(initialConsoleState(), '/'), 'pay\r');
		expect([filter.filtering, filter.filter.deployments]).toEqual([true, 'pay']);
	});
});

describe('a bracketed paste', () => {
	it('goes into the focused field at the cursor, line breaks as spaces, and never submits', () => {
		const s = paste(press(atReason('rollback'), '', K({home: true})), 'ops:\nroll back\r\n');
		expect(s.dialog).toMatchObject({step: 'reason', input: 'ops: roll back bad deploy', submitting: false});
		expect(s.request).toBeUndefined();
		expect(paste(press(initialConsoleState(), '/'), 'pay\r').filter.deployments).toBe('pay ');
	});

	it('is ignored outside a text field, saying so', () => {
		const s = paste(initialConsoleState(), 'hello world\r');
		expect([s.dialog, s.detail, s.status?.text]).toEqual([undefined, false, PASTE_IGNORED]);
		expect(paste(inDialog('promote'), 'y\r').dialog).toMatchObject({input: '', error: PASTE_IGNORED});
		expect(paste(press(initialConsoleState(), '?'), 'q').quit).toBe(false);
	});
});

describe('the paste reader', () => {
	const feed = (...raws: string[]) => {
		const reader = createPasteReader();
		return raws.map(r => reader.read(r));
	};

	it('swallows the markers and the text between them, and hands the text over at the end', () => {
		expect(feed(PASTE_START, 'hello world\r', PASTE_END, 'j')).toEqual([{swallow: true}, {swallow: true}, {swallow: true, pasted: 'hello world\r'}, {swallow: false}]);
		expect(feed(`${PASTE_START}abc`, 'def', PASTE_END).at(-1)).toEqual({swallow: true, pasted: 'abcdef'});
	});

	it('puts markers split across reads back together', () => {
		const split = feed('\u001B[20', '0~check', 'out\r', '\u001B[20', '1~');
		expect(split.every(r => r.swallow)).toBe(true);
		expect(split.at(-1)?.pasted).toBe('checkout\r');
	});

	it('lets keys through, and swallows the tail of another sequence that began like a marker', () => {
		expect(feed('jj', '\r', '\u001B')).toEqual([{swallow: false}, {swallow: false}, {swallow: false}]);
		expect(feed('\u001B[2', '0~').map(r => r.swallow)).toEqual([true, true]);
		expect(feed('\u001B[2', '~', 'j').map(r => r.swallow)).toEqual([true, true, false]);
	});

	it('gives a paste whose end never came back as text when abandoned', () => {
		const reader = createPasteReader();
		reader.read(PASTE_START);
		reader.read('half');
		expect(reader.pasting).toBe(true);
		expect(reader.abandon()).toBe('half');
		expect(reader.read('j')).toEqual({swallow: false});
		expect(reader.abandon()).toBeUndefined();
	});
});
