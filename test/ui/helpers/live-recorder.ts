import type {LivePatcher} from '../../../src/ui/screen-writer.js';
import {frameOf, type Rendered} from './ink.js';
import type {Mounted} from './mount.js';

export const trimmed = (frame: string) => frame.split('\n').map(l => l.trimEnd()).join('\n');

/**
 * The screen writer's side of the rows the console paints without ink, over ink-testing-library's
 * frames: which of ink's frames is on screen, and the rows painted over it since (see LivePatcher).
 */
export function recorder() {
	let r: Rendered | undefined;
	const frames = () => r?.frames.length ?? 0;
	const patches: Array<{base: number; rows: Map<number, string>}> = [];
	const screen: LivePatcher = {
		generation: frames,
		patch(base, rows) {
			if (base !== frames()) return false;
			patches.push({base, rows: new Map(rows)});
			return true;
		},
	};
	return {
		screen,
		attach: (m: Mounted) => (r = m.r),
		/** Rows painted over the frame on screen now (paints that changed no row left out). */
		painted: () => patches.filter(p => p.base === frames() && p.rows.size > 0),
		/** The terminal as it shows now: ink's last frame with the rows painted over it. */
		shown: () => {
			const lines = frameOf(r!).split('\n');
			for (const p of patches.filter(x => x.base === frames())) for (const [row, text] of p.rows) lines[row] = text;
			return trimmed(lines.join('\n'));
		},
	};
}
