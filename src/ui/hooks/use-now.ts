import {useEffect, useReducer, useRef} from 'react';
import type {Clock} from '../../core/index.js';

/**
 * The time the screen is drawn at: the injected clock, read at each render. Between renders it
 * wakes when `delayFor(now)` says the clock-driven text changes next (at most every `capMs`):
 * each render may pull the next wake closer (a detail opened, a countdown entering its last
 * minute, a message due to leave the status line), never push it further out.
 */
export function useNow(clock: Clock, delayFor: (now: number) => number, capMs = 60_000): number {
	const [, redraw] = useReducer((n: number) => n + 1, 0);
	const now = clock.now();
	const delay = useRef(delayFor);
	delay.current = delayFor;
	const wake = useRef<{at: number; timer?: ReturnType<typeof setTimeout>}>({at: Number.POSITIVE_INFINITY});
	useEffect(() => {
		const ms = Math.max(20, Math.min(capMs, delay.current(clock.now())));
		const at = Date.now() + ms;
		if (wake.current.at <= at) return;
		clearTimeout(wake.current.timer);
		wake.current = {
			at,
			timer: setTimeout(() => {
				wake.current = {at: Number.POSITIVE_INFINITY};
				redraw();
			}, ms),
		};
	});
	useEffect(
		() => () => {
			clearTimeout(wake.current.timer);
		},
		[],
	);
	return now;
}
