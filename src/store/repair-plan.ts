import type {State} from '../core/model/index.js';
import {checkIndex, type IndexCheck} from './archive-reindex.js';
import {describeDebris, findDebris} from './debris.js';
import {Journal} from './journal.js';
import {cutSamples} from './journal-gap.js';
import type {StorePaths} from './paths.js';
import {recoveryPlan} from './reconcile.js';

/** What `calyx repair` would do, and what it would leave, in words; reads only. */
export async function repairPlan(paths: StorePaths, state: State): Promise<{actions: string[]; left: string[]; index: IndexCheck}> {
	const {actions, left} = describeDebris(paths, await findDebris(paths));
	const index = await checkIndex(paths, state.rev);
	const journal = new Journal(paths.journal).load();
	const samples = await cutSamples(paths.metrics, journal.records);
	const cut = [
		...(journal.torn > 0 ? [`cut the ${journal.torn} bytes a commit stopped while writing left at the end of ${paths.journal} (it did not take effect), and empty the journal into the document`] : []),
		...(samples ? [`append again to ${paths.metrics} the ${samples.count} samples of committed journal records (rev ${samples.revs.join(', ')}) a crash cut from it`] : []),
	];
	return {
		actions: [...(await recoveryPlan(paths, state)), ...actions, ...cut, ...(index.rebuild ? [`rebuild ${paths.archiveIndex} from ${paths.archive}: ${index.rebuild}`] : [])],
		left: [...left, ...(index.left ? [index.left] : [])],
		index,
	};
}
