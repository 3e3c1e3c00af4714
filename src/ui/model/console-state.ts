import type {Key} from 'ink';
import type {Availability} from '../../core/view/actions.js';
import {KEYMAP, lookup, type ActionId, type Binding, type Context} from '../keymap.js';
import {scrollTop} from './columns.js';
import {openDialog, reopenAfterConflict, stepDialog, type Dialog, type DialogAction} from './dialog.js';
import type {Outcome} from './outcome.js';

export type Pane = 'deployments' | 'leases' | 'audit';
export const PANES: readonly Pane[] = ['deployments', 'leases', 'audit'];

/** A list selection, anchored by id so it stays on its row while rows come and go. */
export interface Cursor {
	id?: string;
	index: number;
	top: number;
}

export interface Status {
	tone: 'ok' | 'error' | 'info';
	text: string;
}

export interface ConsoleState {
	pane: Pane;
	detail: boolean;
	/** The selected audit event shown whole (its reason and data do not fit a list row). */
	event: boolean;
	detailScroll: number;
	cursor: Record<Pane, Cursor>;
	filter: Record<Pane, string>;
	filtering: boolean;
	help: boolean;
	dialog?: Dialog;
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
	/**
	 * Whether each action applies, per target id (the selected deployment and lease). Keyed by id
	 * so a key that lands before the re-render never borrows another row's answer.
	 */
	availability: Record<string, Partial<Record<DialogAction, Availability>>>;
}

export type Msg =
	| {type: 'key'; input: string; key: Key; ctx: KeyContext; /** wall time of the key */ at: number}
	| {type: 'settled'; seq: number; outcome: Outcome}
	| {type: 'status'; status: Status};

const cursor0: Cursor = {index: 0, top: 0};

export const initialConsoleState = (): ConsoleState => ({
	pane: 'deployments',
	detail: false,
	event: false,
	detailScroll: 0,
	cursor: {deployments: cursor0, leases: cursor0, audit: cursor0},
	filter: {deployments: '', leases: '', audit: ''},
	filtering: false,
	help: false,
	seq: 0,
	quit: false,
});

export const contextOf = (s: Pick<ConsoleState, 'pane' | 'detail'>): Context => (s.pane === 'deployments' && s.detail ? 'detail' : s.pane);

/** Where the cursor is in `rows`: on its id if the id is still there, else at its index, clamped. */
export function resolveCursor(c: Cursor, rows: readonly string[]): number {
	const at = c.id === undefined ? -1 : rows.indexOf(c.id);
	if (at >= 0) return at;
	return Math.max(0, Math.min(c.index, rows.length - 1));
}

export const selectedId = (c: Cursor, rows: readonly string[]) => rows[resolveCursor(c, rows)];

function moveTo(s: ConsoleState, ctx: KeyContext, target: (current: number, count: number) => number): ConsoleState {
	const rows = ctx.rows[s.pane];
	if (rows.length === 0) return s;
	const c = s.cursor[s.pane];
	const index = Math.max(0, Math.min(rows.length - 1, target(resolveCursor(c, rows), rows.length)));
	const top = scrollTop(c.top, index, ctx.listHeight[s.pane], rows.length);
	return {...s, cursor: {...s.cursor, [s.pane]: {id: rows[index], index, top}}};
}

const scrollDetail = (s: ConsoleState, ctx: KeyContext, to: number): ConsoleState => ({
	...s,
	detailScroll: Math.max(0, Math.min(ctx.detailMax, to)),
});

const DIALOG_ACTIONS: readonly ActionId[] = ['cosign', 'promote', 'forcePromote', 'halt', 'resume', 'rollback'];

function act(s: ConsoleState, action: DialogAction, ctx: KeyContext, at: number): ConsoleState {
	const pane = action === 'cosign' ? 'leases' : 'deployments';
	const target = selectedId(s.cursor[pane], ctx.rows[pane]);
	if (!target) return {...s, status: {tone: 'error', text: `nothing selected to ${action === 'forcePromote' ? 'force-promote' : action}`}};
	const can = ctx.availability[target]?.[action];
	if (can && !can.ok) return {...s, status: {tone: 'error', text: can.why}};
	return {...s, dialog: openDialog(action, target, at), status: undefined};
}

// The last outcome belongs to the pane it happened on: carried to another pane it reads as news.
const switchPane = (s: ConsoleState, pane: Pane): ConsoleState => ({...s, pane, detail: false, event: false, status: undefined});

function applyBinding(s: ConsoleState, b: Binding, ctx: KeyContext, at: number): ConsoleState {
	const inDetail = contextOf(s) === 'detail';
	switch (b.action) {
		case 'up':
			return inDetail ? scrollDetail(s, ctx, s.detailScroll - 1) : moveTo(s, ctx, i => i - 1);
		case 'down':
			return inDetail ? scrollDetail(s, ctx, s.detailScroll + 1) : moveTo(s, ctx, i => i + 1);
		case 'top':
			return inDetail ? scrollDetail(s, ctx, 0) : moveTo(s, ctx, () => 0);
		case 'bottom':
			return inDetail ? scrollDetail(s, ctx, ctx.detailMax) : moveTo(s, ctx, (_, n) => n - 1);
		case 'open':
			if (s.pane === 'audit') return selectedId(s.cursor.audit, ctx.rows.audit) ? {...s, event: true} : s;
			return selectedId(s.cursor.deployments, ctx.rows.deployments) ? {...s, detail: true, detailScroll: 0} : s;
		case 'back':
			if (inDetail) return {...s, detail: false};
			if (s.pane === 'audit' && s.event) return {...s, event: false};
			if (s.filter[s.pane]) return {...s, filter: {...s.filter, [s.pane]: ''}};
			return {...s, status: undefined};
		case 'nextPane':
			return switchPane(s, PANES[(PANES.indexOf(s.pane) + 1) % PANES.length]!);
		case 'pane1':
		case 'pane2':
		case 'pane3':
			return switchPane(s, PANES[Number(b.action.slice(-1)) - 1]!);
		case 'filter':
			return {...s, filtering: true};
		case 'help':
			return {...s, help: true};
		case 'quit':
			return {...s, quit: true};
		default:
			return DIALOG_ACTIONS.includes(b.action) ? act(s, b.action as DialogAction, ctx, at) : s;
	}
}

function filterKey(s: ConsoleState, input: string, key: Key): ConsoleState {
	const current = s.filter[s.pane];
	const set = (text: string, filtering = true) => ({...s, filtering, filter: {...s.filter, [s.pane]: text}});
	if (key.escape) return set('', false);
	if (key.return) return {...s, filtering: false};
	if (key.backspace || key.delete) return set(current.slice(0, -1));
	if (key.ctrl || key.meta || input === '' || /[\u0000-\u001f]/.test(input)) return s;
	return set(current + input);
}

function dialogKey(s: ConsoleState, d: Dialog, input: string, key: Key, at: number): ConsoleState {
	const step = stepDialog(d, input, key, at);
	if ('cancel' in step) return {...s, dialog: undefined, status: {tone: 'info', text: 'cancelled: nothing was done'}};
	if ('submit' in step) return {...s, dialog: step.submit, seq: s.seq + 1, request: {seq: s.seq + 1, dialog: step.submit}};
	return {...s, dialog: step.dialog};
}

function keyMsg(s: ConsoleState, input: string, key: Key, ctx: KeyContext, at: number): ConsoleState {
	if (key.ctrl && input === 'c') return {...s, quit: true};
	if (s.dialog) return dialogKey(s, s.dialog, input, key, at);
	if (s.filtering) return filterKey(s, input, key);
	if (s.help) {
		if (key.escape || input === '?') return {...s, help: false};
		return input === 'q' && !key.meta ? {...s, quit: true} : s;
	}
	// Keys are single characters or named keys: a pasted string is never a command.
	if (input.length > 1) return s;
	const context = contextOf(s);
	const binding = lookup(ctx.table, context, input, key);
	if (binding) return applyBinding(s, binding, ctx, at);
	const removed = lookup(KEYMAP, context, input, key);
	if (removed?.dangerous) return {...s, status: {tone: 'info', text: `read-only: ${removed.label} is not available`}};
	return s;
}

export function consoleReducer(s: ConsoleState, msg: Msg): ConsoleState {
	switch (msg.type) {
		case 'key':
			return keyMsg(s, msg.input, msg.key, msg.ctx, msg.at);
		case 'status':
			return {...s, status: msg.status};
		case 'settled': {
			if (!s.request || s.request.seq !== msg.seq) return s;
			const {outcome} = msg;
			const status: Status = {tone: outcome.ok ? 'ok' : 'error', text: outcome.text};
			if (outcome.conflict && s.dialog) return {...s, request: undefined, dialog: reopenAfterConflict(s.dialog, outcome.text), status};
			return {...s, request: undefined, dialog: undefined, status};
		}
	}
}
