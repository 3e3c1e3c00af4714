import {trustMisfit} from '../core/trust-fit.js';
import type {Store} from '../store/api.js';
import {movedError} from '../store/moved.js';
import type {Cli} from './context.js';
import {refusedError} from './errors.js';

/**
 * Refuses (exit 1) to lead the engine from a store a migration sealed (its targets are the copy's
 * engine's now), or from a box whose trust verifies none of the store's keys and services (core/trust-fit.ts).
 */
export async function assertMayLead(cli: Cli, store: Store): Promise<void> {
	const state = await store.read();
	if (state.moved) throw movedError(state.moved);
	const misfit = trustMisfit(cli.trust, state);
	if (misfit) throw refusedError(misfit, 'TRUST_MISFIT');
}
