import {sameNode} from '../components/same-node.js';
import type {ShownBlock} from './blocks.js';
import type {KeyContext} from './console-state.js';
import {fitText} from './styled.js';

/**
 * A live detail's figures (gauges, sparklines, ages, the bake) move every second, while the rest
 * of the screen holds still for minutes. Drawn through ink, each second was a pass over the whole
 * frame: every box laid out, every line of it written, tokenized and measured again, about two
 * thirds of an idle detail's cost. The detail's one-line rows are styled strings (see styled.ts),
 * so where only those rows changed the console paints them itself, over ink's frame (see
 * LivePatcher in screen-writer.ts), and ink draws again only when the screen's shape changes.
 */

/** A detail as drawn: what the frame around it says, the blocks in view, and what the keys act on. */
export interface DetailFrame {
	/** Everything on screen outside the detail's rows that a new state or time could change (the header's counts, the tabs, the status line). */
	chrome: string;
	visible: readonly ShownBlock[];
	more: boolean;
	keys: Partial<KeyContext>;
}

/**
 * The rows (line index on screen → text) that turn the detail drawn as `shown` into `next`, or
 * undefined when `next` is not the same screen with other text in its rows: the chrome changed, a
 * block came, went, grew or moved, a block ink draws (a table) changed. Then ink draws it.
 * `top` is the line the pane starts on; rows are cut to `width` as ink cuts them.
 */
export function detailPatch(shown: DetailFrame, next: DetailFrame, top: number, width: number): Map<number, string> | undefined {
	if (next.chrome !== shown.chrome || next.more !== shown.more || next.visible.length !== shown.visible.length) return undefined;
	const rows = new Map<number, string>();
	let row = top;
	for (const [i, {block, rows: height}] of next.visible.entries()) {
		const was = shown.visible[i]!;
		if (block.key !== was.block.key || height !== was.rows || block.height !== was.block.height) return undefined;
		if (block.text !== undefined && was.block.text !== undefined) rows.set(row, fitText(block.text, width));
		else if (block.text !== undefined || was.block.text !== undefined || !sameNode(block.node, was.block.node)) return undefined;
		row += height;
	}
	return rows;
}
