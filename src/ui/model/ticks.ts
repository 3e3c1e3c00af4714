import {ms, type Deployment} from '../../core/index.js';

/**
 * In the lists, clock-driven text changes once a minute, and once a second only in a countdown's
 * last minute. Ink redraws the whole frame on every commit and, with incremental rendering
 * unusable in ink 6 (see run-console.tsx), writes the whole frame for any change: the idle list,
 * where an operator spends most time, must change as rarely as its text honestly allows. The
 * detail and the dialogs show seconds (their samples move every engine tick anyway).
 */

/** When a deployment's current tier finishes baking (live canaries only). */
export const bakeEndsAt = (d: Pick<Deployment, 'tierStartedAt' | 'plan'>) => ms(d.tierStartedAt) + d.plan.bakeMs;

/**
 * A deployment with its bake as it stood at `at`, a time before its last tick: the ticks since
 * added the time they watched. Core counts a bake forward from the last tick only (so that a
 * screen counts down between ticks); drawn at the minute's start from a state ticked since, a
 * list's figure would move with whichever tick crossed a minute, fifty canaries' at fifty moments
 * of each minute, and not hold still for the minute. Ticks further apart than the watch gap
 * accrue nothing: after an engine stalled, the figure may show up to the stall too much, until
 * the next minute.
 */
export function bakeAsOf<D extends Pick<Deployment, 'bake'>>(d: D, at: number): D {
	if (!d.bake) return d;
	const ahead = ms(d.bake.watchedAt) - at;
	return ahead > 0 ? {...d, bake: {accruedMs: Math.max(0, d.bake.accruedMs - ahead), watchedAt: new Date(at).toISOString()}} : d;
}

/**
 * How long before a minute's end the list wants the state read whole. A list frame draws each
 * bake as it stood at the minute's start (drawTime), which a state read within the watch gap
 * before that start still gives (bakeAsOf; core counts a bake forward from its last tick for up
 * to WATCH_GAP_MS): one read in each minute's last LEAD_MS serves the whole next minute. The
 * engine's last tick before a read is at most a cycle (about a second) older than the read.
 */
export const HELD_LEAD_MS = 10_000;

/** Whether a state read whole at `readAt` still draws the list at `now` and at the next minute's start as a newer one would. */
export function heldFresh(readAt: number, now: number): boolean {
	const ahead = now + HELD_LEAD_MS;
	return readAt >= ahead - (ahead % 60_000) - HELD_LEAD_MS;
}

/**
 * The time to draw a countdown at: the start of the current minute while more than a minute is
 * left (the text then holds still for the minute), the exact time in the last minute.
 */
export function drawTime(now: number, endsAt: number | undefined): number {
	if (endsAt !== undefined && endsAt - now > 0 && endsAt - now < 61_000) return now;
	return now - (now % 60_000);
}

export interface ClockDriven {
	/** The screen shows seconds (the detail, a dialog). */
	seconds: boolean;
	/** Ms left on each countdown on screen. */
	countdowns: readonly number[];
	/** When something on screen leaves it by itself (the status line's message). */
	expiries?: readonly number[];
	/** This frame was drawn for data just read (in a live detail, the engine's samples). */
	fresh?: boolean;
}

/**
 * How much longer than a second the clock waits after a frame drawn for fresh data, when the
 * screen shows seconds. An engine ticks once a second plus the time its cycle takes, so its
 * samples arrive 1.05 to 1.2 s apart: a clock frame a second after each data frame landed just
 * before the next one, two frames a second. With the grace the data frames are the clock's, and
 * when the data stops the clock takes over after one longer second.
 */
export const DATA_GRACE_MS = 300;

/**
 * How long after this frame the drawn text next changes, given the countdowns on screen (ms
 * left): a second when the screen shows seconds (counted from this frame, so that a frame drawn
 * for fresh samples, about once a second in a live detail, also serves as the clock's: one frame
 * a second, not two; see DATA_GRACE_MS), the next second when a list countdown is in its last minute, else the next
 * wall-clock minute, or sooner when a countdown is about to enter its last minute or a message
 * is due to go. Nothing on screen due to go adds no wake.
 */
export function nextTickMs(now: number, screen: ClockDriven): number {
	const {countdowns} = screen;
	const toExpiry = (screen.expiries ?? []).filter(at => at > now).map(at => at - now);
	const toSecond = 1000 - (now % 1000);
	if (screen.seconds) return Math.min(screen.fresh ? 1000 + DATA_GRACE_MS : 1000, ...toExpiry);
	if (countdowns.some(left => left > 0 && left < 61_000)) return Math.min(toSecond, ...toExpiry);
	const toMinute = 60_000 - (now % 60_000);
	const toLastMinute = countdowns.filter(left => left > 0).map(left => left - 60_000);
	return Math.min(Math.max(toSecond, Math.min(toMinute, ...toLastMinute)), ...toExpiry);
}
