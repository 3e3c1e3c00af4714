import {ms} from '../clock.js';
import {formatDuration} from '../duration.js';
import type {Deployment, TargetKind} from '../model/index.js';
import {escapeControls} from '../text.js';

/** What a deployment wants of its target and what the target confirmed, as every screen shows it. */
export interface TargetView {
	kind: TargetKind;
	desired: {percent: number; step: string; generation: number; at: string};
	/** confirmed: the router reads back the decided split; applying: not yet; failed: its last attempt failed. */
	state: 'confirmed' | 'applying' | 'failed';
	confirmed?: {percent: number; at: string; evidence: 'router' | 'claimed'; persisted?: boolean; notes: string[]};
	sanity?: 'pending' | 'passed' | 'failed' | 'none';
	error?: {code: string; message: string; at: string; attempts: number};
}

export function targetView(dep: Deployment): TargetView {
	const {desired, observed, targetError} = dep;
	const current = observed?.generation === desired.generation;
	const failed = !current && targetError?.generation === desired.generation;
	return {
		kind: dep.target,
		desired: {percent: desired.percent, step: desired.step, generation: desired.generation, at: desired.at},
		state: current ? 'confirmed' : failed ? 'failed' : 'applying',
		...(observed
			? {confirmed: {percent: observed.split.percent, at: observed.at, evidence: observed.evidence, ...(observed.persisted !== undefined ? {persisted: observed.persisted} : {}), notes: observed.notes}}
			: {}),
		...(current ? {sanity: observed.sanity} : {}),
		...(targetError ? {error: {code: targetError.code, message: targetError.message, at: targetError.at, attempts: targetError.attempts}} : {}),
	};
}

/** `25% · confirmed 3s ago`, `25% · applying`, `25% · failed 4s ago: <reason>` (escaped: a router wrote it). */
export function targetWords(view: TargetView, now: number): string {
	const ago = (at: string) => `${formatDuration(Math.max(0, now - ms(at)))} ago`;
	const head = `${view.desired.percent}%`;
	if (view.state === 'confirmed') {
		const claimed = view.confirmed!.evidence === 'claimed' ? ' (claimed by the hook, not read back)' : '';
		return `${head} · confirmed ${ago(view.confirmed!.at)}${claimed}${view.sanity === 'pending' ? ' · sanity check pending' : ''}`;
	}
	if (view.state === 'failed') return `${head} · failed ${ago(view.error!.at)}: ${escapeControls(view.error!.message)}`;
	return `${head} · applying${view.confirmed ? ` (the target confirmed ${view.confirmed.percent}% before)` : ''}`;
}

/**
 * What the header names as the target: the kinds the live deployments steer, `simulated` when
 * nothing live steers a real one (a service without a definition runs on the simulator).
 */
export function targetKinds(state: {deployments: readonly Pick<Deployment, 'status' | 'target'>[]}): string {
	const live = new Set(state.deployments.filter(d => !['completed', 'rolled_back', 'rollback_failed'].includes(d.status)).map(d => d.target));
	return live.size === 0 ? 'simulated' : [...live].sort().join(' + ');
}
