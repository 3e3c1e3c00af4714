import {driftReason} from '../core/config-record.js';
import {trustMisfit} from '../core/trust-fit.js';
import {mismatchReason} from '../core/trust-binding.js';
import type {BatchStore} from '../store/api.js';
import {trustRefusal} from '../store/batch.js';
import {movedError} from '../store/moved.js';
import type {Cli} from './context.js';
import {refusedError} from './errors.js';

/**
 * Refuses (exit 1) to lead the engine from a store a migration sealed (its targets are the copy's
 * engine's now), from a box under a trust the store is not bound to (core/trust-binding.ts), or
 * whose trust verifies none of the store's keys and services (core/trust-fit.ts). Warns of a
 * configuration that differs from the trail's record of it (core/config-record.ts).
 */
export async function assertMayLead(cli: Cli, store: BatchStore): Promise<void> {
	const state = await store.read();
	if (state.moved) throw movedError(state.moved);
	const checked = await store.checkedTrust();
	if (checked.foreign !== undefined) throw refusedError(`${mismatchReason(cli.trust, checked.foreign).message}. An engine here would write nothing: it does not lead (watch with --readonly)`, 'TRUST_MISMATCH');
	// Every write it would make is refused: it must not drive a target first (a pending rollback, a tier).
	const refused = trustRefusal(state, checked);
	if (refused) throw refusedError(`${refused.message}. An engine here would write nothing: it does not lead (watch with --readonly)`, refused.code);
	const misfit = trustMisfit(cli.trust, state);
	if (misfit) throw refusedError(misfit, 'TRUST_MISFIT');
	// Said, not refused: halts and rollbacks must go on; nothing new is leased or started on it.
	if (checked.configDrift) cli.err(`calyx: warning: ${driftReason(checked.configDrift, 'this engine leads (halts and rollbacks go on)')}`);
}
