import {ACTIVE, bakeElapsed, deploymentSummary, isArchivable, type Deployment, type DeploymentSummary, type State, type Trust} from '../../core/index.js';
import type {DeploymentList} from '../../store/api.js';
import {sameNode} from '../components/same-node.js';
import type {StoreData} from '../hooks/use-store-state.js';
import type {ConsoleState, KeyContext, Pane} from './console-state.js';
import type {KeyContextRef} from './key-context-ref.js';
import {frameKey, listFrame, type PaneWindow} from './list-frame.js';
import {screenModel, type ScreenModel} from './screen.js';
import {bakeEndsAt, heldFresh} from './ticks.js';

/** The deployments list as drawn: what a new state is compared with. */
export interface ListOnScreen {
	state: State;
	model: ScreenModel;
	window: PaneWindow;
	ui: Pick<ConsoleState, 'pane' | 'cursor' | 'filter'>;
	/** The time the frame was drawn at. */
	now: number;
	heights: Record<Pane, number>;
	signerRole: 'human' | 'agent' | undefined;
	trust: Trust;
	/** The console's clock, for the state held as of now. */
	clock: () => number;
	/** What the keys act on that comes from a state and its model, shown at a time (see app.tsx). */
	keysFrom: (state: State, model: ScreenModel, at?: number) => Partial<KeyContext>;
}

/**
 * Tells the store reader, while the deployments list is on screen, which states need not be drawn
 * (the frame would be the same: see frameKey) and which need not be read at all (the list index
 * shows the list would be the same: see listUnchanged). Either way the keys then act on that
 * state as they would on a frame drawn from it: a refusal says the newest reasons, a dialog opens
 * on the newest facts. Off the list, every state is read and drawn.
 */
export function quietList(data: Pick<StoreData, 'sameFrame' | 'unchanged'>, ctx: KeyContextRef, list: ListOnScreen | undefined): void {
	if (!list) {
		data.sameFrame.current = undefined;
		data.unchanged.current = undefined;
		return;
	}
	const {ui, now, heights, signerRole, trust} = list;
	let shownKey: string | undefined;
	data.sameFrame.current = next => {
		const quiet = listFrame(next, ui, now, heights, signerRole, trust);
		if (quiet.key !== (shownKey ??= frameKey(list.state, list.model, list.window))) return false;
		ctx.current = {...ctx.current, ...list.keysFrom(next, quiet.model)};
		return true;
	};
	data.unchanged.current = (indexed, held, heldAgeMs) => {
		const at = list.clock();
		if (!listUnchanged(held, indexed, at, at - heldAgeMs)) return false;
		ctx.defer(() => list.keysFrom(held, screenModel(held, ui, at, [], signerRole, trust), at));
		return true;
	};
}

/** A minute, and the ticks a figure's last minute may straddle. */
const NEAR_END_MS = 2 * 60_000;

/**
 * Whether the deployments list, drawn from the state held, already shows what the state the
 * store's list index describes would: then that state need not be read at all.
 *
 * A leader rewrites every live deployment every second (its samples, bake time and feeds), so a
 * read parses and validates the whole document each second, most of the idle list's cost, for
 * a list that changes a few times a minute. The index (a few KB, written with the document) holds
 * each deployment's row as the list draws it (status, tier, worst level) but for the time left.
 * The held state answers for what the index lacks while:
 *   - the rows are the same, field for field, in the same order (the index holds the document's
 *     deployments: those that ended are listed from the archive, which changes only with them);
 *   - no live canary warns (the WORST cell names the metric, which the index does not);
 *   - no live canary is near the end of its bake, where the list counts seconds and then shows
 *     the gate's verdict (ready or hold). Before that the list draws the time left as it stood at
 *     the minute's start (see bakeAsOf), the same from any state ticked since while an engine
 *     watches, and from one ticked up to the watch gap before (see heldFresh).
 * What else the list shows from the state (the leases and intents counted in the tabs) changes
 * only by a command, which the audit trail records: the caller reads the state after any change to
 * the trail (see use-store-state.ts).
 * Read whole at `readAt`, the state held draws the list's time left until the next minute's start
 * only if read within the minute's last seconds before it (see heldFresh): about one read whole a
 * minute instead of six.
 */
export function listUnchanged(state: State, list: DeploymentList, now: number, readAt: number): boolean {
	return heldFresh(readAt, now) && sameRows(state, list) && state.deployments.every(d => !ACTIVE.includes(d.status) || settled(d, now));
}

/**
 * Whether the index lists the document's deployments of the state held, in the same order, each
 * with the same row, but for the deployment `except` (whatever its row).
 */
export function sameRows(state: State, list: DeploymentList, except?: string): boolean {
	const indexed = new Set(list.deployments.map(s => s.id));
	// One the index lacks: ended, from the archive; or gone from the document since (it ended now).
	if (state.deployments.some(d => !indexed.has(d.id) && !isArchivable(d))) return false;
	const held = state.deployments.filter(d => indexed.has(d.id));
	if (held.length !== list.deployments.length) return false;
	// Field by field, every field by name (a field the summary gains is compared too), without
	// building a string per row: the index is compared at every change notice, several a second.
	return list.deployments.every((s, i) => s.id === held[i]!.id && (s.id === except || sameNode(s, summaryOf(held[i]!))));
}

/** Whether a live deployment's row holds still whatever samples came since the state held. */
function settled(d: Deployment, now: number): boolean {
	const worst = summaryOf(d).worst;
	if (worst !== 'ok' && worst !== 'none') return false;
	// Not baking yet (the target has not confirmed the tier): read every tick until it is.
	if (!d.bake) return false;
	// Near the end the list counts seconds, then shows the gate's verdict: read every tick.
	const endsAt = bakeEndsAt(d);
	if (endsAt - now > 0 && endsAt - now < NEAR_END_MS) return false;
	return d.plan.bakeMs - bakeElapsed(d, now) > NEAR_END_MS;
}

const summaries = new WeakMap<Deployment, DeploymentSummary>();
/** A deployment's summary, once per deployment read (the store keeps unchanged ones identical). */
function summaryOf(d: Deployment): DeploymentSummary {
	let s = summaries.get(d);
	if (!s) summaries.set(d, (s = deploymentSummary(d)));
	return s;
}
