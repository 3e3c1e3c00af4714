import type {ChangeNotice} from '../../store/api.js';

/** What changed in either of two notices. */
export const mergeNotices = (a: ChangeNotice, b: ChangeNotice): ChangeNotice => ({state: a.state || b.state, audit: a.audit || b.audit, metrics: a.metrics || b.metrics});

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
			pending = pending ? mergeNotices(pending, notice) : {...notice};
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
