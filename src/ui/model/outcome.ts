import {EngineError, type Command, type Intent, type RollbackRecord} from '../../core/index.js';
import type {Dialog} from './dialog.js';

/** What the status line says after an action: every outcome and every refusal, never silence. */
export interface Outcome {
	ok: boolean;
	text: string;
	/** The view was stale: the dialog stays open over fresh data. */
	conflict?: boolean;
	/** A deployment the action started: the console selects it, so Enter opens it. */
	watch?: string;
}

/**
 * What comes next after each step of the pipeline, in one place: every outcome says it, so the
 * operator finishes the job where they are instead of looking it up.
 */
export const NEXT = {
	approved: (intentId: string) => `issue a lease with calyx lease issue ${intentId}`,
	waiting: (roles: readonly string[]) => `waiting for the ${roles.join(' and ')} key`,
	signed: 'both keys signed: s starts the canary',
	started: 'the engine drives it, Enter to watch',
	stopped: 'Enter to see why',
	halted: 'u resumes, r rolls back',
} as const;

export const STALE = 'state changed, review and retry';

/** What an intent waits for, by its status; `lease` is its lease not yet started, if one was issued. */
export function intentNext(i: Intent, lease?: {id: string; missing: readonly string[]}): string {
	switch (i.status) {
		case 'draft':
			return 'a approves it';
		case 'approved_pending_human':
		case 'leased':
			if (!lease) return NEXT.approved(i.id);
			return `${lease.id} in 2 leases: ${lease.missing.length > 0 ? NEXT.waiting(lease.missing) : NEXT.signed}`;
		case 'deploying':
			return `${i.deploymentId} is live in 1 deployments`;
		case 'deployed':
			return `nothing: ${i.service} runs ${i.toVersion}`;
		case 'rolled_back':
			return 'nothing: rolled back (a new intent starts over)';
	}
}

/** The engine command a confirmed dialog stands for. */
export function commandFor(
	d: Dialog,
	base: {actor: string; expectedRev: number},
	signature?: {role: 'human' | 'agent'; keyId: string; signature: string},
): Command {
	switch (d.action) {
		case 'promote':
			return {type: 'canary.promote', id: d.target, ...base};
		case 'forcePromote':
			return {type: 'canary.promote', id: d.target, force: true, reason: d.reason, ...base};
		case 'halt':
			return {type: 'canary.halt', id: d.target, reason: d.reason, ...base};
		case 'resume':
			return {type: 'canary.resume', id: d.target, reason: d.reason, ...base};
		case 'rollback':
			return {type: 'rollback', id: d.target, reason: d.reason, ...base};
		case 'cosign':
			if (!signature) throw new Error('cosign needs a signature');
			return {type: 'lease.cosign', leaseId: d.target, ...signature, ...base};
		case 'start':
			return {type: 'canary.start', leaseId: d.target, ...base};
		case 'approve':
			return {type: 'intent.approve', id: d.target, reason: d.reason, ...base};
	}
}

type Result = Record<string, unknown>;

function rollbackText(id: string, r: Result): Outcome {
	const record = r.rollback as RollbackRecord | undefined;
	if (r.verified) return {ok: true, text: `rolled back ${id}: target verified against the snapshot`};
	return {ok: false, text: `ROLLBACK FAILED for ${id}: ${record?.error ?? `target ${record?.actualChecksum?.slice(0, 12)} ≠ snapshot ${record?.expectedChecksum?.slice(0, 12)}`}`};
}

export function successOutcome(d: Dialog, result: unknown): Outcome {
	const r = (result ?? {}) as Result;
	const id = d.target;
	switch (d.action) {
		case 'promote':
		case 'forcePromote': {
			const verb = d.action === 'promote' ? 'promoted' : 'force-promoted';
			const done = r.status === 'completed' ? ' (completed)' : '';
			return {ok: true, text: `${verb} ${id}: ${r.from}% → ${r.to}%${done}`};
		}
		case 'halt':
			return {ok: true, text: `halted ${id}: ${NEXT.halted}`};
		case 'resume':
			return {ok: true, text: `resumed ${id} at ${r.percent}%: the tier bakes again`};
		case 'rollback':
			return rollbackText(id, r);
		case 'cosign': {
			const who = `${r.role}:${r.keyId}`;
			if (r.activated) return {ok: true, text: `signed ${id} as ${who}: ${NEXT.signed}`};
			// The engine names the roles still without a valid signature.
			const waiting = Array.isArray(r.missing) ? (r.missing as string[]) : [];
			return {ok: true, text: `signed ${id} as ${who}${waiting.length > 0 ? `: ${NEXT.waiting(waiting)}` : ''}`};
		}
		case 'start': {
			const dep = String(r.id);
			// A first tier whose sanity check fails halts at once: started, but not running.
			if (r.status !== 'running') return {ok: true, watch: dep, text: `started ${dep} from ${id}, now ${r.status} at ${r.percent}%: ${NEXT.stopped}`};
			return {ok: true, watch: dep, text: `started ${dep}: ${NEXT.started}`};
		}
		case 'approve':
			return {ok: true, text: `approved ${id}: ${NEXT.approved(id)}`};
	}
}

const isStoreError = (e: unknown): e is Error & {code: string} =>
	e instanceof Error && e.name === 'StoreError' && typeof (e as {code?: unknown}).code === 'string';

export function errorOutcome(error: unknown): Outcome {
	if (error instanceof EngineError) {
		if (error.kind === 'conflict') return {ok: false, text: STALE, conflict: true};
		const extra = error.reasons.map(r => r.message).filter(m => m !== error.message);
		const prefix = error.kind === 'refused' ? 'refused' : error.kind === 'not_found' ? 'not found' : 'invalid';
		return {ok: false, text: `${prefix}: ${[error.message, ...extra].join('; ')}`};
	}
	if (isStoreError(error)) {
		if (error.code === 'LOCK_TIMEOUT') return {ok: false, text: 'store busy: another process held the lock too long, nothing was applied: retry'};
		return {ok: false, text: `store ${error.code}: ${error.message}`};
	}
	return {ok: false, text: `error: ${error instanceof Error ? error.message : String(error)}`};
}
