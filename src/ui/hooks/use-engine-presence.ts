import {useEffect, useState} from 'react';
import type {Store} from '../../store/api.js';

/** Whether anyone drives the canaries: this console, another process, or nobody (found out, not assumed). */
export type EnginePresence = 'self' | 'other' | 'none' | 'unknown';

/**
 * A read-only console or a follower does not drive the engine itself: it asks the store every
 * `pollMs` whether some process leads, so that an operator sees at once when canaries are no
 * longer sampled, gated or halted by anyone (the leading console was closed, `calyx engine` died).
 */
export function useEnginePresence(store: Store, role: 'leader' | 'follower', pollMs: number): EnginePresence {
	const [other, setOther] = useState<EnginePresence>('unknown');
	useEffect(() => {
		if (role === 'leader') return;
		let alive = true;
		const ask = () =>
			store.engineLeader().then(
				holder => alive && setOther(holder ? 'other' : 'none'),
				() => alive && setOther('unknown'),
			);
		void ask();
		const timer = setInterval(() => void ask(), pollMs);
		return () => {
			alive = false;
			clearInterval(timer);
		};
	}, [store, role, pollMs]);
	return role === 'leader' ? 'self' : other;
}
