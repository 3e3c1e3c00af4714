import {EventEmitter} from 'node:events';
import {asciiGlyph, charWidth} from '../core/view/glyphs.js';

export {charWidth};

/**
 * Paints frames onto the alternate screen line by line, at absolute positions, writing only the
 * lines that changed, at most `maxFps` times a second.
 *
 * Ink renders into `frames` in its debug mode, where (as documented) every write is one whole
 * frame; this writer decides what reaches the terminal. Ink 6's own `incrementalRendering` would
 * spare the unchanged lines too, but in 6.8 it moves the cursor up one line short after every frame
 * that ends in a newline (every frame shorter than the terminal, which ours always is), so each
 * update lands a row lower: seen in tmux. Without it ink rewrites the whole frame on any change.
 * Between ink's frames it also paints rows the console composed itself (see LivePatcher).
 */
export interface ScreenWriter extends LivePatcher {
	/** The stream to hand ink (`stdout`): a TTY of the terminal's size that takes whole frames. */
	readonly frames: NodeJS.WriteStream;
	/** Paints a frame still waiting for its slot now (before leaving the screen). */
	flush(): void;
	close(): void;
}

/**
 * Rows painted between ink's frames: a screen whose only change is text in rows ink drew (a live
 * detail's figures, every second) is painted without ink laying out and writing the whole frame.
 */
export interface LivePatcher {
	/** Which of ink's frames is on screen: counts up with every frame ink writes, and with a resize. */
	generation(): number;
	/**
	 * Paints `rows` (line index → styled text) over frame `base`, until ink writes the next frame,
	 * which replaces them. Refused (false) when `base` is no longer the frame on screen: the rows
	 * were composed for a screen that has changed since (a dialog opened, the terminal resized).
	 * Ink writes a row's colours in fewer codes than chalk does: the first frame after rows were
	 * painted repaints them (the same on screen), a few KB once per change of shape.
	 */
	patch(base: number, rows: ReadonlyMap<number, string>): boolean;
}

const same = (ch: string) => ch;
const CSI = '\u001B[';
const CLEAR_SCREEN = `${CSI}H${CSI}2J`;
const RESET = `${CSI}0m`;
// An escape sequence: CSI (colours end in `m`; anything else moves the cursor or erases), or OSC.
const ESCAPE = /^\u001B(?:\[[0-?]*[ -/]*[@-~]|\][^\u0007\u001B]*(?:\u0007|\u001B\\)|[@-Z\\-_])/;

/** A line's visible width when painted (colours take no room). */
export interface Clipped {
	text: string;
	width: number;
	/** Whether anything visible was cut off. */
	cut: boolean;
}

/**
 * A frame line cut to `columns`, keeping its colours and dropping any other escape (a cursor move
 * inside a frame line would paint somewhere this writer does not know about). A line wider than
 * the terminal must never reach it: it wraps into the next row, or scrolls the screen at the
 * bottom, and every later diff then paints over a screen it no longer knows. `glyph` draws each
 * character (asciiGlyph on a terminal that is not UTF-8), in as many cells as it takes.
 */
export function clipLine(line: string, columns: number, glyph: (ch: string) => string = same): Clipped {
	let text = '';
	let width = 0;
	let styled = false;
	let cut = false;
	for (let i = 0; i < line.length; ) {
		const esc = line[i] === '\u001B' ? ESCAPE.exec(line.slice(i)) : null;
		if (esc) {
			if (esc[0].startsWith(CSI) && esc[0].endsWith('m')) {
				text += esc[0];
				styled = true;
			}
			i += esc[0].length;
			continue;
		}
		const ch = String.fromCodePoint(line.codePointAt(i)!);
		i += ch.length;
		if (ch === '\r' || ch === '\u0007') continue;
		const w = charWidth(ch);
		if (width + w > columns) {
			cut = true;
			break;
		}
		text += glyph(ch);
		width += w;
	}
	// A cut may drop the reset that ended the line's last colour.
	return {text: styled && cut ? text + RESET : text, width, cut};
}

/** A frame as the terminal can show it: at most `rows` lines, none wider than `columns`. */
export const fitFrame = (frame: string, columns: number, rows: number, glyph: (ch: string) => string = same): string[] =>
	frame
		.split('\n')
		.slice(0, Math.max(1, rows))
		.map(l => clipLine(l, columns, glyph).text);

/**
 * The bytes that turn the screen showing `shown` into `next` (or paint `next` on a cleared screen),
 * for lines already fitted to `columns`.
 */
export function paintDiff(shown: readonly string[] | undefined, next: readonly string[], columns = Number.POSITIVE_INFINITY): string {
	let out = shown ? '' : CLEAR_SCREEN;
	const rows = Math.max(shown?.length ?? 0, next.length);
	for (let i = 0; i < rows; i++) {
		const line = next[i] ?? '';
		if (shown ? line === (shown[i] ?? '') : line === '') continue;
		// A full-width line leaves the cursor on its last cell: an erase there would blank that cell.
		const erase = clipLine(line, columns).width >= columns ? '' : `${CSI}K`;
		out += `${CSI}${i + 1};1H${line}${erase}`;
	}
	return out;
}

/** `ascii`: the terminal is not UTF-8 (see glyphs.ts); every frame and painted row is drawn in ASCII. */
export function createScreenWriter(terminal: NodeJS.WriteStream, opts: {maxFps: number; now?: () => number; ascii?: boolean}): ScreenWriter {
	const now = opts.now ?? (() => performance.now());
	const glyph = opts.ascii ? asciiGlyph : same;
	const interval = 1000 / opts.maxFps;
	// Undefined: the terminal's content is unknown (first frame, after a resize): repaint it all.
	let shown: string[] | undefined;
	// Ink's last frame, and the rows painted over it since; undefined until ink writes one for this size.
	let frame: string | undefined;
	let fitted: {frame: string; columns: number; rows: number; lines: string[]} | undefined;
	const overlay = new Map<number, string>();
	let generation = 0;
	let dirty = false;
	let timer: ReturnType<typeof setTimeout> | undefined;
	let last = Number.NEGATIVE_INFINITY;

	const paint = () => {
		timer = undefined;
		if (!dirty || frame === undefined) return;
		dirty = false;
		const columns = terminal.columns || 80;
		// rows − 1, as the layout does: a frame reaching the last row scrolls the screen under the diff.
		const rows = (terminal.rows || 24) - 1;
		if (fitted?.frame !== frame || fitted.columns !== columns || fitted.rows !== rows) fitted = {frame, columns, rows, lines: fitFrame(frame, columns, rows, glyph)};
		const next = fitted.lines.slice();
		for (const [row, text] of overlay) if (row < next.length) next[row] = clipLine(text, columns, glyph).text;
		last = now();
		const bytes = paintDiff(shown, next, columns);
		shown = next;
		if (bytes) terminal.write(bytes);
	};
	const schedule = () => {
		dirty = true;
		if (timer) return;
		const wait = last + interval - now();
		if (wait <= 0) paint();
		else timer = setTimeout(paint, wait);
	};
	const onFrame = (text: string) => {
		frame = text;
		generation += 1;
		overlay.clear();
		schedule();
	};

	const sink = new EventEmitter() as EventEmitter & Record<string, unknown>;
	Object.assign(sink, {
		isTTY: true,
		writable: true,
		destroyed: false,
		writableEnded: false,
		write(chunk: string | Uint8Array, ...rest: unknown[]) {
			const text = typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
			if (text !== '') onFrame(text);
			(rest.find(x => typeof x === 'function') as (() => void) | undefined)?.();
			return true;
		},
	});
	Object.defineProperties(sink, {
		columns: {get: () => terminal.columns},
		rows: {get: () => terminal.rows},
	});
	// A resize reflows or clears the terminal in ways nobody can know: drop the frame laid out for
	// the old size and repaint everything on a cleared screen from the next frame, which ink lays
	// out for the new size when it hears the resize.
	const onResize = () => {
		if (timer) clearTimeout(timer);
		timer = undefined;
		frame = undefined;
		dirty = false;
		generation += 1;
		overlay.clear();
		shown = undefined;
		last = Number.NEGATIVE_INFINITY;
		sink.emit('resize');
	};
	terminal.on('resize', onResize);

	return {
		frames: sink as unknown as NodeJS.WriteStream,
		generation: () => generation,
		patch(base, rows) {
			if (base !== generation || frame === undefined) return false;
			for (const [row, text] of rows) overlay.set(row, text);
			schedule();
			return true;
		},
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
