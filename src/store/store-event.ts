import type {EventDraft} from '../core/events.js';

/** An audit event of the store's own (a migration, a recovery): its actor is the store. */
export const storeEvent = (kind: string, reason: string, data: Record<string, unknown>): EventDraft => ({
	at: new Date().toISOString(),
	actor: 'store',
	kind,
	subject: 'state',
	reason,
	data,
});
