import {checksum} from './canonical.js';
import type {Deployment, Desired, Split, TargetKind} from './model/index.js';
import {textProblem} from './text.js';

/**
 * The engine never calls a target: it decides a `desired` step and learns what the target did from
 * commands the reconciler records (`target.applied`, `target.failed`, `target.sanity`). This file
 * holds the pure rules both sides share: what a step asks for, what confirms it, what a reading is.
 */

export interface Step {
	version: string;
	/** Canary traffic share, 0–100. */
	percent: number;
	/** The last step: the canary carries all traffic and becomes the stable version. */
	final: boolean;
}

/**
 * What the caller of `canary.start` read from the target just before (outside any lock): the split
 * in force, the service's load when the target reports one, and when it was read. The pre-checks
 * and the rollback pack's snapshot come from it.
 */
export interface TargetReading {
	kind: TargetKind;
	split: Split;
	/** Load on the service's capacity in percent; absent when the target does not report it. */
	load?: number;
	at: string;
	/** The service's Prometheus, probed with the target (a definition with a Prometheus source only). */
	metrics?: {ok: boolean; detail: string};
}

/** A reading older than this does not start a canary: the snapshot would describe another moment. */
export const READING_MAX_AGE_MS = 60_000;

/**
 * Why a split may not be stored, or undefined: the versions in it are the target's words (a router,
 * an exec hook's output), untrusted text held to the rules every other text is held to at entry.
 */
export function splitTextProblem(split: Split): string | undefined {
	for (const side of ['stable', 'canary'] as const) {
		const version = split[side].version;
		const problem = version === undefined ? undefined : textProblem(version, 128);
		if (problem) return `${side}.version: ${problem}`;
	}
	return undefined;
}

/**
 * The checksum a rollback is verified by: the canary's share and the versions each side reports.
 * Not the weights: a router may express one share with many (HAProxy's 256/0 and 100/0 are both
 * "all on stable"), and the revert asks for the share.
 */
export const splitChecksum = (split: Split) =>
	checksum({percent: roundPercent(split.percent), stable: {version: split.stable.version ?? null}, canary: {version: split.canary.version ?? null}});

/** Shares are compared at 0.01 %: a router's 1/3 and a report's 33.33 are the same split. */
export const roundPercent = (p: number) => Math.round(p * 100) / 100;

/** The version serving all traffic, when the target says: the stable side at 0 %, the canary at 100 %. */
export function runningVersion(split: Split): string | undefined {
	if (split.percent === 0) return split.stable.version;
	if (split.percent === 100) return split.canary.version;
	return undefined;
}

export const stepName = (step: Step) => (step.final ? 'final' : `tier-${step.percent}`);

/** The step a deployment's current tier asks for (`final` past its last tier). */
export function tierStep(dep: Pick<Deployment, 'plan' | 'tierIndex' | 'toVersion'>, final = false): Step {
	return final ? {version: dep.toVersion, percent: 100, final: true} : {version: dep.toVersion, percent: dep.plan.tiers[dep.tierIndex]!, final: false};
}

/** Whether a deployment waits for its target: the decision is not confirmed, or its sanity check not run. */
export function awaitingTarget(dep: Pick<Deployment, 'desired' | 'observed'>): boolean {
	return dep.observed?.generation !== dep.desired.generation || dep.observed.sanity === 'pending';
}

/**
 * Whether a split read back carries the desired step. The final step is carried either way a router
 * can show it: all traffic on the canary, or (a fleet that promotes, like the simulator) the new
 * version as the stable side with no canary traffic.
 */
export function carries(desired: Desired, split: Split, versions: {from: string; to: string}): boolean {
	const same = (a: number, b: number) => Math.abs(a - b) < 0.5;
	// A version the target reports on the canary side must be the one this deployment rolls out.
	const canaryRunsTo = split.canary.version === undefined || split.canary.version === versions.to;
	if (desired.step === 'final') return (same(split.percent, 100) && canaryRunsTo) || (same(split.percent, 0) && split.stable.version === versions.to);
	if (!same(split.percent, desired.percent)) return false;
	return split.percent === 0 || canaryRunsTo;
}
