import {useApp, useInput, type Key} from 'ink';
import {useCallback, useEffect, useReducer, useRef, type Dispatch, type RefObject} from 'react';
import type {Clock} from '../../core/index.js';
import {createEscapeGuard} from '../model/escape-guard.js';
import {consoleReducer, initialConsoleState, type ConsoleState, type KeyContext, type Msg} from '../model/console-state.js';

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
		dispatch({type: 'key', input, key, ctx: ctx.current, at: clocks.current.wall(), now: clocks.current.console.now()});
	}, []);
	useInput(onInput);
	useEffect(() => {
		if (state.quit) exit();
	}, [state.quit, exit]);
	return [state, dispatch];
}
