import type {Trust} from '../../core/trust.js';
import {ACTIVE, deploymentView, displayDeep, statusCounts, targetKinds, type Deployment, type DeploymentView, type State} from '../../core/index.js';
import {deploymentRow} from '../views/deployment-rows.js';
import {scrollTop} from './columns.js';
import {resolveCursor, type ConsoleState, type Pane} from './console-state.js';
import {screenModel, type ScreenModel} from './screen.js';
import {bakeAsOf, bakeEndsAt, drawTime} from './ticks.js';

/** Where the current pane's list stands: the selected row, the first row shown and, in the deployments list, its rows as views. */
export interface PaneWindow {
	selected: number;
	top: number;
	/** The deployments in the list's window, and the same as views. */
	shown: Deployment[];
	listViews: DeploymentView[];
}

export function paneWindow(state: State, model: ScreenModel, ui: Pick<ConsoleState, 'pane' | 'cursor'>, now: number, heights: Record<Pane, number>, inDetail: boolean): PaneWindow {
	const {pane} = ui;
	const rows = model.rowIds[pane];
	const selected = resolveCursor(ui.cursor[pane], rows);
	const top = scrollTop(ui.cursor[pane].top, selected, heights[pane], rows.length);
	const shown = pane === 'deployments' && !inDetail ? model.deployments.slice(top, top + heights.deployments) : [];
	// List rows are drawn at minute resolution, as the bake stood then; the detail and the dialogs at the exact time.
	const listed = (d: Deployment) => {
		const at = drawTime(now, ACTIVE.includes(d.status) ? bakeEndsAt(d) : undefined);
		return displayDeep(deploymentView(state, bakeAsOf(d, at), at));
	};
	return {selected, top, shown, listViews: shown.map(listed)};
}

/** Which actions the keys may take, without the reasons: a refusal's words move with the bake's seconds. */
const allowed = (availability: ScreenModel['availability']) =>
	Object.entries(availability).map(([id, actions]) => [id, Object.entries(actions).map(([action, a]) => `${action}:${a?.ok ? 1 : 0}`)]);

/**
 * Everything the deployments list draws from a state (header counts, target, tab counts, the
 * cells of the rows shown, the selection) or acts on, as one string. A leader writes every
 * second, mostly samples the list does not show: when the next state gives the same string, the
 * frame would be the same and is not drawn at all (ink renders the whole screen on every commit,
 * whatever changed). The frame on screen passes what it already computed.
 */
export function frameKey(state: State, model: ScreenModel, w: PaneWindow): string {
	return JSON.stringify([listChrome(state, model, w), w.listViews.map(deploymentRow)]);
}

/** What frameKey holds but the rows' cells: the header's counts, the tabs, the selection, and what the keys act on. */
export function listChrome(state: State, model: ScreenModel, w: PaneWindow): unknown[] {
	// The row ids and what the keys may do go in too: the key dispatcher acts on the frame drawn.
	// Only whether each action is allowed: the words of a refusal are not on screen, and the
	// dispatcher is handed the newest ones when a frame is skipped (see app.tsx).
	return [statusCounts(state), targetKinds(state), model.rowIds.deployments, model.leases.length, model.intents.length, allowed(model.availability), w.selected, w.top];
}

/** The key of the list a state would draw (see frameKey), for a state not drawn yet, and the model it was computed from. */
export function listFrame(state: State, ui: Pick<ConsoleState, 'pane' | 'cursor' | 'filter'>, now: number, heights: Record<Pane, number>, signerRole: 'human' | 'agent' | undefined, trust: Trust): {key: string; model: ScreenModel} {
	const model = screenModel(state, ui, now, [], signerRole, trust);
	return {key: frameKey(state, model, paneWindow(state, model, ui, now, heights, false)), model};
}
