import type {Sample} from '../../core/index.js';
import type {Store} from '../../store/api.js';
import {useStoreQuery} from './use-store-query.js';

/** The recent samples of one deployment from the metrics log, for the sparklines. */
export function useSamples(store: Store, deploymentId: string | undefined, version: number, limit: number): Sample[] | undefined {
	return useStoreQuery(deploymentId, version, () => store.samples(deploymentId!, limit)).data;
}
