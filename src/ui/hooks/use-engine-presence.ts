import {useEffect, useState} from 'react';
import type {Store} from '../../store/api.js';

/** Whether anyone drives the canaries: this console, another process, or nobody (found out, not assumed). */
export type EnginePresence = 'self' | 'other' | 'none' | 'unknown';

/** What the header says of the engine: who drives, and, when another process does, which one (`pid 1234 on ops-2`). */
export interface EngineSeen {
	presence: EnginePresence;
	/** The leading process as the store names it; its host is the store's text, not escaped here. */
	leader?: string;
}

/** Asks now and every `pollMs` while `active`: the last answer, undefined until there is one or when asking failed. */
function usePolled<T>(active: boolean, ask: () => Promise<T>, store: Store, pollMs: number): T | undefined {
	const [answer, setAnswer] = useState<T | undefined>(undefined);
	useEffect(() => {
		if (!active) return;
		let alive = true;
		const once = () =>
			ask().then(
				a => alive && setAnswer(a),
				() => alive && setAnswer(undefined),
			);
		void once();
		const timer = setInterval(() => void once(), pollMs);
		return () => {
			alive = false;
			clearInterval(timer);
		};
		// `ask` is a fresh closure over the store on every render: the store is what it asks.
	}, [active, store, pollMs]);
	return active ? answer : undefined;
}

/**
 * A read-only console or a follower does not drive the engine itself: it asks the store every
 * `pollMs` whether some process leads, and which (on an etcd store, maybe one on another box), so
 * that an operator sees at once when canaries are no longer sampled, gated or halted by anyone
 * (the leading console was closed, `calyx engine` died) and where to look when they are.
 */
export function useEnginePresence(store: Store, role: 'leader' | 'follower', pollMs: number): EngineSeen {
	// A string (or null: nobody leads) so that the same leader asked again renders nothing anew.
	const ask = () => store.engineLeader().then(holder => (holder ? `pid ${holder.pid} on ${holder.host}` : null));
	const leader = usePolled(role !== 'leader', ask, store, pollMs);
	if (role === 'leader') return {presence: 'self'};
	if (leader === undefined) return {presence: 'unknown'};
	return leader === null ? {presence: 'none'} : {presence: 'other', leader};
}

/**
 * The leading console asks, the same way, how many engines wait to take over: quitting it stops
 * its engine, and the operator is told whether the live canaries stay driven. Undefined: not known.
 */
export function useEngineFollowers(store: Store, role: 'leader' | 'follower', pollMs: number): number | undefined {
	return usePolled(role === 'leader', () => store.engineFollowers(), store, pollMs);
}
