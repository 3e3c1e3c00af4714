/**
 * The reconciler: for each deployment whose `desired` step its target has not confirmed, call the
 * target (outside any lock, bounded by `callDriver`), then record what it read back, or why it
 * failed, as a command. Level-triggered: the work comes from the state as it is now (core's
 * `targetWork`), and the driver applies the desired split whatever the router holds, so a leader
 * killed anywhere leaves work that the next one finishes without a second decision; a report that
 * another process recorded first is refused by the engine and changes nothing.
 */
import type {Clock} from '../core/clock.js';
import type {Command} from '../core/engine/commands.js';
import {EngineError} from '../core/errors.js';
import {signedDefinition} from '../core/deployment-definition.js';
import type {State} from '../core/model/index.js';
import type {Trust} from '../core/trust.js';
import {appliedCommand, failedCommand, sanityCommand, targetWork, type TargetWork} from '../core/reconcile.js';
import type {Store} from '../store/api.js';
import {callDriver, DEFAULT_POLICY, type CallPolicy} from './call.js';
import {refuseIfMoved} from '../store/moved.js';
import {resolveTarget, splitOf, type ResolvedTarget, type ResolveEnv} from './targets/resolve.js';

/** Refusals that mean "someone else recorded it already" or "the decision moved on": not failures. */
const SETTLED = new Set(['STALE_REPORT', 'ALREADY_CONFIRMED', 'NO_SANITY_DUE', 'NOT_RECONCILED', 'NOT_FOUND']);

export interface ReconcileOptions {
	clock?: Clock;
	policy?: CallPolicy;
	signal?: AbortSignal;
	/** Only this deployment's work (a CLI command finishing what it decided). */
	only?: string;
	resolve?: (work: TargetWork) => ResolvedTarget;
}

export interface ReconcileOutcome {
	work: TargetWork;
	command: Command;
	/** Recorded, or refused as settled by another process (then `settled` names the code). */
	settled?: string;
}

async function answer(work: TargetWork, target: ResolvedTarget, policy: CallPolicy, signal: AbortSignal | undefined): Promise<Command> {
	const context = {deployment: work.id, tier: work.tier, percent: work.percent, ...(work.op === 'apply' ? {step: work.step, versions: work.versions} : {})};
	const env = signal ? {signal} : {};
	if (work.op === 'sanity') {
		const check = target.sanity!;
		const result = await callDriver(`${target.kind} sanity ${work.percent}%`, s => check(work.tier, {signal: s, context}), {...policy, retries: 0}, env);
		return sanityCommand(work, result.ok ? result.value : {ok: false, output: result.error.message});
	}
	const label = work.step === 'snapshot' ? `${target.kind} revert to ${work.percent}%` : `${target.kind} apply ${work.percent}%`;
	const result = await callDriver(label, s => target.driver.apply(work.percent, {signal: s, context}), policy, env);
	if (result.ok) {
		const report = result.value;
		return appliedCommand(work, {split: splitOf(report), evidence: report.evidence, ...(report.persisted !== undefined ? {persisted: report.persisted} : {}), notes: report.notes}, target.sanity !== undefined);
	}
	const seen = result.error.report;
	return failedCommand(work, {code: result.error.code, message: result.error.message, attempts: result.attempts.length, ...(seen ? {split: splitOf(seen)} : {})});
}

/**
 * The driver for a piece of work, from the definition the deployment's lease signed, proven against
 * its signatures: a definition that does not prove out runs nothing (the work fails, loudly).
 */
function provenTarget(state: State, trust: Trust, work: TargetWork, env: ResolveEnv): ResolvedTarget | {problem: string} {
	const dep = state.deployments.find(d => d.id === work.id)!;
	const proven = signedDefinition(state, trust, dep);
	if ('problem' in proven) return proven;
	try {
		return resolveTarget(work.service, env, proven.definition ? {definition: proven.definition} : {});
	} catch (error) {
		return {problem: error instanceof Error ? error.message : String(error)};
	}
}

/** One pass: every pending piece of work, each deployment's in parallel, each recorded as it comes. */
export async function reconcileOnce(store: Store, env: ResolveEnv, opts: ReconcileOptions = {}): Promise<ReconcileOutcome[]> {
	const state = await store.read();
	// Sealed by a migration: the engine on the copy drives these targets now; this one must not touch them.
	refuseIfMoved(state);
	const work = targetWork(state).filter(w => opts.only === undefined || w.id === opts.only);
	const policy = opts.policy ?? DEFAULT_POLICY;
	return Promise.all(
		work.map(async w => {
			const target = opts.resolve ? opts.resolve(w) : provenTarget(state, store.trust, w, env);
			const command = 'problem' in target ? failedCommand(w, {code: 'settings', message: target.problem, attempts: 1}) : await answer(w, target, policy, opts.signal);
			try {
				await store.run(command, opts.clock ? {clock: opts.clock} : {});
				return {work: w, command};
			} catch (error) {
				if (error instanceof EngineError && SETTLED.has(error.code)) return {work: w, command, settled: error.code};
				throw error;
			}
		}),
	);
}

/**
 * Reconciles until the deployment's target has nothing left to do (applied, then its sanity check),
 * or `rounds` passes: what a CLI command runs after deciding, so that `calyx rollback` answers with
 * the verified outcome rather than a promise.
 */
export async function reconcileDeployment(store: Store, env: ResolveEnv, id: string, opts: Omit<ReconcileOptions, 'only'> = {}, rounds = 3): Promise<ReconcileOutcome[]> {
	const all: ReconcileOutcome[] = [];
	for (let i = 0; i < rounds; i++) {
		const done = await reconcileOnce(store, env, {...opts, only: id});
		if (done.length === 0) break;
		all.push(...done);
	}
	return all;
}
