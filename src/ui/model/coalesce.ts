import type {ChangeNotice} from '../../store/api.js';

/**
 * Folds a burst of change notices into one refresh: the first notice starts a timer, the ones
 * that arrive before it fires only widen what changed. A leader ticking fifty canaries then costs
 * one read and one frame, not fifty.
 */
export function createCoalescer(delayMs: number, flush: (what: ChangeNotice) => void) {
	let pending: ChangeNotice | undefined;
	let timer: ReturnType<typeof setTimeout> | undefined;
	return {
		push(notice: ChangeNotice): void {
			pending = pending
				? {state: pending.state || notice.state, audit: pending.audit || notice.audit, metrics: pending.metrics || notice.metrics}
				: {...notice};
			timer ??= setTimeout(() => {
				const what = pending!;
				pending = undefined;
				timer = undefined;
				flush(what);
			}, delayMs);
		},
		cancel(): void {
			if (timer) clearTimeout(timer);
			timer = undefined;
			pending = undefined;
		},
	};
}
