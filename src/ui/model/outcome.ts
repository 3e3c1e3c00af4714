import {EngineError, type Command, type KeyRecord, type Role, type RollbackRecord} from '../../core/index.js';
import {nextAfterCosign} from './cosign-content.js';
import type {Dialog} from './dialog.js';

/** What the status line says after an action: every outcome and every refusal, never silence. */
export interface Outcome {
	ok: boolean;
	text: string;
}

export const STALE = 'state changed, review and retry';

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
	}
}

type Result = Record<string, unknown>;

function rollbackText(id: string, r: Result): Outcome {
	const record = r.rollback as RollbackRecord | undefined;
	if (r.verified) return {ok: true, text: `rolled back ${id}: target verified against the snapshot`};
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
			return {ok: true, text: `halted ${id}`};
		case 'resume':
			return {ok: true, text: `resumed ${id} at ${r.percent}%: the tier bakes again`};
		case 'rollback':
			return rollbackText(id, r);
		case 'cosign': {
			// Only the next step, whole: the status line is one row, its ✓ says the signature is in,
			// and the header says whose key it was.
			const missing = Array.isArray(r.missing) ? (r.missing as Role[]) : [];
			if (r.activated || missing.length > 0) return {ok: true, text: nextAfterCosign(id, r.activated ? [] : missing, keys)};
			return {ok: true, text: `signed, but the lease does not verify: calyx lease verify ${id} says why`};
		}
	}
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
