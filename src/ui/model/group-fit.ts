import {displayText} from '../../core/index.js';
import type {Availability} from '../../core/view/actions.js';
import {wrapWords} from '../views/help-lines.js';

// The modal's border and title, the intro line, and the typed step's prompt with room for an error (see Modal, DialogFrame).
const FRAME_ROWS = 2 + 1 + 1 + 3;
const FRAME_COLUMNS = 4;

/**
 * How a group dialog lists its set in a pane: a line per deployment when they fit, else the ids
 * wrapped together; `fits` false when not even that fits. A group acts on what was shown, so a
 * set that cannot be shown whole cannot be confirmed (see groupConfirmable).
 */
export function groupLayout(ids: readonly string[], height: number, width: number): {perRow: boolean; wrapped: string[]; fits: boolean} {
	const room = height - FRAME_ROWS;
	if (ids.length <= room) return {perRow: true, wrapped: [], fits: true};
	const wrapped = wrapWords(ids.map(id => displayText(id)).join(', '), width - FRAME_COLUMNS);
	return {perRow: false, wrapped, fits: wrapped.length <= room};
}

/** The refusal of a group dialog's Enter when its set is not all on screen. */
export function groupConfirmable(target: string, ids: readonly string[], height: number, width: number): Record<string, {group: Availability}> {
	if (groupLayout(ids, height, width).fits) return {};
	return {[target]: {group: {ok: false, why: `the ${ids.length} marked deployments do not fit on screen: enlarge the terminal, or mark fewer (Esc)`}}};
}
