import type {render} from 'ink-testing-library';

export type Rendered = ReturnType<typeof render>;

/** One turn of the event loop: ink flushes a lone Esc on setImmediate, so keys after it stay separate. */
export const turn = () => new Promise<void>(resolve => setImmediate(resolve));

/** Polls `probe` until it returns something truthy, or fails after the deadline saying what it waited for. */
export async function waitFor<T>(probe: () => T | undefined | null | false, what: () => string, timeoutMs = 5000): Promise<T> {
	const deadline = Date.now() + timeoutMs;
	for (;;) {
		const value = probe();
		if (value) return value;
		if (Date.now() > deadline) throw new Error(`timed out waiting for ${what()}`);
		await new Promise(resolve => setTimeout(resolve, 2));
	}
}

export const frameOf = (r: Rendered) => r.lastFrame() ?? '';

/** Waits for a frame that contains `text` (or passes the test) and returns it. */
export function waitForFrame(r: Rendered, test: string | RegExp | ((frame: string) => boolean), timeoutMs?: number): Promise<string> {
	const ok = (f: string) => (typeof test === 'string' ? f.includes(test) : test instanceof RegExp ? test.test(f) : test(f));
	return waitFor(
		() => {
			const f = frameOf(r);
			return ok(f) ? f : undefined;
		},
		() => `a frame with ${String(test)}; the last frame was:\n${frameOf(r)}`,
		timeoutMs,
	);
}

/** Ink attaches its input listener in an effect: keys written before that are lost. */
export const inputReady = (r: Rendered) => waitFor(() => r.stdin.listenerCount('readable') > 0, () => 'the input listener');

/** Types keys one by one, letting ink finish each (and flush a lone Esc) before the next. */
export async function press(r: Rendered, ...keys: string[]): Promise<void> {
	for (const k of keys) {
		r.stdin.write(k);
		await turn();
	}
}

/** Types a string character by character. */
export const type = (r: Rendered, text: string) => press(r, ...text);

export const KEY = {enter: '\r', esc: '\u001B', up: '\u001B[A', down: '\u001B[B', tab: '\t', backspace: '\u007F', ctrlC: '\u0003'} as const;

export const lineCount = (frame: string) => frame.split('\n').length;

/** The list row marked as selected (`›`). */
export const selectedLine = (frame: string) => frame.split('\n').find(l => l.startsWith('›')) ?? '';

/** Moves the selection down, one row at a time (each move seen on screen), to the row with `id`. */
export async function selectRow(r: Rendered, id: string, max = 100): Promise<void> {
	for (let i = 0; i < max; i++) {
		const before = selectedLine(frameOf(r));
		if (before.includes(id)) return;
		await press(r, 'j');
		// A bound, not a pace: a loaded 2-core box has taken over 2 s for one frame here.
		await waitForFrame(r, f => selectedLine(f) !== before, 5000);
	}
	throw new Error(`no row ${id} below the selection`);
}

/**
 * Waits until every key sent so far has been handled: keys are handled in order, so once the
 * help this opens is on screen (and closed again), everything before it has been seen.
 */
export async function settled(r: Rendered): Promise<void> {
	await press(r, '?');
	await waitForFrame(r, 'Esc or ? closes');
	await press(r, '?');
	await waitForFrame(r, f => !f.includes('Esc or ? closes'));
}

/** Scrolls the open cosign dialog down to its end, a row at a time: its y is taken only then. */
export async function readToEnd(r: Rendered): Promise<void> {
	await waitForFrame(r, 'Cosign');
	while (/↓ \d+ more line/.test(frameOf(r))) {
		const before = frameOf(r);
		await press(r, 'j');
		await waitForFrame(r, f => f !== before);
	}
}
