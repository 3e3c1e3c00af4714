import {useEffect, useRef} from 'react';
import type {State} from '../../core/index.js';
import {newlyCalling} from '../model/bell.js';

/**
 * Rings the terminal's bell once when a deployment the console shows halts, fails its rollback or
 * waits for two keys: an operator looking elsewhere hears it. Not for what was so when the console
 * opened; `ring` undefined (--no-bell, CALYX_BELL=off) keeps it silent.
 */
export function useBell(state: State | undefined, ring: (() => void) | undefined): void {
	const seen = useRef<Map<string, string> | undefined>(undefined);
	useEffect(() => {
		if (!state) return;
		const before = seen.current;
		seen.current = new Map(state.deployments.map(d => [d.id, d.status]));
		if (before && ring && newlyCalling(before, state.deployments).length > 0) ring();
	}, [state, ring]);
}
