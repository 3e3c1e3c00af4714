import {EventEmitter} from 'node:events';

/**
 * Paints frames onto the alternate screen line by line, at absolute positions, writing only the
 * lines that changed, at most `maxFps` times a second.
 *
 * Ink renders into `frames` in its debug mode, where (as documented) every write is one whole
 * frame; this writer decides what reaches the terminal. Ink 6's own `incrementalRendering` would
 * spare the unchanged lines too, but in 6.8 it moves the cursor up one line short after every frame
 * that ends in a newline (every frame shorter than the terminal, which ours always is), so each
 * update lands a row lower: seen in tmux. Without it ink rewrites the whole frame on any change.
 */
export interface ScreenWriter {
	/** The stream to hand ink (`stdout`): a TTY of the terminal's size that takes whole frames. */
	readonly frames: NodeJS.WriteStream;
	/** Paints a frame still waiting for its slot now (before leaving the screen). */
	flush(): void;
	close(): void;
}

const CSI = '\u001B[';
const CLEAR_SCREEN = `${CSI}H${CSI}2J`;

/** The bytes that turn the screen showing `shown` into `next` (or paint `next` on a cleared screen). */
export function paintDiff(shown: readonly string[] | undefined, next: readonly string[]): string {
	let out = shown ? '' : CLEAR_SCREEN;
	const rows = Math.max(shown?.length ?? 0, next.length);
	for (let i = 0; i < rows; i++) {
		const line = next[i] ?? '';
		if (shown ? line === (shown[i] ?? '') : line === '') continue;
		out += `${CSI}${i + 1};1H${line}${CSI}K`;
	}
	return out;
}

export function createScreenWriter(terminal: NodeJS.WriteStream, opts: {maxFps: number; now?: () => number}): ScreenWriter {
	const now = opts.now ?? (() => performance.now());
	const interval = 1000 / opts.maxFps;
	// Undefined: the terminal's content is unknown (first frame, after a resize): repaint it all.
	let shown: string[] | undefined;
	let pending: string | undefined;
	let timer: ReturnType<typeof setTimeout> | undefined;
	let last = Number.NEGATIVE_INFINITY;

	const paint = () => {
		timer = undefined;
		if (pending === undefined) return;
		const next = pending.split('\n');
		pending = undefined;
		last = now();
		const bytes = paintDiff(shown, next);
		shown = next;
		if (bytes) terminal.write(bytes);
	};
	const frame = (text: string) => {
		pending = text;
		if (timer) return;
		const wait = last + interval - now();
		if (wait <= 0) paint();
		else timer = setTimeout(paint, wait);
	};

	const sink = new EventEmitter() as EventEmitter & Record<string, unknown>;
	Object.assign(sink, {
		isTTY: true,
		writable: true,
		destroyed: false,
		writableEnded: false,
		write(chunk: string | Uint8Array, ...rest: unknown[]) {
			const text = typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
			if (text !== '') frame(text);
			(rest.find(x => typeof x === 'function') as (() => void) | undefined)?.();
			return true;
		},
	});
	Object.defineProperties(sink, {
		columns: {get: () => terminal.columns},
		rows: {get: () => terminal.rows},
	});
	// A resize reflows or clears the terminal in ways nobody can know: repaint everything.
	const onResize = () => {
		shown = undefined;
		sink.emit('resize');
	};
	terminal.on('resize', onResize);

	return {
		frames: sink as unknown as NodeJS.WriteStream,
		flush() {
			if (timer) clearTimeout(timer);
			paint();
		},
		close() {
			if (timer) clearTimeout(timer);
			timer = undefined;
			terminal.off('resize', onResize);
		},
	};
}
