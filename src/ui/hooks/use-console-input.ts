import {useApp, useInput, useStdin, type Key} from 'ink';
import {useCallback, useEffect, useReducer, useRef, type Dispatch, type RefObject} from 'react';
import type {Clock} from '../../core/index.js';
import {createEscapeGuard} from '../model/escape-guard.js';
import {consoleReducer, initialConsoleState, type ConsoleState, type KeyContext, type KeyPress, type Msg} from '../model/console-state.js';
import {createPasteReader} from '../model/paste.js';

// The keys a terminal sends as one plain byte (DEL is what the Backspace key sends).
// Any other control character makes a read something other than typing: it is handed over whole.
const PLAIN_CONTROL: Record<string, Partial<Key>> = {'\r': {return: true}, '\t': {tab: true}, '\u007f': {backspace: true}};
const PRINTABLE = /^[^\u0000-\u001f\u007f]$/u;

/** A paste whose end marker has not come after this long is taken as ended (it must not swallow the keyboard). */
export const PASTE_TIMEOUT_MS = 2000;

/**
 * The keys in one read. Over tmux or SSH several keys arrive together ("jj", "j⏎") and ink hands
 * them over as one input: split, they are handled one by one (the reducer decides what a key in
 * a burst may do). Escape sequences never get here whole (ink splits them out, and the escape
 * guard has seen the read first).
 */
export function splitKeys(input: string, key: Key): KeyPress[] {
	const chars = [...input];
	const plain = (c: string) => PRINTABLE.test(c) || c in PLAIN_CONTROL;
	if (chars.length < 2 || key.ctrl || key.meta || !chars.every(plain)) return [{input, key}];
	return chars.map(c => {
		const named = PLAIN_CONTROL[c];
		const one: Key = {...key, shift: /^[A-Z]$/.test(c), return: false, tab: false, backspace: false, delete: false, ...named};
		return {input: named ? '' : c, key: one};
	});
}

/**
 * Ink reads DEL (the Backspace key) and ESC[3~ (the Delete key) both as `delete`; a text field
 * needs them apart (one erases before the cursor, the other at it). The raw bytes tell.
 */
const backspaceFixed = (key: Key, raw: string): Key => (key.delete && raw === '\u007f' ? {...key, delete: false, backspace: true} : key);

/**
 * The one key dispatcher (ink calls every active input hook on every key, so there is exactly
 * one). The handler is stable and reads what the screen shows from a ref, so two keys arriving
 * before a re-render are both handled against the current state by the pure reducer. Ahead of
 * it, a listener on ink's raw input takes bracketed pastes out of the key stream.
 */
export function useConsoleInput(
	ctx: RefObject<KeyContext>,
	consoleClock: Clock,
	wallClock: () => number = () => performance.now(),
): [ConsoleState, Dispatch<Msg>] {
	const [state, dispatch] = useReducer(consoleReducer, undefined, initialConsoleState);
	const clocks = useRef({wall: wallClock, console: consoleClock});
	clocks.current = {wall: wallClock, console: consoleClock};
	const guard = useRef(createEscapeGuard(() => clocks.current.wall()));
	// Numbers the reads: the events ink parses out of one read of the terminal share a number, so
	// "Esc, then whatever came with it" is known (a lone Esc is handed over a moment later, still
	// under its read's number).
	const reads = useRef(0);
	// What the raw listener found out about the event the key handler is about to see.
	const current = useRef({swallow: false, raw: ''});
	const {stdin, internal_eventEmitter: events} = useStdin();
	const {exit} = useApp();
	useEffect(() => {
		const onReadable = () => void reads.current++;
		stdin.prependListener('readable', onReadable);
		return () => void stdin.off('readable', onReadable);
	}, [stdin]);
	useEffect(() => {
		const reader = createPasteReader();
		let timer: NodeJS.Timeout | undefined;
		const deliver = (text: string) => dispatch({type: 'paste', text, ctx: ctx.current, at: clocks.current.wall(), now: clocks.current.console.now()});
		const onRaw = (raw: string) => {
			const read = reader.read(raw);
			current.current = {swallow: read.swallow, raw};
			clearTimeout(timer);
			if (reader.pasting) timer = setTimeout(() => void deliver(reader.abandon() ?? ''), PASTE_TIMEOUT_MS);
			if (read.pasted !== undefined) deliver(read.pasted);
		};
		// First in line: the key handler (ink's useInput) must see an event only after this has.
		events.prependListener('input', onRaw);
		return () => {
			events.off('input', onRaw);
			clearTimeout(timer);
		};
	}, [events]);
	const onInput = useCallback((input: string, key: Key) => {
		const {swallow, raw} = current.current;
		current.current = {swallow: false, raw: ''};
		if (swallow || guard.current.drop(input, key)) return;
		const at = clocks.current.wall();
		const now = clocks.current.console.now();
		dispatch({type: 'keys', keys: splitKeys(input, backspaceFixed(key, raw)), ctx: ctx.current, at, now, read: reads.current});
	}, []);
	useInput(onInput);
	useEffect(() => {
		if (state.quit) exit();
	}, [state.quit, exit]);
	return [state, dispatch];
}
