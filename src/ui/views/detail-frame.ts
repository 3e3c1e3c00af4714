import {statusCounts, targetKinds, type State, type Trust} from '../../core/index.js';
import {auditKey, samplesKey, type Snapshot, type Wants} from '../hooks/use-store-state.js';
import {maxOffset, visibleBlocks, type Block} from '../model/blocks.js';
import {statusEndsAt, type ConsoleState, type KeyContext} from '../model/console-state.js';
import type {DetailFrame} from '../model/live-detail.js';
import {renderedQueries} from '../model/metric-feed.js';
import {screenModel, type Layout, type ScreenModel} from '../model/screen.js';
import {shownEvents} from '../model/shown.js';
import {detailBlocks} from './detail-blocks.js';

/** What a deployment's detail is drawn from besides the data and the time: the same for every second it stays open. */
export interface DetailScene {
	ui: ConsoleState;
	layout: Layout;
	signerRole: 'human' | 'agent' | undefined;
	trust: Trust;
	/** The scopes the detail reads (see useWanted): its samples and its audit events. */
	wants: Wants;
	queriesKey: string | undefined;
	statusMs: number | undefined;
	/** What the keys act on that comes from a state and its model, shown at a time (see app.tsx). */
	keysFrom: (state: State, model: ScreenModel, at: number) => Partial<KeyContext>;
}

export interface DetailDrawn {
	model: ScreenModel;
	blocks: Block[];
	detailMax: number;
	frame: DetailFrame;
}

/**
 * The detail of the selected deployment drawn from a snapshot at a time: its blocks, and the frame
 * they make (see live-detail.ts). The console's render draws it so, and so does a second that
 * paints the detail without ink: the two cannot differ. `model` is the screen's, when at hand.
 * Undefined when the snapshot has no state, or no selected deployment to show.
 */
export function drawDetail(scene: DetailScene, snap: Snapshot, at: number, model?: ScreenModel): DetailDrawn | undefined {
	const {ui, layout, wants} = scene;
	const {state} = snap;
	if (!state) return undefined;
	const m = model ?? screenModel(state, ui, at, [], scene.signerRole, scene.trust);
	const view = m.selectedDeployment;
	const dep = view && state.deployments.find(d => d.id === view.id);
	if (!view || !dep) return undefined;
	const samples = wants.samples && snap.samples?.key === samplesKey(wants.samples) ? snap.samples.data : undefined;
	const events = wants.audit[0] && snap.audit[auditKey(wants.audit[0])];
	const blocks = detailBlocks({
		view,
		samples,
		events: events && shownEvents(events),
		width: layout.columns,
		now: at,
		// Filled in only while shown: the detail is drawn every second.
		...(ui.queries ? {queries: renderedQueries(dep)} : {}),
		showQueries: ui.queries,
		queriesKey: scene.queriesKey,
	});
	const detailMax = maxOffset(blocks, layout.pane);
	const {visible, more} = visibleBlocks(blocks, Math.min(ui.detailScroll, detailMax), layout.pane);
	const status = ui.status !== undefined && at < statusEndsAt(ui.status, scene.statusMs);
	const chrome = JSON.stringify([view.id, targetKinds(state), statusCounts(state), m.deployments.length, m.leases.length, m.intents.length, status, snap.error ?? null]);
	return {model: m, blocks, detailMax, frame: {chrome, visible, more, keys: {rows: m.rowIds, detailMax, ...scene.keysFrom(state, m, at)}}};
}
