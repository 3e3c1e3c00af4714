import {useMemo, useSyncExternalStore} from 'react';
import type {DeliveryHealth, SinkTrouble} from '../../drivers/notify/index.js';

const NONE: readonly SinkTrouble[] = [];
const QUIET = {subscribe: () => () => undefined, get: () => NONE};

/**
 * The sinks the notifier of this console's engine fails to reach, as it reports them: a sink that
 * is down is on screen from its first failed attempt until it takes a message again. A console that
 * notifies nothing (read-only, or no sink) has none.
 */
export function useNotifyHealth(health: DeliveryHealth | undefined): readonly SinkTrouble[] {
	// Stable functions: a new subscribe on every render would unsubscribe and subscribe again each time.
	const source = useMemo(() => (health ? {subscribe: (l: () => void) => health.subscribe(l), get: () => health.get()} : QUIET), [health]);
	return useSyncExternalStore(source.subscribe, source.get);
}
