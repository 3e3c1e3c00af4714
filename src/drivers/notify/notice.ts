import type {AuditEvent} from '../../core/events.js';
import {SEVERITY_OF, type NotifyEvent, type Severity} from '../../core/model/index.js';

/**
 * What one notification says, before any format: what happened, why, and the commands that act on
 * it. `why`, `actor` and `service` come from people, agents or routers (a halt's reason, a target's
 * error): the formats (message.ts) cut and escape them.
 */
export interface Notice {
	event: NotifyEvent;
	severity: Severity;
	/** Sent at most once per key in a leader's lifetime: the audit seq, or the deadline's own id. */
	key: string;
	/** The deployment or lease it is about. */
	subject: string;
	service?: string;
	/** When it happened (the event's time, or the deadline). */
	at: string;
	/** The audit event it comes from, when it does. */
	seq?: number;
	/** What happened, in one line. */
	title: string;
	why: string;
	actor?: string;
	/** Commands to act, with placeholders (`--reason "…"`) where a person must say something. */
	act: string[];
}

/** The deployment events that notify, by the audit kind that records them. */
const BY_KIND: Record<string, NotifyEvent> = {
	'deployment.halted': 'halted',
	'deployment.rolled_back': 'rolled_back',
	'deployment.rollback_failed': 'rollback_failed',
	'deployment.completed': 'completed',
	// The keys' request, not the status change: it names the request a cosign must sign.
	'tier.cosign_requested': 'awaiting_cosign',
};

const num = (v: unknown) => (typeof v === 'number' ? v : undefined);
const str = (v: unknown) => (typeof v === 'string' ? v : undefined);

/** The commands that act on a deployment in this event's situation. */
export function actions(event: NotifyEvent, id: string, extra: {request?: string; service?: string} = {}): string[] {
	switch (event) {
		case 'halted':
			return [`calyx rollback ${id} --reason "…"`, `calyx canary resume ${id} --reason "…"`];
		case 'rollback_failed':
			return [`calyx canary status ${id}`, `calyx rollback ${id} --reason "…"`];
		case 'rolled_back':
			return [extra.service ? `calyx history ${extra.service}` : `calyx canary status ${id}`];
		case 'awaiting_cosign':
		case 'deadline_near':
			return [`calyx canary status ${id}`, `calyx canary cosign ${id} --key <key> --request ${extra.request ?? 'TK-…'}`];
		case 'completed':
			return [];
	}
}

function title(event: NotifyEvent, id: string, data: Record<string, unknown>): string {
	const at = num(data.percent) === undefined ? '' : ` at ${num(data.percent)}%`;
	switch (event) {
		case 'halted':
			return `${id} halted${at}${str(data.trigger) ? ` (${str(data.trigger)})` : ''}`;
		case 'rolled_back':
			return `${id} rolled back, verified against its snapshot`;
		case 'rollback_failed':
			return `${id}: rollback FAILED${at}: the target is not verified at its snapshot`;
		case 'awaiting_cosign':
			return `${id} waits for two keys: ${num(data.from) ?? '?'}% → ${num(data.to) ?? '?'}%`;
		default:
			return `${id} completed${at}`;
	}
}

/**
 * The notices in a run of committed audit events, oldest first. A renewed tier request (the last
 * one expired unsigned) is not news: only a request that follows the deployment's entry into
 * `awaiting_cosign` in the same commit notifies.
 */
export function noticesOf(events: readonly (AuditEvent & {rev?: number})[], serviceOf: (id: string) => string | undefined): Notice[] {
	const out: Notice[] = [];
	for (const [i, e] of events.entries()) {
		const event = BY_KIND[e.kind];
		if (!event) continue;
		if (e.kind === 'tier.cosign_requested' && !events.slice(0, i).some(p => p.kind === 'deployment.awaiting_cosign' && p.subject === e.subject && p.rev === e.rev)) continue;
		const service = serviceOf(e.subject);
		const request = str(e.data.request);
		out.push({
			event,
			severity: SEVERITY_OF[event],
			key: `seq:${e.seq}`,
			subject: e.subject,
			...(service ? {service} : {}),
			at: e.at,
			seq: e.seq,
			title: title(event, e.subject, e.data),
			why: e.reason,
			actor: e.actor,
			act: actions(event, e.subject, {...(request ? {request} : {}), ...(service ? {service} : {})}),
		});
	}
	return out;
}
