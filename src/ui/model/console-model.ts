import type {Key} from 'ink';
import type {Availability} from '../../core/view/actions.js';
import type {Binding, Context} from '../keymap.js';
import type {Dialog, DialogAction} from './dialog.js';
import type {DialogBody} from './dialog-scroll.js';
import type {Outcome} from './outcome.js';
import type {QuitQuestion, QuitRisk} from './quit.js';
import type {ReviewedFacts} from './review.js';
import type {TargetReading} from '../../core/target.js';

/**
 * The console's state and the messages that change it, as plain data: what the reducer in
 * console-state.ts works on and what the screen model reads.
 */
export type Pane = 'deployments' | 'leases' | 'audit' | 'intents';
export const PANES: readonly Pane[] = ['deployments', 'leases', 'audit', 'intents'];

/** A list selection, anchored by id so it stays on its row while rows come and go. */
export interface Cursor {
	id?: string;
	index: number;
	top: number;
}

export interface Status {
	tone: 'ok' | 'error' | 'info';
	text: string;
	/** When it was set, on the console's clock (it leaves the screen by itself: see statusEndsAt). */
	at: number;
	/** Wall time from which a key takes a refusal away: keys typed before it could be read do not. */
	keysFrom?: number;
}

/** How long an outcome stays on the status line: long enough to read, not so long it reads as news. */
export const STATUS_MS = 10_000;
// A refusal may explain a failed rollback to an operator who looked away: it stays longer, and
// the next key takes it away sooner.
const REFUSAL_HOLD = 6;

export const statusEndsAt = (s: Status, ms = STATUS_MS) => s.at + (s.tone === 'error' ? REFUSAL_HOLD * ms : ms);

export interface ConsoleState {
	pane: Pane;
	detail: boolean;
	/** The selected audit event shown whole (its reason and data do not fit a list row). */
	event: boolean;
	detailScroll: number;
	/** Whether the detail shows each metric's queries (a view setting: it stays as the operator left it). */
	queries: boolean;
	/** How far the audit event shown whole is scrolled, in rows. */
	eventScroll: number;
	cursor: Record<Pane, Cursor>;
	filter: Record<Pane, string>;
	filtering: boolean;
	/** Where the cursor is in the filter being typed. */
	filterCursor: number;
	help: boolean;
	helpScroll: number;
	dialog?: Dialog;
	/** Deployments marked in the list (Space): h and r then act on them together, as one group. */
	marked: readonly string[];
	/** A service's history shown over the list (H), and how far it is scrolled. */
	history?: {service: string; scroll: number};
	/** Asked before quitting would leave live canaries without this console's engine. */
	quitting?: QuitQuestion;
	/**
	 * The read an Esc arrived in: the rest of that read is dropped, so what follows an Esc typed
	 * quickly (Esc then Enter) never acts on what the Esc closed, nor on the screen under it.
	 */
	escapedRead?: number;
	status?: Status;
	/** A confirmed dialog waiting for the store; `seq` tells one submission from the next. */
	request?: {seq: number; dialog: Dialog};
	seq: number;
	quit: boolean;
}

/** What the screen shows right now, as the key handler needs it. Rebuilt on every render. */
export interface KeyContext {
	table: readonly Binding[];
	rows: Record<Pane, readonly string[]>;
	/** Rows each list shows at once. */
	listHeight: Record<Pane, number>;
	detailMax: number;
	/** The audit event view's largest scroll (0 when it fits or is not shown). */
	eventMax: number;
	helpMax: number;
	/** The service a listed deployment belongs to (what H shows the history of). */
	serviceOf?: (id: string) => string | undefined;
	/** The history view's largest scroll (0 when it fits or is not shown). */
	historyMax?: number;
	/**
	 * Whether each action applies, per target id (the selected deployment and lease). Keyed by id
	 * so a key that lands before the re-render never borrows another row's answer.
	 */
	availability: Record<string, Partial<Record<DialogAction, Availability>>>;
	/** The facts an action on a target rests on, as the screen shows them now (see review.ts). */
	reviewed: (action: DialogAction, target: string, group?: Dialog['group']) => ReviewedFacts | undefined;
	/** The open dialog's scrolled content as drawn, when it has one. */
	dialogBody?: DialogBody;
	/**
	 * Whether a dialog open on a target may be confirmed now, when that is a question of its own:
	 * a start dialog opens on any signed lease, to show its pre-checks, and confirms only when
	 * they all pass. Keyed like `availability`.
	 */
	confirmable: Record<string, Partial<Record<DialogAction, Availability>>>;
	/** What quitting now would leave behind: set while this console leads the engine. */
	quitRisk?: QuitRisk;
}

/** One key as the terminal sent it. */
export interface KeyPress {
	input: string;
	key: Key;
}

/**
 * `at` is wall time (for the key guards); `now` and a settlement's `at` are the console's clock.
 * `keys` are the keys of one read (several when typed fast over a slow link, or pasted without
 * bracketed paste); `read` numbers the reads. A bracketed paste is `paste`: text, never keys.
 */
export type Msg =
	| {type: 'key'; input: string; key: Key; ctx: KeyContext; at: number; now: number; read?: number}
	| {type: 'keys'; keys: readonly KeyPress[]; ctx: KeyContext; at: number; now: number; read?: number}
	| {type: 'paste'; text: string; ctx: KeyContext; at: number; now: number}
	| {type: 'settled'; seq: number; outcome: Outcome; at: number}
	/** The target read for a start dialog: what its pre-checks and the start's snapshot are made from. */
	| {type: 'reading'; target: string; reading?: TargetReading; error?: string; reviewed?: ReviewedFacts}
	| {type: 'status'; status: Status};

const cursor0: Cursor = {index: 0, top: 0};

export const initialConsoleState = (): ConsoleState => ({
	pane: 'deployments',
	detail: false,
	event: false,
	detailScroll: 0,
	queries: false,
	eventScroll: 0,
	cursor: {deployments: cursor0, leases: cursor0, audit: cursor0, intents: cursor0},
	filter: {deployments: '', leases: '', audit: '', intents: ''},
	filtering: false,
	filterCursor: 0,
	help: false,
	helpScroll: 0,
	seq: 0,
	quit: false,
	marked: [],
});

export const contextOf = (s: Pick<ConsoleState, 'pane' | 'detail'> & Partial<Pick<ConsoleState, 'history'>>): Context =>
	s.pane === 'deployments' && s.history ? 'history' : s.pane === 'deployments' && s.detail ? 'detail' : s.pane;

/** Where the cursor is in `rows`: on its id if the id is still there, else at its index, clamped. */
export function resolveCursor(c: Cursor, rows: readonly string[]): number {
	const at = c.id === undefined ? -1 : rows.indexOf(c.id);
	if (at >= 0) return at;
	return Math.max(0, Math.min(c.index, rows.length - 1));
}

export const selectedId = (c: Cursor, rows: readonly string[]) => rows[resolveCursor(c, rows)];
