import type {ReactNode} from 'react';

/**
 * The detail view scrolls by blocks: most are one line, a table is one block of its full height,
 * so nothing is ever cut in half and the height of what is shown is always known.
 */
export interface Block {
	key: string;
	height: number;
	node: ReactNode;
}

export function visibleBlocks(blocks: readonly Block[], offset: number, height: number): {visible: Block[]; more: boolean} {
	const from = Math.max(0, Math.min(offset, blocks.length));
	const fitFrom = (reserve: number) => {
		const out: Block[] = [];
		let used = 0;
		for (const b of blocks.slice(from)) {
			if (used + b.height > height - reserve) break;
			out.push(b);
			used += b.height;
		}
		return out;
	};
	const all = fitFrom(0);
	if (from + all.length >= blocks.length) return {visible: all, more: false};
	return {visible: fitFrom(1), more: true};
}

/** The largest useful offset: from there on, everything left fits. */
export function maxOffset(blocks: readonly Block[], height: number): number {
	let used = 0;
	let i = blocks.length;
	while (i > 0 && used + blocks[i - 1]!.height <= height) used += blocks[--i]!.height;
	return i;
}
