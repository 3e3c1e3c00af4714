import {useCallback, useEffect, useRef, useState} from 'react';
import type {State} from '../../core/index.js';
import type {Store} from '../../store/api.js';
import {createCoalescer} from '../model/coalesce.js';
import {errorOutcome} from '../model/outcome.js';

export interface Snapshot {
	/** The last state read; kept when a later read fails, so the screen never goes blank. */
	state?: State;
	/** Why the last read failed (a corrupt file names its path). */
	error?: string;
	/** Bumped when the audit trail or the metrics log changed: the panes that show them reload. */
	auditVersion: number;
	metricsVersion: number;
}

/**
 * The store's state, live. Change notices from any process are coalesced, and reads never
 * overlap: a notice during a read schedules exactly one more.
 */
export function useStoreState(store: Store, coalesceMs: number, initial?: State): {snapshot: Snapshot; reload: () => void} {
	const [snapshot, setSnapshot] = useState<Snapshot>(() => ({...(initial ? {state: initial} : {}), auditVersion: 0, metricsVersion: 0}));
	const reading = useRef(false);
	const again = useRef(false);
	const alive = useRef(true);

	const reload = useCallback(() => {
		if (reading.current) {
			again.current = true;
			return;
		}
		reading.current = true;
		store
			.read()
			.then(
				state => alive.current && setSnapshot(s => ({...s, state, error: undefined})),
				(error: unknown) => alive.current && setSnapshot(s => ({...s, error: errorOutcome(error).text})),
			)
			.finally(() => {
				reading.current = false;
				if (again.current && alive.current) {
					again.current = false;
					reload();
				}
			});
	}, [store]);

	useEffect(() => {
		alive.current = true;
		// Read again even with a first state in hand: it may have moved before the watch began.
		reload();
		const coalescer = createCoalescer(coalesceMs, what => {
			if (what.state) reload();
			if (what.audit || what.metrics) {
				setSnapshot(s => ({
					...s,
					auditVersion: s.auditVersion + (what.audit ? 1 : 0),
					metricsVersion: s.metricsVersion + (what.metrics ? 1 : 0),
				}));
			}
		});
		const unwatch = store.watch(notice => coalescer.push(notice));
		return () => {
			alive.current = false;
			coalescer.cancel();
			unwatch();
		};
	}, [store, coalesceMs, reload]);

	return {snapshot, reload};
}
