import type {Key} from 'ink';
import {lookup, type Context} from '../keymap.js';
import type {ConsoleState, KeyContext, Msg} from './console-state.js';
import {TYPEAHEAD_MS} from './confirm-keys.js';

/**
 * What a key may do when it arrives in one read with other keys. A person's deliberate key comes
 * alone, or after keys that only move (tmux and slow links batch "jj", "j⏎"); a burst that holds a
 * key that acts is a paste or keys typed blind, and acts on nothing the operator saw. So in such a
 * burst a key that acts refuses the whole read (`refuse`), and in a text field, where a burst is
 * text, the Enter that would submit it is left out (`skip`).
 */
export type BurstRule = {refuse: string} | {skip: string} | undefined;

export const burstIgnored = (what: string) => `${what} ignored: it came in one read with other keys (a paste?) — press it on its own`;

const named = (input: string, key: Key) => (key.return ? 'Enter' : key.tab ? 'Tab' : input);

export function burstRule(s: ConsoleState, input: string, key: Key, ctx: KeyContext, context: Context): BurstRule {
	// Nothing in a burst answers the quit question or a y-then-Enter confirmation.
	if (s.quitting) return {refuse: named(input, key)};
	const d = s.dialog;
	if (d) {
		if (d.submitting) return undefined;
		if (d.step === 'confirm') return key.return || input === 'y' ? {refuse: named(input, key)} : undefined;
		return key.return ? {skip: 'Enter'} : undefined;
	}
	if (s.filtering) return key.return ? {skip: 'Enter'} : undefined;
	if (s.help) return input === 'q' ? {refuse: 'q'} : undefined;
	const b = lookup(ctx.table, context, input, key);
	// A mark chooses what a group action acts on: a mark in a burst is typed blind too.
	return b && (b.dangerous || b.action === 'quit' || b.action === 'mark') ? {refuse: `${b.keys} (${b.label})`} : undefined;
}

/** Says why a key was not taken: in the open question, else on the status line until read. */
export function tell(s: ConsoleState, text: string, at: number, now: number): ConsoleState {
	if (s.quitting) return {...s, quitting: {...s.quitting, error: text}};
	if (s.dialog) return {...s, dialog: {...s.dialog, error: text}};
	return {...s, status: {tone: 'error', text, at: now, keysFrom: at + TYPEAHEAD_MS}};
}

/**
 * The keys of one read, one by one (`step`), each against the state the one before it left ("jj"
 * moves twice, "/pay" filters), under the burst rule above. What follows an Esc in its read, in
 * this message or a later one of the same read, is dropped: it was typed with the Esc, not after
 * seeing what the Esc did.
 */
export function readKeys(
	before: ConsoleState,
	{keys, ctx, at, now, read}: Extract<Msg, {type: 'keys'}>,
	step: (s: ConsoleState, input: string, key: Key) => ConsoleState,
	contextOf: (s: ConsoleState) => Context,
): ConsoleState {
	if (read !== undefined && read === before.escapedRead) return before;
	let s = before;
	for (const {input, key} of keys) {
		const rule = keys.length > 1 ? burstRule(s, input, key, ctx, contextOf(s)) : undefined;
		if (rule && 'refuse' in rule) return tell(before, burstIgnored(rule.refuse), at, now);
		if (rule) {
			s = tell(s, burstIgnored(rule.skip), at, now);
			continue;
		}
		s = step(s, input, key);
		if (key.escape || key.meta) return {...s, escapedRead: read};
	}
	return s;
}
