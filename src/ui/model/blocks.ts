import type {ReactNode} from 'react';

/**
 * The detail view scrolls by blocks: most are one line, a table is one block of its full height,
 * so the top of the pane always starts on a whole block and the height of what is shown is known.
 */
export type Block = {
	key: string;
	height: number;
	/** Drawn whole or not at all: a heading cut from the line under it says nothing. */
	whole?: boolean;
} & (
	| {node: ReactNode; text?: undefined}
	/**
	 * A one-line block given as its row, a styled string (see styled.ts): a row the console can
	 * also paint without ink (see live-detail.ts). Cut to the pane's width where it is drawn.
	 */
	| {text: string; node?: undefined; height: 1}
);

/** A block on screen and the rows of it drawn: fewer than its height when the pane cuts it. */
export interface ShownBlock {
	block: Block;
	rows: number;
}

/**
 * What the pane shows from block `offset` on. When the rest does not fit, the pane is filled up
 * to its last line, the block at the edge cut (unless it must stay whole), and that line says
 * more is below: a table too tall for the space left must not leave the rows above the hint
 * empty, where they read as the end of the detail.
 */
export function visibleBlocks(blocks: readonly Block[], offset: number, height: number): {visible: ShownBlock[]; more: boolean} {
	const rest = blocks.slice(Math.max(0, Math.min(offset, blocks.length)));
	const total = rest.reduce((n, b) => n + b.height, 0);
	const room = total <= height ? height : height - 1;
	const visible: ShownBlock[] = [];
	let used = 0;
	for (const block of rest) {
		const rows = Math.min(block.height, room - used);
		if (rows <= 0 || (block.whole && rows < block.height)) break;
		visible.push({block, rows});
		used += rows;
	}
	return {visible, more: total > height};
}

/**
 * The largest useful offset: from there on everything left fits, so the hint is shown exactly
 * below it. Never past the last block (a last block taller than the pane starts at its top).
 */
export function maxOffset(blocks: readonly Block[], height: number): number {
	let used = 0;
	let i = blocks.length;
	while (i > 0 && used + blocks[i - 1]!.height <= height) used += blocks[--i]!.height;
	return Math.max(0, Math.min(i, blocks.length - 1));
}
