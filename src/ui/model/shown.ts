import {displayDeep, type AuditEvent, type State} from '../../core/index.js';

/**
 * What the screen draws from: the state and the audit trail with every string cut and escaped
 * (`displayText`). Data may hold anything an older version or a hand edit left there: a control
 * character would reach the terminal (a window title, the clipboard, a colour the operator takes
 * for the console's own), and a megabyte of reason would hold ink for minutes laying it out.
 * Only the views read these; actions are built from the state as stored.
 *
 * Unchanged entities come back as they were (see `displayDeep`), and so does the state itself
 * when nothing in it needed escaping: memoised views keep their identity checks.
 */
const shown = new WeakMap<State, State>();

export function shownState(state: State): State {
	const known = shown.get(state);
	if (known) return known;
	const keys = displayDeep(state.keys);
	const intents = displayDeep(state.intents);
	const leases = displayDeep(state.leases);
	const deployments = displayDeep(state.deployments);
	const same = keys === state.keys && intents === state.intents && leases === state.leases && deployments === state.deployments;
	const out = same ? state : {...state, keys, intents, leases, deployments};
	shown.set(state, out);
	return out;
}

const events = new WeakMap<readonly AuditEvent[], AuditEvent[]>();

export function shownEvents(list: readonly AuditEvent[]): AuditEvent[] {
	let out = events.get(list);
	if (!out) events.set(list, (out = displayDeep(list as AuditEvent[])));
	return out;
}
