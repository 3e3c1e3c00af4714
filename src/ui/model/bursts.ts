import type {Key} from 'ink';
import {lookup, type Context} from '../keymap.js';
import type {ConsoleState, KeyContext} from './console-state.js';

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
	return b && (b.dangerous || b.action === 'quit') ? {refuse: `${b.keys} (${b.label})`} : undefined;
}
