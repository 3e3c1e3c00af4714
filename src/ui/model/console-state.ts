import type {Key} from 'ink';
import type {Availability} from '../../core/view/actions.js';
import {KEYMAP, lookup, type ActionId, type Binding} from '../keymap.js';
import {readKeys, tell} from './bursts.js';
import {scrollTop} from './columns.js';
import {cancels} from './confirm-keys.js';
import {openDialog, pasteInto, READING_WAIT, stepDialog, TYPEAHEAD_MS, type Dialog, type DialogAction} from './dialog.js';
import {readingKey} from './dialog-scroll.js';
import {editLine, emptyLine, insertText, type Line} from './line-edit.js';
import {quit, quitKey} from './quit.js';
import {contextOf, PANES, resolveCursor, selectedId, type ConsoleState, type Cursor, type KeyContext, type Msg, type Pane, type Status} from './console-model.js';

export * from './console-model.js';

/**
 * Anchors the pane's cursor on the row it shows now, before the filter changes: the cursor may
 * still hold an id the filter hid, and clearing the filter would bring it (not the row the
 * operator was looking at) back under the cursor.
 */
function pinned(s: ConsoleState, ctx: KeyContext): Record<Pane, Cursor> {
	const c = s.cursor[s.pane];
	const rows = ctx.rows[s.pane];
	const id = selectedId(c, rows);
	return id === undefined ? s.cursor : {...s.cursor, [s.pane]: {...c, id, index: resolveCursor(c, rows)}};
}

function moveTo(s: ConsoleState, ctx: KeyContext, target: (current: number, count: number) => number): ConsoleState {
	const rows = ctx.rows[s.pane];
	if (rows.length === 0) return s;
	const c = s.cursor[s.pane];
	const index = Math.max(0, Math.min(rows.length - 1, target(resolveCursor(c, rows), rows.length)));
	const top = scrollTop(c.top, index, ctx.listHeight[s.pane], rows.length);
	return {...s, cursor: {...s.cursor, [s.pane]: {id: rows[index], index, top}}};
}

/**
 * A scrolled view's next offset for a navigation key, or undefined for any other key. It moves
 * from where the view is drawn: the content may have shrunk under an offset kept from before.
 */
function scrolled(action: ActionId, offset: number, max: number): number | undefined {
	const at = Math.min(offset, max);
	switch (action) {
		case 'up':
			return Math.max(0, at - 1);
		case 'down':
			return Math.min(max, at + 1);
		case 'top':
			return 0;
		case 'bottom':
			return max;
		default:
			return undefined;
	}
}

const DIALOG_ACTIONS: readonly ActionId[] = ['cosign', 'tierCosign', 'start', 'approve', 'promote', 'forcePromote', 'halt', 'resume', 'rollback'];

/** The pane whose selection an action acts on. */
const PANE_OF: Partial<Record<DialogAction, Pane>> = {cosign: 'leases', start: 'leases', approve: 'intents'};

const refusal = (s: ConsoleState, text: string, at: number, now: number): ConsoleState => ({...s, status: {tone: 'error', text, at: now, keysFrom: at + TYPEAHEAD_MS}});

function act(s: ConsoleState, action: DialogAction, ctx: KeyContext, at: number, now: number): ConsoleState {
	if ((action === 'halt' || action === 'rollback') && contextOf(s) === 'deployments' && s.marked.length > 0) return actOnMarked(s, action, ctx, at, now);
	const pane = PANE_OF[action] ?? 'deployments';
	const target = selectedId(s.cursor[pane], ctx.rows[pane]);
	if (!target) return refusal(s, `nothing selected to ${action === 'forcePromote' ? 'force-promote' : action === 'tierCosign' ? 'cosign' : action}`, at, now);
	const can = ctx.availability[target]?.[action];
	if (can && !can.ok) return refusal(s, can.why, at, now);
	// What the operator sees as the dialog opens is what the action will rest on, or nothing acts.
	const reviewed = ctx.reviewed(action, target);
	if (!reviewed) return refusal(s, `${target} is no longer in the store`, at, now);
	// A tier cosign signs the request on screen as it opened (its id), never one asked for later.
	const extra = action === 'tierCosign' && reviewed.request ? {request: reviewed.request} : {};
	return {...s, dialog: openDialog(action, target, at, reviewed, extra), status: undefined};
}

/**
 * h or r with rows marked: one dialog over the marked deployments the list still holds, in list
 * order. The set is fixed as it opens: the command names exactly the ids the dialog lists.
 */
function actOnMarked(s: ConsoleState, action: 'halt' | 'rollback', ctx: KeyContext, at: number, now: number): ConsoleState {
	const ids = ctx.rows.deployments.filter(id => s.marked.includes(id));
	if (ids.length === 0) return refusal(s, 'no marked deployment is in the list (x clears the marks)', at, now);
	const group = {action, ids};
	// The target names the set for the status line ("submitting group for 3 marked deployments"); the ids are the group's.
	const target = `${ids.length} marked deployment${ids.length === 1 ? '' : 's'}`;
	const reviewed = ctx.reviewed('group', target, group);
	if (!reviewed) return refusal(s, 'the marked deployments are no longer in the store', at, now);
	return {...s, dialog: openDialog('group', target, at, reviewed, {group}), status: undefined};
}

/** Space on the list: the selected row marked, or unmarked; the status line says what h and r will act on. */
function toggleMark(s: ConsoleState, ctx: KeyContext, now: number): ConsoleState {
	const id = selectedId(s.cursor.deployments, ctx.rows.deployments);
	if (!id) return s;
	const marked = s.marked.includes(id) ? s.marked.filter(m => m !== id) : [...s.marked, id];
	const text = marked.length === 0 ? 'no deployment marked' : `${marked.length} marked: h halts them, r rolls them back (you type ${marked.length}); x clears`;
	return {...s, marked, status: {tone: 'info', text, at: now}};
}

const withoutHistory = ({history: _, ...s}: ConsoleState): ConsoleState => s;

// The last outcome belongs to the pane it happened on: carried to another pane it reads as news.
const switchPane = (s: ConsoleState, pane: Pane): ConsoleState => ({...withoutHistory(s), pane, detail: false, event: false, status: undefined});

function applyBinding(s: ConsoleState, b: Binding, ctx: KeyContext, at: number, now: number): ConsoleState {
	const history = s.history && contextOf(s) === 'history' ? scrolled(b.action, s.history.scroll, ctx.historyMax ?? 0) : undefined;
	if (history !== undefined) return {...s, history: {...s.history!, scroll: history}};
	const detailScroll = contextOf(s) === 'detail' ? scrolled(b.action, s.detailScroll, ctx.detailMax) : undefined;
	if (detailScroll !== undefined) return {...s, detailScroll};
	// An event shown whole scrolls over its text; the list under it stays where it was.
	const eventScroll = s.pane === 'audit' && s.event ? scrolled(b.action, s.eventScroll, ctx.eventMax) : undefined;
	if (eventScroll !== undefined) return {...s, eventScroll};
	switch (b.action) {
		case 'up':
			return moveTo(s, ctx, i => i - 1);
		case 'down':
			return moveTo(s, ctx, i => i + 1);
		case 'top':
			return moveTo(s, ctx, () => 0);
		case 'bottom':
			return moveTo(s, ctx, (_, n) => n - 1);
		case 'open':
			if (s.pane === 'audit') return selectedId(s.cursor.audit, ctx.rows.audit) ? {...s, event: true, eventScroll: 0} : s;
			return selectedId(s.cursor.deployments, ctx.rows.deployments) ? {...s, detail: true, detailScroll: 0} : s;
		case 'back':
			if (contextOf(s) === 'history') return withoutHistory(s);
			if (contextOf(s) === 'detail') return {...s, detail: false};
			if (s.pane === 'audit' && s.event) return {...s, event: false};
			if (s.filter[s.pane]) return {...s, cursor: pinned(s, ctx), filter: {...s.filter, [s.pane]: ''}};
			return {...s, status: undefined};
		case 'nextPane':
			return switchPane(s, PANES[(PANES.indexOf(s.pane) + 1) % PANES.length]!);
		case 'pane1':
		case 'pane2':
		case 'pane3':
		case 'pane4':
			return switchPane(s, PANES[Number(b.action.slice(-1)) - 1]!);
		case 'filter':
			return {...s, filtering: true, filterCursor: [...s.filter[s.pane]].length};
		case 'queries':
			return {...s, queries: !s.queries};
		case 'help':
			return {...s, help: true, helpScroll: 0};
		case 'quit':
			return quit(s, ctx, at);
		case 'mark':
			return toggleMark(s, ctx, now);
		case 'clearMarks':
			return {...s, marked: [], status: {tone: 'info', text: 'marks cleared', at: now}};
		case 'history': {
			const service = ctx.serviceOf?.(selectedId(s.cursor.deployments, ctx.rows.deployments) ?? '');
			return service ? {...s, history: {service, scroll: 0}, status: undefined} : refusal(s, 'nothing selected to show the history of', at, now);
		}
		default:
			return DIALOG_ACTIONS.includes(b.action) ? act(s, b.action as DialogAction, ctx, at, now) : s;
	}
}

/** A filter is a few characters of an id, a service or a status; a paste stops here. */
const FILTER_MAX = 64;
const setFilter = (s: ConsoleState, ctx: KeyContext, line: Line, filtering = true): ConsoleState => ({
	...s,
	filtering,
	filterCursor: Math.min(line.cursor, FILTER_MAX),
	cursor: pinned(s, ctx),
	filter: {...s.filter, [s.pane]: line.text.slice(0, FILTER_MAX)},
});

function filterKey(s: ConsoleState, input: string, key: Key, ctx: KeyContext): ConsoleState {
	if (cancels(input, key)) return setFilter(s, ctx, emptyLine, false);
	if (key.return) return {...s, filtering: false, cursor: pinned(s, ctx)};
	const edited = editLine({text: s.filter[s.pane], cursor: s.filterCursor}, input, key);
	return edited ? setFilter(s, ctx, edited) : s;
}

function helpKey(s: ConsoleState, input: string, key: Key, ctx: KeyContext, at: number): ConsoleState {
	if (cancels(input, key) || input === '?') return {...s, help: false};
	if (input === 'q') return quit({...s, help: false}, ctx, at);
	const nav = lookup(ctx.table, contextOf(s), input, key);
	const helpScroll = nav ? scrolled(nav.action, s.helpScroll, ctx.helpMax) : undefined;
	return helpScroll === undefined ? s : {...s, helpScroll};
}

const NOT_SHOWN: Availability = {ok: false, why: 'the pre-checks are not on screen yet: look, then press Enter again'};

/**
 * A reason and its Enter often share a read over a slow link (or tmux): the Enter counts. What
 * guards a destructive action is its own step (the typed id, y), and the guard against keys typed
 * before the dialog was shown (see dialog.ts), not the way keys were batched.
 */
function dialogKey(s: ConsoleState, d: Dialog, input: string, key: Key, ctx: KeyContext, at: number, now: number): ConsoleState {
	const reading = readingKey(d, input, key, ctx.dialogBody, at);
	if (reading) return {...s, dialog: reading};
	const step = stepDialog(d, input, key, at);
	if ('cancel' in step) return {...s, dialog: undefined, status: {tone: 'info', text: 'cancelled: nothing was done', at: now}};
	// What the dialog shows refuses the action (a failing pre-check): it stays open and says so.
	// A start goes ahead only on pre-checks drawn on screen, never before they are.
	const blocked = 'submit' in step ? (ctx.confirmable[d.target]?.[d.action] ?? (d.action === 'start' ? NOT_SHOWN : undefined)) : undefined;
	if (blocked && !blocked.ok) return {...s, dialog: {...d, error: blocked.why}};
	if ('submit' in step) return {...s, dialog: step.submit, seq: s.seq + 1, request: {seq: s.seq + 1, dialog: step.submit}};
	return {...s, dialog: step.dialog};
}

const ESCAPE = {escape: true, meta: true} as Key;

function keyMsg(before: ConsoleState, input: string, key: Key, ctx: KeyContext, at: number, now: number): ConsoleState {
	// A refusal has been read once the operator does something else: any key takes it away, but
	// not one typed blind in the same burst as the key that was refused.
	const read = before.status?.tone === 'error' && at >= (before.status.keysFrom ?? Number.NEGATIVE_INFINITY);
	const s = read ? {...before, status: undefined} : before;
	if (s.quitting) return quitKey(s, s.quitting, input, key, at, now);
	// A dialog waiting for the store cannot be taken back: Ctrl-C then quits, as on the main screen.
	if (s.dialog?.submitting && key.ctrl && input === 'c') return quit(s, ctx, at);
	if (s.dialog) return dialogKey(s, s.dialog, input, key, ctx, at, now);
	if (s.filtering) return filterKey(s, input, key, ctx);
	if (s.help) return helpKey(s, input, key, ctx, at);
	// Keys are single characters or named keys: a pasted string is never a command.
	if (input.length > 1) return s;
	const context = contextOf(s);
	// A key read together with an Esc (Alt+q, or Esc then q typed fast) is that Esc: it goes back, never further.
	const binding = key.meta ? lookup(ctx.table, context, '', ESCAPE) : lookup(ctx.table, context, input, key);
	if (binding) return applyBinding(s, binding, ctx, at, now);
	const removed = lookup(KEYMAP, context, input, key);
	if (removed?.dangerous) return {...s, status: {tone: 'info', text: `read-only: ${removed.label} is not available`, at: now}};
	return s;
}

/**
 * After a start, the new deployment selected in its pane (unfiltered, so the row is there): the
 * status line's "Enter to watch" then opens it.
 */
const watching = (s: ConsoleState, id: string): ConsoleState => ({
	...s,
	pane: 'deployments',
	detail: false,
	event: false,
	cursor: {...s.cursor, deployments: {id, index: 0, top: 0}},
	filter: {...s.filter, deployments: ''},
});
export const PASTE_IGNORED = 'paste ignored: pasted text goes only into a text field (a reason, the typed id, the filter)';

function pasteMsg(s: ConsoleState, {text, ctx, at, now}: Extract<Msg, {type: 'paste'}>): ConsoleState {
	const pasted = s.dialog ? pasteInto(s.dialog, text) : undefined;
	if (pasted) return {...s, dialog: pasted};
	if (s.filtering && !s.dialog && !s.quitting) return setFilter(s, ctx, insertText({text: s.filter[s.pane], cursor: s.filterCursor}, text));
	return tell(s, PASTE_IGNORED, at, now);
}

export function consoleReducer(s: ConsoleState, msg: Msg): ConsoleState {
	switch (msg.type) {
		case 'key':
			return consoleReducer(s, {...msg, type: 'keys', keys: [{input: msg.input, key: msg.key}]});
		case 'keys':
			return readKeys(s, msg, (state, input, key) => keyMsg(state, input, key, msg.ctx, msg.at, msg.now), contextOf);
		case 'paste':
			return pasteMsg(s, msg);
		case 'status':
			return {...s, status: msg.status};
		case 'reading': {
			const d = s.dialog;
			// Only for the start dialog it was read for, and only once: what the operator saw stays put.
			if (d?.action !== 'start' || d.target !== msg.target || d.reading || d.readingError || d.submitting) return s;
			const got = msg.reading ? {reading: msg.reading, ...(msg.reviewed ? {reviewed: msg.reviewed} : {})} : {readingError: msg.error ?? 'the target did not answer'};
			// An Enter refused for the wait no longer stands once the wait is over: the checks now say what holds.
			const {error, ...rest} = d;
			return {...s, dialog: {...(error === READING_WAIT ? rest : d), ...got}};
		}
		case 'settled': {
			if (!s.request || s.request.seq !== msg.seq) return s;
			const {outcome} = msg;
			// A refusal for a stale view closes the dialog too: it rested on facts that no longer hold,
			// and the operator reopens it over the new ones (a deliberate step, never a silent re-bind).
			const status: Status = {tone: outcome.pending ? 'info' : outcome.ok ? 'ok' : 'error', text: outcome.text, at: msg.at};
			if (outcome.watch) return {...watching(s, outcome.watch), request: undefined, dialog: undefined, status};
			// The marks were for the group just acted on: kept only when nothing was done (open it again).
			const acted = s.request.dialog.action === 'group' && outcome.done === true;
			return {...s, request: undefined, dialog: undefined, status, ...(acted ? {marked: []} : {})};
		}
	}
}
