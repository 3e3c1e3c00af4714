import {EngineError, statusWord, type Command, type Intent, type KeyRecord, type Role, type RollbackRecord} from '../../core/index.js';
import type {Dialog} from './dialog.js';

/** What the status line says after an action: every outcome and every refusal, never silence. */
export interface Outcome {
	ok: boolean;
	text: string;
	/** A deployment the action started: the console selects it, so Enter opens it. */
	watch?: string;
	/** Done, but the target has not confirmed it yet: said as news (·), neither ✓ nor ✗. */
	pending?: boolean;
	/** A group acted on at least one of its deployments (its marks are then spent). */
	done?: boolean;
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

/** The key to name in a hint: the one registered, unrevoked key of the role, else a placeholder. */
export function keyFor(role: Role, keys: readonly KeyRecord[]): string {
	const live = keys.filter(k => k.role === role && !k.revokedAt);
	return live.length === 1 ? live[0]!.id : `<${role} key>`;
}

/**
 * What the operator does once a signature is in, given the roles still missing after it: `s` in
 * the console once both keys signed, else the command that adds the next key. Short enough that
 * the status line shows the whole command at 80 columns.
 */
export function nextAfterCosign(leaseId: string, missing: readonly Role[], keys: readonly KeyRecord[]): string {
	if (missing.length === 0) return NEXT.signed;
	const role = missing[0]!;
	return `${missing.join(' and ')} key next: CALYX_KEY=${keyFor(role, keys)} calyx lease sign ${leaseId}`;
}

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
			// The start rests on the reading the dialog showed: never one taken behind the operator's back.
			if (!d.reading) throw new Error('the target has not been read: open the dialog again');
			return {type: 'canary.start', leaseId: d.target, reading: d.reading, ...base};
		case 'tierCosign':
			// The request the dialog showed, by id: the engine refuses it (STALE_REQUEST) if another was asked for since.
			if (!signature || !d.request) throw new Error('a tier cosign needs a signature over the request shown');
			return {type: 'tier.cosign', id: d.target, requestId: d.request, role: signature.role, keyId: signature.keyId, signature: signature.signature, ...base};
		case 'group':
			if (!d.group) throw new Error('a group action needs its deployments');
			return {type: 'group', action: d.group.action, ids: [...d.group.ids], reason: d.reason, ...base};
		case 'approve':
			if (!signature) throw new Error('an approval needs a signature');
			return {type: 'intent.approve', id: d.target, reason: d.reason.trim(), keyId: signature.keyId, signature: signature.signature, ...base};
	}
}

type Result = Record<string, unknown>;

/** A rollback decided but not yet read back by the target: never reported as rolled back, nor as failed. */
export const STILL_REVERTING = 'still reverting (target not confirmed yet)';

function rollbackText(id: string, r: Result): Outcome {
	const record = r.rollback as RollbackRecord | undefined;
	if (r.verified) return {ok: true, text: `rolled back ${id}: target verified against the snapshot`};
	if (record && !record.endedAt && !record.error) return {ok: true, pending: true, text: `rolling back ${id}: ${STILL_REVERTING}`};
	return {ok: false, text: `ROLLBACK FAILED for ${id}: ${record?.error ?? `target ${record?.actualChecksum?.slice(0, 12)} ≠ snapshot ${record?.expectedChecksum?.slice(0, 12)}`}`};
}

/** What a dialog's action did; `keys` (the registered ones) name the key a cosign still waits for. */
export function successOutcome(d: Dialog, result: unknown, keys: readonly KeyRecord[] = []): Outcome {
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
			// Only the next step, whole: the status line is one row at 80 columns, its ✓ says the
			// signature is in, and the header says whose key it was. The engine names the roles
			// still missing.
			const missing = Array.isArray(r.missing) ? (r.missing as Role[]) : [];
			if (r.activated || missing.length > 0) return {ok: true, text: nextAfterCosign(id, r.activated ? [] : missing, keys)};
			return {ok: true, text: `signed, but the lease does not verify: calyx lease verify ${id} says why`};
		}
		case 'start': {
			const dep = String(r.id);
			// A first tier whose sanity check fails halts at once: started, but not running.
			if (r.status !== 'running') return {ok: true, watch: dep, text: `started ${dep} from ${id}, now ${statusWord(String(r.status))} at ${r.percent}%: ${NEXT.stopped}`};
			return {ok: true, watch: dep, text: `started ${dep}: ${NEXT.started}`};
		}
		case 'approve':
			return {ok: true, text: `approved ${id}: ${NEXT.approved(id)}`};
		case 'tierCosign':
			return tierCosignText(d, r, keys);
		case 'group':
			return groupText(d, r);
	}
}

/** After one key's signature on a keyed tier: promoted, the other key next, or why not. */
function tierCosignText(d: Dialog, r: Result, keys: readonly KeyRecord[]): Outcome {
	const id = d.target;
	if (r.promoted) return {ok: true, text: `both keys signed ${id}: promoted to ${r.to}%${r.status === 'completed' ? ' (completed)' : ''}`};
	const missing = Array.isArray(r.missing) ? (r.missing as Role[]) : [];
	if (missing.length > 0) return {ok: true, text: `signed: ${missing[0]} key next: CALYX_KEY=${keyFor(missing[0]!, keys)} calyx canary cosign ${id}`};
	return {ok: false, text: `both keys signed, not promoted: ${id} is ${statusWord(String(r.status))} (the gate no longer passes; keys are asked again)`};
}

interface GroupResult {
	group?: string;
	outcomes?: Array<{id: string; ok: boolean; status?: string; code?: string; message?: string}>;
}

/** Which of the group were done and which not, by id: a partial group is a ✗ (something was not done). */
function groupText(d: Dialog, r: Result): Outcome {
	const {group, outcomes = []} = r as GroupResult;
	const verb = d.group?.action === 'rollback' ? 'rolled back' : 'halted';
	const done = outcomes.filter(o => o.ok).map(o => o.id);
	const not = outcomes.filter(o => !o.ok).map(o => `${o.id} (${o.code ?? 'refused'})`);
	// Those not done first: the status line is one row, and they are what the operator acts on next.
	const head = `${verb} ${done.length} of ${outcomes.length} (${group ?? 'group'})`;
	const text = not.length > 0 ? `${head}; not done: ${not.join(', ')}; done: ${done.join(', ') || 'none'}` : `${head}: ${done.join(', ')}`;
	return {ok: not.length === 0, text, done: done.length > 0};
}

const isStoreError = (e: unknown): e is Error & {code: string} =>
	e instanceof Error && e.name === 'StoreError' && typeof (e as {code?: unknown}).code === 'string';

export function errorOutcome(error: unknown): Outcome {
	if (error instanceof EngineError) {
		if (error.kind === 'conflict') return {ok: false, text: STALE};
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
