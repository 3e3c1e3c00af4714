/**
 * Over SSH an arrow key (ESC [ A) can arrive split across reads. Ink flushes a lone ESC at once,
 * so the split arrives as Esc followed by the text "[A" — or "[" then "A". Esc is harmless here
 * (it only goes back), and this guard swallows the tail that follows it, so the tail can never be
 * read as keys. Replies a terminal sends unasked (cursor reports, focus events) are swallowed too.
 */
export interface EscapeGuard {
	/** True when this input is the tail of an escape sequence and must not be handled. */
	drop(input: string, key: {escape: boolean; meta: boolean}): boolean;
}

const CONTROL_REPLY = /^(\[[\d;?<]*[A-Za-z~]|O[A-Za-z])$/;
const TAIL_START = /^[[O][\d;?<]*[A-Za-z~]?$/;
const TAIL_REST = /^[\d;?<]*[A-Za-z~]$/;

export function createEscapeGuard(now: () => number, windowMs = 100): EscapeGuard {
	let armedAt = Number.NEGATIVE_INFINITY;
	let midSequence = false;
	const armed = () => now() - armedAt <= windowMs;
	return {
		drop(input, key) {
			if (key.escape) {
				armedAt = now();
				midSequence = false;
				return false;
			}
			// ESC [ flushed together arrives as a meta "[": the start of a split sequence.
			if (key.meta && (input === '[' || input === 'O')) {
				armedAt = now();
				midSequence = true;
				return true;
			}
			if (CONTROL_REPLY.test(input)) return true;
			if (!armed()) return false;
			if (TAIL_START.test(input)) {
				armedAt = now();
				midSequence = input.length === 1;
				return true;
			}
			if (midSequence && TAIL_REST.test(input)) {
				midSequence = false;
				return true;
			}
			return false;
		},
	};
}
