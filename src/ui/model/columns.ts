/**
 * Column layout for the dense lists. Each column has a minimum width, an optional maximum it may
 * grow to, and a priority: when the terminal is narrow, the highest priority number goes first.
 * Priority 0 never drops (the selection marker).
 */
export interface Column {
	id: string;
	title: string;
	min: number;
	max?: number;
	priority: number;
	/**
	 * Which column gets spare width first, lowest first (default: its priority). A short key field
	 * can be dropped late yet widened early, so a wide column after it does not take all the room.
	 */
	grow?: number;
}

export interface FittedColumn extends Column {
	width: number;
}

export const GAP = 1;

const used = (cols: readonly Column[]) => cols.reduce((n, c) => n + c.min, 0) + GAP * Math.max(0, cols.length - 1);

export function fitColumns(columns: readonly Column[], total: number): FittedColumn[] {
	let kept = [...columns];
	while (used(kept) > total) {
		const droppable = kept.filter(c => c.priority > 0);
		if (droppable.length === 0) break;
		const victim = droppable.reduce((a, b) => (b.priority >= a.priority ? b : a));
		kept = kept.filter(c => c !== victim);
	}
	const widths = new Map(kept.map(c => [c.id, c.min]));
	let spare = Math.max(0, total - used(kept));
	for (const col of [...kept].sort((a, b) => (a.grow ?? a.priority) - (b.grow ?? b.priority))) {
		if (spare === 0) break;
		const grow = Math.min(spare, (col.max ?? col.min) - col.min);
		widths.set(col.id, col.min + grow);
		spare -= grow;
	}
	return kept.map(c => ({...c, width: widths.get(c.id)!}));
}

/**
 * The first visible row of a window of `height` rows over `count`, moving as little as possible
 * from `top` to keep `selected` in view.
 */
export function scrollTop(top: number, selected: number, height: number, count: number): number {
	if (height <= 0 || count <= height) return 0;
	let next = Math.min(Math.max(0, top), count - height);
	if (selected < next) next = selected;
	if (selected >= next + height) next = selected - height + 1;
	return Math.max(0, Math.min(next, count - height));
}

/** Rows left for a list whose pane has `height` lines when `summary` lines under it describe the selection (kept only when the list still gets a few rows). */
export const rowsAboveSummary = (height: number, summary: number) => (height > summary + 3 ? height - summary : height);

/** A cell's text at exactly `width` columns: padded, or cut with an ellipsis. */
export function fitCell(text: string, width: number): string {
	const chars = [...text];
	if (chars.length <= width) return text + ' '.repeat(width - chars.length);
	return width <= 0 ? '' : `${chars.slice(0, width - 1).join('')}…`;
}
