import {trustMisfit} from '../core/trust-fit.js';
import type {Store} from '../store/api.js';
import type {Cli} from './context.js';
import {refusedError} from './errors.js';

/** Refuses (exit 1) to lead the engine from a box whose trust verifies none of the store's keys and services (core/trust-fit.ts). */
export async function assertTrustFits(cli: Cli, store: Store): Promise<void> {
	const misfit = trustMisfit(cli.trust, await store.read());
	if (misfit) throw refusedError(misfit, 'TRUST_MISFIT');
}
