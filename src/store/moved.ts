import type {EventDraft} from '../core/events.js';
import type {Moved, State} from '../core/model/index.js';
import {StoreError} from './errors.js';

/**
 * A store a migration copied elsewhere is sealed (state.moved): an engine left on it would drive
 * the same targets as the one on the copy, each undoing the other's steps, and a command run here
 * would be lost to the copy. Every write and every engine cycle is refused, naming where it went.
 */
export function movedError(moved: Moved): StoreError {
	return new StoreError(
		'MOVED',
		`this store was migrated to ${moved.to} at ${moved.at} (sealed at audit seq ${moved.seq}): nothing is written here and no engine runs from it; use ${/^etcds?:\/\//.test(moved.to) ? '--store' : '--data'} ${moved.to}`,
		moved.to,
	);
}

export function refuseIfMoved(state: State): void {
	if (state.moved) throw movedError(state.moved);
}

/** The sealing commit's change: the state marked and the event that says where the store went. */
export function sealed(state: State, to: string, at: string, copied: {seq: number; hash: string}): {state: State; events: EventDraft[]} {
	return {
		state: {...state, moved: {to, at, seq: copied.seq + 1}},
		events: [{at, actor: 'store', kind: 'store.moved', subject: 'state', reason: `migrated to ${to}; sealed: nothing is written here after this event`, data: {to, copiedHead: copied}}],
	};
}
