import type {CanaryPlan, Config, Deployment, Sample} from '../model/index.js';
import {replay, type ReplayResult} from './replay.js';

/** A deployment as it was recorded, with the samples the metrics log holds of it. */
export interface RecordedRun {
	deployment: Deployment;
	samples: readonly Sample[];
}

export interface ReplayOptions {
	config?: Config;
	horizonMs?: number;
}

/**
 * A plan against what a past deployment recorded: its samples from its start, judged by the
 * metrics its service definition gave it (sources, custom metrics, budgets, warm-up) and on its
 * own target. Only the plan is the caller's: the question is what this plan would have done.
 */
export function replayRecorded(run: RecordedRun, plan: CanaryPlan, opts: ReplayOptions = {}): ReplayResult {
	const d = run.deployment;
	return replay({
		plan,
		samples: run.samples,
		service: d.service,
		fromVersion: d.fromVersion,
		toVersion: d.toVersion,
		target: d.target,
		...(d.definition ? {definition: d.definition} : {}),
		snapshot: d.pack.snapshot,
		startAt: d.createdAt,
		...opts,
	});
}

export interface TrackRecord {
	service: string;
	/** Newest first; `result` absent for a deployment that recorded no sample (nothing to replay). */
	runs: Array<{deploymentId: string; result?: ReplayResult}>;
	completed: number;
	halted: number;
	unfinished: number;
	unsampled: number;
	/** `this plan against the last 5 deployments of checkout: 4 complete, 1 halted at 25% on error rate` */
	line: string;
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

/** Counted by what they say, most frequent first; ties in the order first met (newest deployment first). */
function grouped(labels: readonly string[]): Array<[string, number]> {
	const counts = new Map<string, number>();
	for (const l of labels) counts.set(l, (counts.get(l) ?? 0) + 1);
	return [...counts].sort((a, b) => b[1] - a[1]);
}

/**
 * What a plan would have done to a service's recent deployments, in one line for whoever is about
 * to sign it (`lease show`, the console's cosign dialog): how strict the plan is, on evidence.
 */
export function trackRecord(plan: CanaryPlan, service: string, runs: readonly RecordedRun[], opts: ReplayOptions = {}): TrackRecord {
	const replayed = runs.map(r => ({deploymentId: r.deployment.id, ...(r.samples.length > 0 ? {result: replayRecorded(r, plan, opts)} : {})}));
	const verdicts = replayed.flatMap(r => (r.result ? [r.result.verdict] : []));
	const halts = verdicts.filter(v => v.outcome === 'halted').map(v => `halted at ${v.percent}%${v.on ? ` on ${v.on.join(' and ')}` : v.trigger === 'deadline' ? ' past its progress deadline' : ''}`);
	const open = verdicts.filter(v => v.outcome === 'unfinished').map(v => `unfinished at ${v.percent}%`);
	const completed = verdicts.filter(v => v.outcome === 'completed').length;
	const unsampled = replayed.length - verdicts.length;
	const parts = [
		...(completed > 0 ? [`${completed} complete`] : []),
		...grouped(halts).map(([what, n]) => `${n} ${what}`),
		...grouped(open).map(([what, n]) => `${n} ${what}`),
		...(unsampled > 0 ? [`${unsampled} without samples`] : []),
	];
	const line =
		replayed.length === 0
			? `this plan has no past deployment of ${service} to be replayed against`
			: `this plan against the last ${replayed.length === 1 ? 'deployment' : plural(replayed.length, 'deployment')} of ${service}: ${parts.join(', ')}`;
	return {service, runs: replayed, completed, halted: halts.length, unfinished: open.length, unsampled, line};
}
