import {useEffect, useReducer, useRef} from 'react';
import type {Clock} from '../../core/index.js';

/**
 * The time the screen is drawn at: the injected clock, read at each render. Between renders it
 * wakes when `delayFor(now)` says the clock-driven text changes next (at most every `capMs`),
 * counted from the last render: a frame drawn for any other reason draws the time too, so the
 * wake moves with it (in a live detail, the frame for fresh samples is the second's frame).
 */
export function useNow(clock: Clock, delayFor: (now: number) => number, capMs = 60_000): number {
	const [, redraw] = useReducer((n: number) => n + 1, 0);
	const now = clock.now();
	const delay = useRef(delayFor);
	delay.current = delayFor;
	const wake = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
	useEffect(() => {
		// From the time this frame was drawn at: the clock may have moved on before this effect ran.
		const ms = delay.current(now) - (clock.now() - now);
		clearTimeout(wake.current);
		wake.current = setTimeout(redraw, Math.max(20, Math.min(capMs, ms)));
	});
	useEffect(() => () => clearTimeout(wake.current), []);
	return now;
}
