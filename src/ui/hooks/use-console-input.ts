import {useApp, useInput, type Key} from 'ink';
import {useCallback, useEffect, useReducer, useRef, type Dispatch, type RefObject} from 'react';
import type {Clock} from '../../core/index.js';
import {createEscapeGuard} from '../model/escape-guard.js';
import {consoleReducer, initialConsoleState, type ConsoleState, type KeyContext, type Msg} from '../model/console-state.js';

// The keys a terminal sends as one plain byte (ink reads DEL, the usual Backspace, as `delete`).
// Any other control character makes a read something other than typing: it is handed over whole.
const PLAIN_CONTROL: Record<string, Partial<Key>> = {'\r': {return: true}, '\t': {tab: true}, '\u007f': {delete: true}};
const PRINTABLE = /^[^\u0000-\u001f\u007f]$/u;

/**
 * The keys in one read. Over tmux or SSH several keys arrive together ("jj", "j⏎") and ink hands
 * them over as one input: split, they are handled exactly as if typed one by one. Escape sequences
 * never get here whole (ink splits them out, and the escape guard has seen the read first).
 */
export function splitKeys(input: string, key: Key): Array<{input: string; key: Key}> {
	const chars = [...input];
	const plain = (c: string) => PRINTABLE.test(c) || c in PLAIN_CONTROL;
	if (chars.length < 2 || key.ctrl || key.meta || !chars.every(plain)) return [{input, key}];
	return chars.map(c => {
		const named = PLAIN_CONTROL[c];
		const one: Key = {...key, shift: /^[A-Z]$/.test(c), return: false, tab: false, delete: false, ...named};
		return {input: named ? '' : c, key: one};
	});
}

/**
 * The one key dispatcher (ink calls every active input hook on every key, so there is exactly
 * one). The handler is stable and reads what the screen shows from a ref, so two keys arriving
 * before a re-render are both handled against the current state by the pure reducer.
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
	const {exit} = useApp();
	const onInput = useCallback((input: string, key: Key) => {
		if (guard.current.drop(input, key)) return;
		const at = clocks.current.wall();
		const now = clocks.current.console.now();
		// Each key is its own message, so each sees the state the one before it left (a "/" before
		// text turns the text into the filter).
		for (const k of splitKeys(input, key)) dispatch({type: 'key', input: k.input, key: k.key, ctx: ctx.current, at, now});
	}, []);
	useInput(onInput);
	useEffect(() => {
		if (state.quit) exit();
	}, [state.quit, exit]);
	return [state, dispatch];
}
