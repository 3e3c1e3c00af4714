import type {Key} from 'ink';

/**
 * The keys every confirmation shares (the action dialogs, the quit question): what cancels, what
 * confirms, and what was typed too early to count.
 */

/** Keys that cancel whatever the step: Esc, Ctrl-C, and a key read together with an Esc (meta: Alt+key, Esc then Enter). */
export const cancels = (input: string, key: Key) => key.escape || key.meta || (key.ctrl && input === 'c');

const plainY = (input: string, key: Key) => input === 'y' && !key.ctrl && !key.meta;

/** A y-then-Enter question: y arms it, Enter after the y confirms, any other key backs out. */
export function yThenEnter(armed: boolean, input: string, key: Key): 'arm' | 'confirm' | 'cancel' {
	if (!armed && plainY(input, key)) return 'arm';
	if (armed && key.return) return 'confirm';
	return 'cancel';
}

/**
 * Keys that arrive this soon after a question appeared were typed before the operator could see it
 * (a burst like "spy⏎" that would otherwise read as p, y, Enter). Only the keys that confirm or
 * submit are dropped, and the question says so.
 */
export const TYPEAHEAD_MS = 400;

export const ignoredEarly = (what: string) => `${what} ignored: typed before the dialog was shown — press it again`;

/** The confirming key (named for the message) typed before the question could be read; undefined otherwise. */
export function typedBlind(openedAt: number, at: number, yConfirms: boolean, input: string, key: Key): string | undefined {
	if (at - openedAt >= TYPEAHEAD_MS || key.escape) return undefined;
	if (key.return) return 'Enter';
	return yConfirms && plainY(input, key) ? 'y' : undefined;
}
