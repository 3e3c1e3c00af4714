import type {State} from '../core/model/index.js';
import {checkIndex, type IndexCheck} from './archive-reindex.js';
import {describeDebris, findDebris} from './debris.js';
import type {StorePaths} from './paths.js';
import {recoveryPlan} from './reconcile.js';

/** What `calyx repair` would do, and what it would leave, in words; reads only. */
export async function repairPlan(paths: StorePaths, state: State): Promise<{actions: string[]; left: string[]; index: IndexCheck}> {
	const {actions, left} = describeDebris(paths, await findDebris(paths));
	const index = await checkIndex(paths, state.rev);
	return {
		actions: [...(await recoveryPlan(paths, state)), ...actions, ...(index.rebuild ? [`rebuild ${paths.archiveIndex} from ${paths.archive}: ${index.rebuild}`] : [])],
		left: [...left, ...(index.left ? [index.left] : [])],
		index,
	};
}
