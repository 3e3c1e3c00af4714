import type {Clock} from '../core/clock.js';
import type {RecordedSample} from '../core/engine/context.js';
import type {Command} from '../core/engine/commands.js';
import {execute} from '../core/engine/execute.js';
import {EngineError, refused} from '../core/errors.js';
import {bindingEvent, mismatchReason} from '../core/trust-binding.js';
import {settingDigests} from '../core/config-record.js';
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
/**
 * Why nothing is written to `state` under `trust`, or undefined: the store is bound to another
 * trust (only the rebind its admins signed is taken: `rebinding`), or bound to none yet and holding
 * what this trust did not sign. Every write asks, the engine's commands and the store's own
 * (a notice's failure, the demo's seed) alike; a crash's recovery does not (it completes a commit).
 */
export function trustRefusal(state: State, trust: Trust, rebinding = false): EngineError | undefined {
	const unbound = trust.unbound ? unboundRefusal(trust, state) : undefined;
	if (unbound) return refused('TRUST_MISFIT', unbound);
	if (trust.foreign !== undefined && !rebinding) {
		const reason = mismatchReason(trust, trust.foreign);
		return refused(reason.code, reason.message);
	}
	return undefined;
}

export function executeBatch<R>(state: State, cmds: readonly Command[], clock: Clock, trust: Trust): Batch<R> {
	const refusal = trustRefusal(state, trust, cmds.length > 0 && cmds.every(c => c.type === 'trust.rebind'));
	if (refusal) return {state, events: [], samples: [], results: [], failed: {index: 0, error: refusal}};
	let current = state;
	const events: EventDraft[] = [];
	const samples: RecordedSample[] = [];
	const results: R[] = [];
	const done = (failed?: Batch<R>['failed']): Batch<R> => {
		const binding = trust.unbound && events.length > 0 ? storeBinding(trust, state, current) : undefined;
		if (binding) events.unshift(bindingEvent(trust, events[0]!.at, events[0]!.actor, binding.proof, settingDigests(state.config)));
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
