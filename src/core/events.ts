/**
 * What the engine hands to the store for every command and transition. The store adds
 * `seq`, `prevHash` and `hash` when it chains the event into the audit trail.
 */
export interface EventDraft {
	at: string;
	actor: string;
	kind: string;
	subject: string;
	reason: string;
	data: Record<string, unknown>;
}

export interface AuditEvent extends EventDraft {
	seq: number;
	prevHash: string;
	hash: string;
}
