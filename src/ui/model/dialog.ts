import type {Key} from 'ink';
import {stripControls, TEXT_LIMITS} from '../../core/text.js';
import type {ReviewedFacts} from './review.js';

/**
 * The confirmation dialogs as a pure state machine. A confirm step takes `y` then Enter and
 * cancels on anything else; a typed step asks for the deployment id (for what cannot be undone
 * by another key) and then a reason. Esc always cancels; nothing is submitted by a single key.
 */
export type DialogAction = 'promote' | 'forcePromote' | 'halt' | 'resume' | 'rollback' | 'cosign' | 'start' | 'approve';
export type Step = 'confirm' | 'typeId' | 'reason';

export const STEPS: Record<DialogAction, readonly Step[]> = {
	promote: ['confirm'],
	cosign: ['confirm'],
	halt: ['reason'],
	resume: ['reason'],
	rollback: ['typeId', 'reason'],
	forcePromote: ['typeId', 'reason'],
	// Starting sends traffic to a new version: the lease id typed, as for a rollback.
	start: ['typeId'],
	approve: ['reason'],
};

export interface Dialog {
	action: DialogAction;
	/** Wall time the dialog opened at (for the typeahead guard). */
	openedAt: number;
	/** The deployment or lease the dialog acts on. */
	target: string;
	step: Step;
	input: string;
	reason: string;
	error?: string;
	submitting: boolean;
	/**
	 * What the operator saw when the dialog opened (see review.ts): the action is refused at submit
	 * if any of it changed. Without it nothing was reviewed, and nothing is submitted.
	 */
	reviewed?: ReviewedFacts;
	/** A scrolled dialog's first row on screen, and how far down it has been read (see dialog-scroll.ts). */
	scroll?: number;
	read?: {width: number; rows: number};
}

export type DialogStep = {dialog: Dialog} | {cancel: true} | {submit: Dialog};

export const openDialog = (action: DialogAction, target: string, openedAt = 0, reviewed?: ReviewedFacts): Dialog => ({
	action,
	openedAt,
	target,
	step: STEPS[action][0]!,
	input: '',
	reason: '',
	submitting: false,
	...(reviewed ? {reviewed} : {}),
});

export const REASON_REQUIRED = 'a reason is required';
export const typeIdPrompt = (target: string) => `type ${target} exactly to confirm`;

// Control characters never belong in an id or a reason (a pasted newline, a stray escape), and
// neither does more than the engine takes: a pasted megabyte stops at the limit.
const INPUT_MAX = {typeId: TEXT_LIMITS.id, reason: TEXT_LIMITS.text, confirm: 1} as const;
const typed = (d: Dialog, input: string) => (d.input + stripControls(input)).slice(0, INPUT_MAX[d.step]);

function nextStep(d: Dialog): Step | undefined {
	const steps = STEPS[d.action];
	return steps[steps.indexOf(d.step) + 1];
}

function advance(d: Dialog, accepted: Partial<Dialog>): DialogStep {
	const next = {...d, ...accepted, input: '', error: undefined};
	const step = nextStep(d);
	return step ? {dialog: {...next, step}} : {submit: {...next, submitting: true}};
}

function confirmKey(d: Dialog, input: string, key: Key): DialogStep {
	if (d.input === '' && input === 'y' && !key.ctrl && !key.meta) return {dialog: {...d, input: 'y', error: undefined}};
	if (d.input === 'y' && key.return) return advance(d, {});
	return {cancel: true};
}

function textKey(d: Dialog, input: string, key: Key): DialogStep {
	if (key.escape) return {cancel: true};
	if (key.return) {
		const text = d.input.trim();
		if (d.step === 'typeId') return text === d.target ? advance(d, {}) : {dialog: {...d, error: typeIdPrompt(d.target)}};
		return text === '' ? {dialog: {...d, error: REASON_REQUIRED}} : advance(d, {reason: text});
	}
	if (key.backspace || key.delete) return {dialog: {...d, input: d.input.slice(0, -1)}};
	if (key.ctrl || key.meta || key.upArrow || key.downArrow || key.leftArrow || key.rightArrow || key.tab) return {dialog: d};
	const text = typed(d, input);
	return text === d.input ? {dialog: d} : {dialog: {...d, input: text, error: undefined}};
}

/**
 * Keys that arrive this soon after a dialog opened were typed before the operator could see it
 * (a burst like "spy⏎" that would otherwise read as p, y, Enter). Only the keys that confirm or
 * submit are dropped, and the dialog says so: text typed into a field is kept, since a reason
 * typed early is still the operator's reason, and the Enter after it is then deliberate (the
 * confirmation steps have no text, so they still need a key of their own).
 */
export const TYPEAHEAD_MS = 400;

export const ignoredEarly = (what: string) => `${what} ignored: typed before the dialog was shown — press it again`;

/** The key that would move a dialog towards its action, named for the message; undefined for any other. */
function confirming(d: Dialog, input: string, key: Key): string | undefined {
	if (key.return) return 'Enter';
	if (d.step === 'confirm' && input === 'y' && !key.ctrl && !key.meta) return 'y';
	return undefined;
}

export function stepDialog(d: Dialog, input: string, key: Key, at = Number.POSITIVE_INFINITY): DialogStep {
	if (d.submitting) return {dialog: d};
	// Text typed into the field since it opened shows the operator is at the dialog: its Enter counts.
	const early = at - d.openedAt < TYPEAHEAD_MS && !key.escape && d.input === '' ? confirming(d, input, key) : undefined;
	if (early) return {dialog: {...d, error: ignoredEarly(early)}};
	return d.step === 'confirm' ? confirmKey(d, input, key) : textKey(d, input, key);
}

