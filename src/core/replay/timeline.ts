import {ms} from '../clock.js';
import type {EventDraft} from '../events.js';
import type {GateVerdict} from '../gate.js';
import type {GateMetric} from '../metric-specs.js';
import type {Level} from '../model/index.js';
import type {Evaluation, MetricReading} from '../monitor.js';

/** What a replayed deployment did at a moment, in the words a timeline prints. */
export type ReplayAction = 'started' | 'held' | 'cleared' | 'awaiting_promotion' | 'awaiting_cosign' | 'promoted' | 'halted' | 'rolled_back' | 'completed';

/** One metric's value as the gate judged it: what a line of the timeline shows beside the decision. */
export interface ReplayReading {
	metric: string;
	label: string;
	value: number;
	unit: string;
	level: Level;
	/** The value against its bands (`error rate 2.5% (warning > 1%, critical > 2%)`). */
	detail: string;
}

export interface ReplayStep {
	at: string;
	/** Since the replay's first tier began. */
	offsetMs: number;
	/** The canary's share when it happened (for a promotion, the share it promoted to). */
	percent: number;
	action: ReplayAction;
	/** The engine's own words: the hold's reason, the halt's band and value, the gate's verdict. */
	reason: string;
	/** The readings that decided: the sample that halted or held, or the gate's readings that passed. */
	readings: ReplayReading[];
}

/** The engine's events a timeline shows, by kind; the others (the target's confirmations, feeds) are the replay's plumbing. */
const ACTIONS: Readonly<Record<string, ReplayAction>> = {
	'deployment.holding': 'held',
	'deployment.running': 'cleared',
	'deployment.awaiting_promotion': 'awaiting_promotion',
	'deployment.awaiting_cosign': 'awaiting_cosign',
	'canary.promoted': 'promoted',
	'deployment.halted': 'halted',
	'deployment.rolled_back': 'rolled_back',
	'deployment.completed': 'completed',
};

/** Decisions carry the readings behind them; what follows from a decision (a revert verified, the end) does not. */
const DECISIONS: ReadonlySet<ReplayAction> = new Set(['held', 'awaiting_promotion', 'awaiting_cosign', 'promoted', 'halted']);

const readingOf = (m: GateMetric, r: MetricReading): ReplayReading => ({metric: m.key, label: m.label, value: r.value, unit: m.unit, level: r.level, detail: r.detail});

/** A sample's readings, the ones that crossed a band first; a halt shows only the criticals that halted it. */
export function sampleReadings(metrics: readonly GateMetric[], evaluation: Evaluation, halted: boolean): ReplayReading[] {
	const rank = {critical: 0, warning: 1, ok: 2} as const;
	return evaluation.readings
		.filter(r => !halted || r.level === 'critical')
		.map(r => readingOf(metrics.find(m => m.key === r.metric)!, r))
		.sort((a, b) => rank[a.level] - rank[b.level]);
}

/** What the gate judged per metric when a tick decided: the value each verdict was about. */
export const gateReadings = (gate: GateVerdict): ReplayReading[] => gate.metrics.flatMap(m => (m.judged ? [readingOf(m.spec, m.judged)] : []));

/**
 * The timeline's steps for one command's events. A promotion out of a hold is said once, as the
 * promotion (the engine records it as two transitions). The readings are asked for only when a
 * decision needs them: the gate is evaluated again for them, and most ticks decide nothing.
 */
export function stepsOf(events: readonly EventDraft[], startMs: number, readings: () => ReplayReading[]): ReplayStep[] {
	const promoted = events.some(e => e.kind === 'canary.promoted');
	let decided: ReplayReading[] | undefined;
	return events.flatMap((e): ReplayStep[] => {
		const action = ACTIONS[e.kind];
		if (!action || (action === 'cleared' && (promoted || e.data.from !== 'holding'))) return [];
		const percent = Number(e.kind === 'canary.promoted' ? e.data.to : e.data.percent);
		// The last tier is 100% too: the step after it is said as what it is.
		const reason = e.data.final === true ? `${e.reason}: the final step` : e.reason;
		return [{at: e.at, offsetMs: ms(e.at) - startMs, percent, action, reason, readings: DECISIONS.has(action) ? (decided ??= readings()) : []}];
	});
}
