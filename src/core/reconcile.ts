import type {Command} from './engine/commands.js';
import {RECONCILED} from './engine/target.js';
import type {Split, State, TargetKind} from './model/index.js';
import {awaitingTarget} from './target.js';

/**
 * What the targets must be asked, derived from the state alone (level-triggered: a new leader
 * derives the same work from the same state, whatever the one before it did or remembered). The
 * reconciler (src/drivers) does the asking outside any lock and records each answer with the
 * commands built here.
 */
export interface WorkBase {
	id: string;
	service: string;
	target: TargetKind;
	generation: number;
	percent: number;
	tier: number;
}

export type TargetWork =
	| (WorkBase & {op: 'apply'; step: 'tier' | 'final' | 'snapshot'; versions: {stable: string; canary: string}})
	| (WorkBase & {op: 'sanity'});

export function targetWork(state: State): TargetWork[] {
	const work: TargetWork[] = [];
	for (const dep of state.deployments) {
		if (!RECONCILED.includes(dep.status) || !awaitingTarget(dep)) continue;
		// A halted deployment whose target refused its last decision waits for the operator (resume or roll back), not for a retry every cycle.
		if (dep.status === 'halted' && dep.targetError?.generation === dep.desired.generation) continue;
		const {desired} = dep;
		const base = {id: dep.id, service: dep.service, target: dep.target, generation: desired.generation, percent: desired.percent, tier: dep.tierIndex};
		if (dep.observed?.generation !== desired.generation) {
			const step = desired.step === 'final' || desired.step === 'snapshot' ? desired.step : 'tier';
			work.push({...base, op: 'apply', step, versions: {stable: dep.fromVersion, canary: dep.toVersion}});
		} else if (dep.status !== 'rolling_back') work.push({...base, op: 'sanity'});
	}
	return work;
}

export interface AppliedReport {
	split: Split;
	evidence: 'router' | 'claimed';
	persisted?: boolean;
	notes?: string[];
}

export const appliedCommand = (work: TargetWork, report: AppliedReport, sanity: boolean): Command => ({
	type: 'target.applied',
	actor: 'engine',
	id: work.id,
	generation: work.generation,
	split: report.split,
	evidence: report.evidence,
	...(report.persisted !== undefined ? {persisted: report.persisted} : {}),
	...(report.notes?.length ? {notes: report.notes.slice(0, 8)} : {}),
	sanity,
});

export const failedCommand = (work: TargetWork, error: {code: string; message: string; attempts: number; split?: Split}): Command => ({
	type: 'target.failed',
	actor: 'engine',
	id: work.id,
	generation: work.generation,
	code: error.code,
	message: error.message,
	attempts: error.attempts,
	...(error.split ? {split: error.split} : {}),
});

export const sanityCommand = (work: TargetWork, result: {ok: boolean; output: string}): Command => ({
	type: 'target.sanity',
	actor: 'engine',
	id: work.id,
	generation: work.generation,
	ok: result.ok,
	output: result.output,
});
