import {displayDeep, type AuditEvent} from '../../core/index.js';
import {hideHeaderValues} from './hidden-headers.js';

/**
 * What the screen draws is cut and escaped (`displayText`): data may hold anything an older
 * version or a hand edit left there. A control character would reach the terminal (a window
 * title, the clipboard, a colour the operator takes for the console's own), and a megabyte of
 * reason would hold ink for minutes laying it out. The views are computed from the state as
 * stored (a lease verifies over its intent's exact text) and escaped as views: `displayDeep` in
 * screen.ts, list-frame.ts and for the dialogs; the audit trail here, once per read. An event's
 * data may hold a service definition (`service.applied` carries the signed statement): its
 * headers are named, their values replaced by `[not shown]` (see hidden-headers.ts).
 */
const events = new WeakMap<readonly AuditEvent[], AuditEvent[]>();

export function shownEvents(list: readonly AuditEvent[]): AuditEvent[] {
	let out = events.get(list);
	if (!out) events.set(list, (out = displayDeep(hideHeaderValues(list as AuditEvent[]))));
	return out;
}
