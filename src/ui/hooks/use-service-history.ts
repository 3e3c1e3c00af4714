import {useEffect, useState} from 'react';
import type {HistoryRow} from '../../core/view/history.js';
import type {Store} from '../../store/api.js';
import {consoleServiceHistory} from '../../store/console-reads.js';
import {errorOutcome} from '../model/outcome.js';

export interface ServiceHistory {
	service: string;
	rows?: HistoryRow[];
	older?: boolean;
	error?: string;
}

/** Rows the history view reads: as many as `calyx history` shows by default. */
export const HISTORY_LIMIT = 20;

/**
 * The history of `service` while the view shows it, read through the store (views never read
 * disk): once when it opens, and again when `version` says the service's deployments changed (a
 * leader ticking every second changes nothing a history row shows).
 */
export function useServiceHistory(store: Store, service: string | undefined, version: string): ServiceHistory | undefined {
	const [shown, setShown] = useState<ServiceHistory | undefined>(undefined);
	useEffect(() => {
		if (!service) return void setShown(undefined);
		let alive = true;
		consoleServiceHistory(store, service, HISTORY_LIMIT)
			.then(({rows, older}) => alive && setShown({service, rows, older}))
			.catch((error: unknown) => alive && setShown({service, error: errorOutcome(error).text}));
		return () => {
			alive = false;
		};
	}, [store, service, version]);
	return shown?.service === service ? shown : undefined;
}
