import type {Key} from 'ink';
import {cancels, ignoredEarly, typedBlind, yThenEnter} from './confirm-keys.js';
import {editLine, emptyLine, insertText, lineOf} from './line-edit.js';

export {cancels, ignoredEarly, TYPEAHEAD_MS} from './confirm-keys.js';
import type {ReviewedFacts} from './review.js';
import type {TargetReading} from '../../core/target.js';

/**
 * The confirmation dialogs as a pure state machine. A confirm step takes `y` then Enter and
 * cancels on anything else; a typed step asks for the deployment id (for what cannot be undone
 * by another key) and then a reason. Esc always cancels, and so does Ctrl-C and any key that came
 * with an Esc (Alt+key, or Esc then Enter read together); nothing is submitted by a single key.
 */
export type DialogAction = 'promote' | 'forcePromote' | 'halt' | 'resume' | 'rollback' | 'cosign' | 'start' | 'approve' | 'tierCosign' | 'group';
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
	// Signing a keyed tier's promotion is read to the end, then y and Enter, as a lease's cosign.
	tierCosign: ['confirm'],
	// Several deployments at once: their count typed (a number the operator reads off the dialog), then one reason.
	group: ['typeId', 'reason'],
};

/** A group dialog's set: fixed when it opens, the exact ids the command will name. */
export interface GroupSet {
	action: 'halt' | 'rollback';
	ids: readonly string[];
}

export interface Dialog {
	action: DialogAction;
	/** Wall time the dialog opened at (for the typeahead guard). */
	openedAt: number;
	/** The deployment or lease the dialog acts on (a group dialog: a label for its set). */
	target: string;
	/** A tier cosign dialog's request as shown (TK-…): the signature covers that one or none. */
	request?: string;
	/** A group dialog's deployments. */
	group?: GroupSet;
	step: Step;
	input: string;
	/** Where the field's cursor is, in code points (see line-edit.ts). */
	cursor: number;
	reason: string;
	error?: string;
	submitting: boolean;
	/**
	 * What the operator saw when the dialog opened (see review.ts): the action is refused at submit
	 * if any of it changed. Without it nothing was reviewed, and nothing is submitted.
	 */
	reviewed?: ReviewedFacts;
	/** A start dialog's reading of the target (taken once it opened), or why it could not be read. */
	reading?: TargetReading;
	readingError?: string;
	/** A scrolled dialog's first row on screen, and how far down it has been read (see dialog-scroll.ts). */
	scroll?: number;
	read?: {width: number; rows: number};
}

export type DialogStep = {dialog: Dialog} | {cancel: true} | {submit: Dialog};

export const openDialog = (action: DialogAction, target: string, openedAt = 0, reviewed?: ReviewedFacts, extra: Pick<Dialog, 'request' | 'group'> = {}): Dialog => ({
	action,
	openedAt,
	target,
	...extra,
	step: STEPS[action][0]!,
	input: '',
	cursor: 0,
	reason: '',
	submitting: false,
	...(reviewed ? {reviewed} : {}),
});

export const REASON_REQUIRED = 'a reason is required';
/** A start's Enter refused while its dialog still reads the target (its checks are not failures yet). */
export const READING_WAIT = 'the target is still being read: the pre-checks are not complete, wait for them';
export const typeIdPrompt = (target: string) => `type ${target} exactly to confirm`;
/** What a typed step expects: the id, or for a group the number of deployments it names. */
export const expectedText = (d: Pick<Dialog, 'target' | 'group'>) => (d.group ? String(d.group.ids.length) : d.target);
export const typedPrompt = (d: Pick<Dialog, 'target' | 'group'>) =>
	d.group ? `type ${d.group.ids.length} (the number of deployments listed) to confirm` : typeIdPrompt(d.target);

function nextStep(d: Dialog): Step | undefined {
	const steps = STEPS[d.action];
	return steps[steps.indexOf(d.step) + 1];
}

function advance(d: Dialog, accepted: Partial<Dialog>): DialogStep {
	const next = {...d, ...accepted, ...field(emptyLine), error: undefined};
	const step = nextStep(d);
	return step ? {dialog: {...next, step}} : {submit: {...next, submitting: true}};
}

const field = ({text, cursor}: {text: string; cursor: number}) => ({input: text, cursor});

/** Text pasted into the field at its cursor (line breaks become spaces: a paste never submits). */
export function pasteInto(d: Dialog, text: string): Dialog | undefined {
	// A group's count is read off the dialog and typed: a pasted number would confirm a set unread.
	if (d.submitting || d.step === 'confirm' || (d.group && d.step === 'typeId')) return undefined;
	return {...d, ...field(insertText({text: d.input, cursor: d.cursor}, text)), error: undefined};
}

function confirmKey(d: Dialog, input: string, key: Key): DialogStep {
	switch (yThenEnter(d.input === 'y', input, key)) {
		case 'arm':
			return {dialog: {...d, input: 'y', error: undefined}};
		case 'confirm':
			return advance(d, {});
		case 'cancel':
			return {cancel: true};
	}
}

function textKey(d: Dialog, input: string, key: Key): DialogStep {
	if (key.return) {
		const text = d.input.trim();
		if (d.step === 'typeId') return text === expectedText(d) ? advance(d, {}) : {dialog: {...d, error: typedPrompt(d)}};
		return text === '' ? {dialog: {...d, error: REASON_REQUIRED}} : advance(d, {reason: text});
	}
	const edited = editLine({text: d.input, cursor: d.cursor}, input, key);
	if (!edited || (edited.text === d.input && edited.cursor === d.cursor)) return {dialog: d};
	return {dialog: {...d, ...field(edited), error: edited.text === d.input ? d.error : undefined}};
}

export function stepDialog(d: Dialog, input: string, key: Key, at = Number.POSITIVE_INFINITY): DialogStep {
	if (d.submitting) return {dialog: d};
	if (cancels(input, key)) return {cancel: true};
	// Text typed into the field since it opened shows the operator is at the dialog: its Enter
	// counts (a reason typed early is still the operator's reason). The confirm steps have no
	// text, so they still need a key of their own.
	const early = d.input === '' ? typedBlind(d.openedAt, at, d.step === 'confirm', input, key) : undefined;
	if (early) return {dialog: {...d, error: ignoredEarly(early)}};
	return d.step === 'confirm' ? confirmKey(d, input, key) : textKey(d, input, key);
}

