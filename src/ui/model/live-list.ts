import {ACTIVE, type State, type Trust} from '../../core/index.js';
import type {Snapshot} from '../hooks/use-store-state.js';
import {deploymentRow} from '../views/deployment-rows.js';
import type {FittedColumn} from './columns.js';
import {statusEndsAt, type ConsoleState, type KeyContext, type Pane} from './console-state.js';
import {listChrome, paneWindow, type PaneWindow} from './list-frame.js';
import {screenModel, type ScreenModel} from './screen.js';
import {fitText} from './styled.js';
import {tableLine} from './table-line.js';
import {bakeEndsAt} from './ticks.js';

/**
 * The idle deployments list changes by the clock once a minute (each canary's time left) and a
 * few times a minute by its data (see quiet-list.ts). Drawn through ink, the minute's change was
 * a pass over the whole screen (every line laid out, written, tokenised and measured again, with
 * the garbage it leaves), the largest part of the idle list's cost after its reads. Its rows are
 * styled lines (tableLine), so where only rows' text changed the console paints those rows over
 * ink's frame (see LivePatcher in screen-writer.ts), as it does a live detail's (live-detail.ts).
 */

/** The list as drawn: what the screen says around its rows, the rows, and what the keys act on. */
export interface ListFrame {
	/** Everything on screen outside the rows' text that a new state or time could change (see listChrome; the status line). */
	chrome: string;
	/** The rows in the window, top first, as drawn (tableLine). */
	rows: readonly string[];
	/** Ms left on each countdown in the window (see ClockDriven). */
	countdowns: readonly number[];
	keys: Partial<KeyContext>;
}

/** What the list is drawn from besides the data and the time: the same while it stays on screen. */
export interface ListScene {
	ui: ConsoleState;
	heights: Record<Pane, number>;
	columns: readonly FittedColumn[];
	marked: ReadonlySet<string>;
	signerRole: 'human' | 'agent' | undefined;
	trust: Trust;
	statusMs: number | undefined;
	keysFrom: (state: State, model: ScreenModel, at: number) => Partial<KeyContext>;
}

/** The list drawn from a snapshot at a time, as the console's render draws it (DeploymentList); `drawn`: the render's model and window, when at hand. */
export function drawList(scene: ListScene, snap: Snapshot, at: number, drawn?: {model: ScreenModel; window: PaneWindow}): ListFrame | undefined {
	const {state} = snap;
	if (!state) return undefined;
	const m = drawn?.model ?? screenModel(state, scene.ui, at, [], scene.signerRole, scene.trust);
	const w = drawn?.window ?? paneWindow(state, m, scene.ui, at, scene.heights, false);
	const status = scene.ui.status !== undefined && at < statusEndsAt(scene.ui.status, scene.statusMs);
	const rows = w.listViews.map((view, i) => {
		const row = deploymentRow(view);
		return tableLine(scene.columns, row, i === w.selected - w.top, scene.marked.has(row.key));
	});
	return {
		chrome: JSON.stringify([listChrome(state, m, w), status, snap.error ?? null]),
		rows,
		countdowns: w.shown.flatMap(d => (ACTIVE.includes(d.status) ? [bakeEndsAt(d) - at] : [])),
		keys: {rows: m.rowIds, ...scene.keysFrom(state, m, at)},
	};
}

/**
 * The rows (line index on screen → text) that turn the list drawn as `shown` into `next`: every
 * row, so that one painted since and now back to what ink drew is painted back (the screen writer
 * writes only the lines that differ from the terminal's); undefined when anything but rows' text
 * changed: then ink draws it. `top` is the line of the first row (under the column titles); rows
 * are cut to `width` as ink cuts them.
 */
export function listPatch(shown: ListFrame, next: ListFrame, top: number, width: number): Map<number, string> | undefined {
	if (next.chrome !== shown.chrome || next.rows.length !== shown.rows.length) return undefined;
	return new Map(next.rows.map((row, i) => [top + i, fitText(row, width)]));
}
