import {useMemo, useSyncExternalStore} from 'react';
import type {Reachability, Store} from '../../store/api.js';

const ALWAYS: Reachability = {reachable: true};
const QUIET = {subscribe: () => () => undefined, get: () => ALWAYS};

/** Whether the store's backend answers (an etcd cluster may not; a data directory always does). */
export function useStoreReachability(store: Store): Reachability {
	// Stable functions: a new subscribe on every render would unsubscribe and subscribe again each time.
	const source = useMemo(() => {
		const probe = store.reachability?.();
		return probe ? {subscribe: (l: () => void) => probe.subscribe(l), get: () => probe.get()} : QUIET;
	}, [store]);
	return useSyncExternalStore(source.subscribe, source.get);
}
