import {useCallback, useEffect, useReducer, useRef} from 'react';
import type {Clock} from '../../core/index.js';

/** The screen's clock: the time it is drawn at, and a wake counted again from a frame painted without a render. */
export interface ScreenClock {
	now: number;
	/** The screen was painted at `at` without a render (see live-detail.ts): the next wake counts from then. */
	rearm: (at: number) => void;
}

/**
 * The time the screen is drawn at: the injected clock, read at each render. Between renders it
 * wakes when `delayFor(now)` says the clock-driven text changes next (at most every `capMs`),
 * counted from the last render: a frame drawn for any other reason draws the time too, so the
 * wake moves with it (in a live detail, the frame for fresh samples is the second's frame).
 * A wake that `idle` serves (it painted the screen itself: the detail's figures) renders nothing.
 */
export function useScreenClock(clock: Clock, delayFor: (now: number) => number, capMs = 60_000, idle?: {current: ((now: number) => boolean) | undefined}): ScreenClock {
	const [, redraw] = useReducer((n: number) => n + 1, 0);
	const now = clock.now();
	const delay = useRef(delayFor);
	delay.current = delayFor;
	const wake = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
	const rearm = useCallback(
		(at: number) => {
			// From the time the screen was drawn at: the clock may have moved on since.
			const ms = delay.current(at) - (clock.now() - at);
			clearTimeout(wake.current);
			wake.current = setTimeout(() => {
				const t = clock.now();
				if (idle?.current?.(t)) rearm(t);
				else redraw();
			}, Math.max(20, Math.min(capMs, ms)));
		},
		[clock, capMs, idle],
	);
	useEffect(() => rearm(now));
	useEffect(() => () => clearTimeout(wake.current), []);
	return {now, rearm};
}

/** The time the screen is drawn at (see useScreenClock). */
export const useNow = (clock: Clock, delayFor: (now: number) => number, capMs?: number): number => useScreenClock(clock, delayFor, capMs).now;
