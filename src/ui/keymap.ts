import type {Key} from 'ink';

/**
 * The one keymap table. Key handling, the footer hints and the `?` help are all read from it, so
 * they cannot drift apart. Actions that change the world are `dangerous`: read-only mode removes
 * them from the table itself. No dangerous key sits on A–D, O or `[`, the tails of arrow-key
 * escape sequences that arrive split over slow links.
 */
export type Context = 'deployments' | 'detail' | 'leases' | 'audit' | 'intents' | 'history';
export const CONTEXTS: readonly Context[] = ['deployments', 'detail', 'leases', 'audit', 'intents', 'history'];

export type ActionId =
	| 'up'
	| 'down'
	| 'top'
	| 'bottom'
	| 'open'
	| 'back'
	| 'nextPane'
	| 'pane1'
	| 'pane2'
	| 'pane3'
	| 'pane4'
	| 'filter'
	| 'queries'
	| 'help'
	| 'quit'
	| 'cosign'
	| 'tierCosign'
	| 'mark'
	| 'clearMarks'
	| 'history'
	| 'start'
	| 'approve'
	| 'promote'
	| 'forcePromote'
	| 'halt'
	| 'resume'
	| 'rollback';

type NamedKey = 'upArrow' | 'downArrow' | 'return' | 'escape' | 'tab' | 'home' | 'end';
export type Chord = {input: string; ctrl?: boolean} | {key: NamedKey};

export interface Binding {
	action: ActionId;
	chords: readonly Chord[];
	/** How the footer and help write the keys. */
	keys: string;
	/** The footer's word for it. */
	label: string;
	/** The help's sentence. */
	help: string;
	group: 'navigate' | 'view' | 'act';
	contexts: readonly Context[];
	dangerous?: boolean;
	/** Footer order; bindings without it appear only in the help. */
	footer?: number;
	/** How the footer writes it when one hint stands for a pair (↑↓ move). */
	hint?: Hint;
}

const ALL = CONTEXTS;
const LISTS: readonly Context[] = ['deployments', 'leases', 'audit', 'intents'];
const ON_DEPLOYMENT: readonly Context[] = ['deployments', 'detail'];

export const KEYMAP: readonly Binding[] = [
	{action: 'up', chords: [{key: 'upArrow'}, {input: 'k'}], keys: '↑/k', label: 'up', help: 'move up (scroll in the detail)', group: 'navigate', contexts: ALL, footer: 14, hint: {keys: '↑↓/jk', label: 'move'}},
	{action: 'down', chords: [{key: 'downArrow'}, {input: 'j'}], keys: '↓/j', label: 'down', help: 'move down (scroll in the detail)', group: 'navigate', contexts: ALL},
	{action: 'top', chords: [{input: 'g'}, {key: 'home'}], keys: 'g', label: 'top', help: 'go to the top', group: 'navigate', contexts: ALL},
	{action: 'bottom', chords: [{input: 'G'}, {key: 'end'}], keys: 'G', label: 'bottom', help: 'go to the bottom', group: 'navigate', contexts: ALL},
	{action: 'open', chords: [{key: 'return'}], keys: 'Enter', label: 'detail', help: 'open the selected deployment or audit event', group: 'view', contexts: ['deployments', 'audit'], footer: 10},
	{action: 'back', chords: [{key: 'escape'}], keys: 'Esc', label: 'back', help: 'back, close, clear the filter, cancel (never acts; nor does a key read with it)', group: 'view', contexts: ALL, footer: 13},
	{action: 'nextPane', chords: [{key: 'tab'}], keys: 'Tab', label: 'pane', help: 'next pane', group: 'view', contexts: ALL, footer: 12},
	{action: 'pane1', chords: [{input: '1'}], keys: '1', label: 'deployments', help: 'deployments pane', group: 'view', contexts: ALL},
	{action: 'pane2', chords: [{input: '2'}], keys: '2', label: 'leases', help: 'leases to sign or start', group: 'view', contexts: ALL},
	{action: 'pane3', chords: [{input: '3'}], keys: '3', label: 'audit', help: 'audit trail', group: 'view', contexts: ALL},
	{action: 'pane4', chords: [{input: '4'}], keys: '4', label: 'intents', help: 'intents pane', group: 'view', contexts: ALL},
	{action: 'filter', chords: [{input: '/'}], keys: '/', label: 'filter', help: 'filter by id, service or status (Enter keeps, Esc clears)', group: 'view', contexts: LISTS, footer: 11},
	// The detail's metric queries are long and mostly not what an operator looks for: shown on demand.
	{action: 'queries', chords: [{input: 'm'}], keys: 'm', label: 'queries', help: 'show or hide the metric queries (Prometheus)', group: 'view', contexts: ['detail'], footer: 9},
	{action: 'cosign', chords: [{input: 'c'}], keys: 'c', label: 'cosign', help: 'cosign the selected lease: read to the end, y, Enter', group: 'act', contexts: ['leases'], dangerous: true, footer: 1},
	// On a deployment, c signs the promotion into a keyed tier (its own dialog: the step and the gate's evidence).
	{action: 'tierCosign', chords: [{input: 'c'}], keys: 'c', label: 'cosign', help: 'cosign the promotion a deployment awaits (awaiting cosign): read to the end, y, Enter', group: 'act', contexts: ON_DEPLOYMENT, dangerous: true},
	// Marks choose what h and r act on together: with no action to take (read-only), they go with them.
	{action: 'mark', chords: [{input: ' '}], keys: 'Space', label: 'mark', help: 'mark or unmark the row: with marks, h and r act on every marked deployment (type their count)', group: 'act', contexts: ['deployments'], dangerous: true, footer: 7},
	{action: 'clearMarks', chords: [{input: 'x'}], keys: 'x', label: 'unmark', help: 'clear the marks', group: 'act', contexts: ['deployments'], dangerous: true},
	{action: 'history', chords: [{input: 'H'}], keys: 'H', label: 'history', help: "the selected deployment's service history: outcome, reach, signers, why", group: 'view', contexts: ON_DEPLOYMENT, footer: 8},
	{action: 'start', chords: [{input: 's'}], keys: 's', label: 'start', help: 'start a signed lease (type id)', group: 'act', contexts: ['leases'], dangerous: true, footer: 2},
	{action: 'approve', chords: [{input: 'a'}], keys: 'a', label: 'approve', help: 'approve a draft (asks a reason)', group: 'act', contexts: ['intents'], dangerous: true, footer: 1},
	{action: 'promote', chords: [{input: 'p'}], keys: 'p', label: 'promote', help: 'promote a tier (y then Enter)', group: 'act', contexts: ON_DEPLOYMENT, dangerous: true, footer: 2},
	{action: 'halt', chords: [{input: 'h'}], keys: 'h', label: 'halt', help: 'halt the canary (asks a reason); with marks, every marked one', group: 'act', contexts: ON_DEPLOYMENT, dangerous: true, footer: 3},
	{action: 'resume', chords: [{input: 'u'}], keys: 'u', label: 'resume', help: 'resume a halt (asks a reason)', group: 'act', contexts: ON_DEPLOYMENT, dangerous: true, footer: 4},
	{action: 'rollback', chords: [{input: 'r'}], keys: 'r', label: 'rollback', help: 'roll back (type the deployment id, then a reason); with marks, every marked one (type their count)', group: 'act', contexts: ON_DEPLOYMENT, dangerous: true, footer: 5},
	{action: 'forcePromote', chords: [{input: 'P'}], keys: 'P', label: 'force', help: 'promote past a hold (type the id, then a reason)', group: 'act', contexts: ON_DEPLOYMENT, dangerous: true, footer: 6},
	{action: 'help', chords: [{input: '?'}], keys: '?', label: 'help', help: 'this help', group: 'view', contexts: ALL, footer: 90},
	{action: 'quit', chords: [{input: 'q'}, {input: 'c', ctrl: true}], keys: 'q', label: 'quit', help: 'quit (also Ctrl-C; may ask first)', group: 'view', contexts: ALL, footer: 91},
];

/** The table as this session sees it: read-only mode drops every dangerous binding. */
export const keymapFor = (readonly: boolean): readonly Binding[] => (readonly ? KEYMAP.filter(b => !b.dangerous) : KEYMAP);

function matches(chord: Chord, input: string, key: Key): boolean {
	if ('key' in chord) return key[chord.key] === true;
	// Alt+key arrives as ESC+key: a quick Esc then a letter must not become that letter's action.
	return input === chord.input && Boolean(chord.ctrl) === key.ctrl && !key.meta;
}

/** The binding a keypress triggers in a context, if any. */
export function lookup(table: readonly Binding[], context: Context, input: string, key: Key): Binding | undefined {
	return table.find(b => b.contexts.includes(context) && b.chords.some(c => matches(c, input, key)));
}

export interface Hint {
	keys: string;
	label: string;
}

/**
 * The footer: what acts here, in footer order, as many as fit in `width`. Help and quit always
 * stay, and so does the way out of the detail view (Esc back).
 */
export function footerHints(table: readonly Binding[], context: Context, width: number): Hint[] {
	const here = table.filter(b => b.footer !== undefined && b.contexts.includes(context)).sort((a, b) => a.footer! - b.footer!);
	const kept = (b: Binding) => b.footer! >= 90 || (context === 'detail' && b.action === 'back');
	const hint = (b: Binding): Hint => b.hint ?? {keys: b.keys, label: b.label};
	const len = (hs: Hint[]) => hs.reduce((n, h) => n + h.keys.length + 1 + h.label.length, 0) + 2 * Math.max(0, hs.length - 1);
	const fixed = here.filter(kept).map(hint);
	const rest = here.filter(b => !kept(b));
	while (rest.length > 0 && len([...rest.map(hint), ...fixed]) > width) rest.pop();
	return here.filter(b => kept(b) || rest.includes(b)).map(hint);
}
