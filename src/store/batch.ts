import type {Clock} from '../core/clock.js';
import type {RecordedSample} from '../core/engine/context.js';
import type {Command} from '../core/engine/commands.js';
import {execute} from '../core/engine/execute.js';
import {EngineError, refused} from '../core/errors.js';
import {bindingEvent, mismatchReason} from '../core/trust-binding.js';
import {storeBinding, unboundRefusal} from '../core/trust-fit.js';
import type {EventDraft} from '../core/events.js';
import type {State} from '../core/model/index.js';
import type {Trust} from '../core/trust.js';
import type {BatchStore, RunResult} from './api.js';

export interface Batch<R> {
	state: State;
	events: EventDraft[];
	samples: RecordedSample[];
	results: R[];
	failed?: {index: number; error: EngineError};
}

/**
 * Runs commands through the engine one after another, each on the state the one before left. Pure
 * apart from the clock: the engine touches no target (drivers do, outside the lock). The refusal
 * ends the batch; its audit event (if any) is kept, to be committed with the commands before it.
 * Anything but an EngineError is thrown.
 */
export function executeBatch<R>(state: State, cmds: readonly Command[], clock: Clock, trust: Trust): Batch<R> {
	// Under a trust the store is not bound to, nothing is written but the rebind its admins signed.
	const unbound = trust.unbound ? unboundRefusal(trust, state) : undefined;
	if (unbound) return {state, events: [], samples: [], results: [], failed: {index: 0, error: refused('TRUST_MISFIT', unbound)}};
	if (trust.foreign !== undefined && cmds.some(c => c.type !== 'trust.rebind')) {
		const reason = mismatchReason(trust, trust.foreign);
		return {state, events: [], samples: [], results: [], failed: {index: 0, error: refused(reason.code, reason.message)}};
	}
	let current = state;
	const events: EventDraft[] = [];
	const samples: RecordedSample[] = [];
	const results: R[] = [];
	const done = (failed?: Batch<R>['failed']): Batch<R> => {
		const binding = trust.unbound && events.length > 0 ? storeBinding(trust, state, current) : undefined;
		if (binding) events.unshift(bindingEvent(trust, events[0]!.at, events[0]!.actor, binding.proof));
		return {state: current, events, samples, results, ...(failed ? {failed} : {})};
	};
	for (const [index, cmd] of cmds.entries()) {
		try {
			const out = execute<R>(current, cmd, {clock, trust});
			current = out.state;
			events.push(...out.events);
			samples.push(...out.samples);
			results.push(out.result);
		} catch (error) {
			if (!(error instanceof EngineError)) throw error;
			if (error.audit) events.push(error.audit);
			return done({index, error});
		}
	}
	return done();
}

/** One command as a batch of one: its refusal (already committed if it carries an audit event) is rethrown. */
export async function runAlone<R>(store: Pick<BatchStore, 'runMany'>, cmd: Command, opts: {clock?: Clock}): Promise<RunResult<R>> {
	const out = await store.runMany<R>([cmd], opts);
	if (out.failed) throw out.failed.error;
	return {result: out.results[0]!, rev: out.rev, events: out.events};
}
