import {formatDuration} from '../../core/duration.js';
import type {CanaryPlan} from '../../core/model/index.js';

/** "1 sample", "3 samples". */
export const counted = (n: number, noun: string) => `${n} ${noun}${n === 1 ? '' : 's'}`;

/** A plan in one line, as `lease show` and `plan replay` say it: tiers, bake, samples, switches, keys, deadline. */
export function planLine(p: Pick<CanaryPlan, 'tiers' | 'bakeMs' | 'minSamples' | 'autoPromote' | 'autoRollback' | 'tierKeys' | 'progressDeadlineMs'>): string {
	return [
		`tiers ${p.tiers.join(' → ')}%`,
		`bake ${formatDuration(p.bakeMs)}`,
		`${counted(p.minSamples, 'sample')} per tier`,
		`auto-promote ${p.autoPromote ? 'on' : 'off'}`,
		`auto-rollback ${p.autoRollback ? 'on' : 'off'}`,
		...(p.tierKeys?.length ? [`two keys again before ${p.tierKeys.join('%, ')}%`] : []),
		...(p.progressDeadlineMs !== undefined ? [`halts after ${formatDuration(p.progressDeadlineMs)} past a bake without progress`] : []),
	].join(', ');
}
