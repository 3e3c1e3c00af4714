import {useEffect, useRef, type Dispatch} from 'react';
import type {Clock, State, Trust} from '../../core/index.js';
import type {Dialog} from '../model/dialog.js';
import type {Msg} from '../model/console-state.js';
import {reviewedFacts} from '../model/review.js';
import type {ConsoleTargets} from '../targets.js';

/**
 * Reads the target once a start dialog opens (through the drivers, never in a render): its
 * pre-checks and the start's snapshot rest on that reading, and the facts the operator reviews are
 * taken again with it, so the confirmation stands on what the dialog showed once it had read.
 */
export function useTargetReading(dialog: Dialog | undefined, state: State | undefined, dispatch: Dispatch<Msg>, deps: {targets: ConsoleTargets; clock: Clock; trust: Trust}): void {
	const latest = useRef({state, deps});
	latest.current = {state, deps};
	const wanted = dialog?.action === 'start' && !dialog.reading && !dialog.readingError ? dialog.target : undefined;
	useEffect(() => {
		if (!wanted || !latest.current.state) return;
		let live = true;
		const {targets} = latest.current.deps;
		targets.read(latest.current.state, wanted).then(
			reading => {
				if (!live) return;
				const {state: now, deps: d} = latest.current;
				const reviewed = now ? reviewedFacts({action: 'start', target: wanted, reading}, now, d.clock.now(), d.trust) : undefined;
				dispatch({type: 'reading', target: wanted, reading, ...(reviewed ? {reviewed} : {})});
			},
			(error: unknown) => {
				if (live) dispatch({type: 'reading', target: wanted, error: error instanceof Error ? error.message : String(error)});
			},
		);
		return () => {
			live = false;
		};
	}, [wanted, dialog?.openedAt]);
}
