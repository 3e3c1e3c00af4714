import {CONTEXTS, type Binding} from '../keymap.js';

export interface HelpEntry {
	key: string;
	keys: string;
	text: string;
}

/** A heading and its keys: laid out together, so a heading never ends a column without its keys. */
export interface HelpSection {
	key: string;
	heading: string;
	entries: HelpEntry[];
}

// Navigate and the actions are short enough to share a column at 80×24; the pane keys take the other.
const GROUPS = [
	['navigate', 'Navigate'],
	['act', 'Actions on the selection'],
	['view', 'Panes and views'],
] as const;

// An action's sentence already names what it acts on (the canary, the selected lease).
const where = (b: Binding) => (b.group === 'act' || b.contexts.length === CONTEXTS.length ? '' : ` (${b.contexts.join(', ')})`);

/** The help, straight from the keymap table: every binding this session has, by group. */
export function helpSections(table: readonly Binding[]): HelpSection[] {
	return GROUPS.flatMap(([group, heading]) => {
		const bindings = table.filter(b => b.group === group);
		if (bindings.length === 0) return [];
		return [{key: group, heading, entries: bindings.map(b => ({key: b.action, keys: b.keys, text: `${b.help}${where(b)}`}))}];
	});
}

/** One cell of a help row: a heading, a key with the first line of its description, or a further line. */
export interface HelpCell {
	key: string;
	heading?: string;
	keys?: string;
	text?: string;
}

/** A terminal row of the help: a cell per column (none where a column has already ended). */
export type HelpRow = ReadonlyArray<HelpCell | undefined>;

export interface HelpLayout {
	columnWidth: number;
	rows: HelpRow[];
}

export const KEYS_WIDTH = 7;
/** Columns narrower than this wrap most descriptions into three lines: one wide column reads better. */
const MIN_COLUMN = 36;
export const GAP = 2;

/** Words in lines of at most `width`; a word longer than a line is cut with an ellipsis. */
export function wrapWords(text: string, width: number): string[] {
	const lines: string[] = [];
	let line = '';
	for (const word of text.split(/\s+/).filter(Boolean)) {
		const fitted = word.length > width ? `${word.slice(0, Math.max(0, width - 1))}…` : word;
		if (line && line.length + 1 + fitted.length > width) {
			lines.push(line);
			line = fitted;
		} else line = line ? `${line} ${fitted}` : fitted;
	}
	return [...lines, line];
}

function sectionCells(s: HelpSection, width: number): HelpCell[] {
	const textWidth = Math.max(1, width - KEYS_WIDTH);
	return [
		{key: s.key, heading: s.heading},
		...s.entries.flatMap(e => wrapWords(e.text, textWidth).map((text, i) => ({key: `${e.key}-${i}`, ...(i === 0 ? {keys: e.keys} : {}), text}))),
	];
}

/** Sections in order down `count` columns of at most `height` rows, none split; undefined if they do not fit. */
function pack(sections: readonly HelpCell[][], count: number, height: number): HelpCell[][] | undefined {
	const columns: HelpCell[][] = [[]];
	for (const cells of sections) {
		if (cells.length > height) return undefined;
		if (columns.at(-1)!.length + cells.length > height) columns.push([]);
		columns.at(-1)!.push(...cells);
	}
	return columns.length <= count ? columns : undefined;
}

const rowsOf = (columns: readonly HelpCell[][]) => Array.from({length: Math.max(...columns.map(c => c.length))}, (_, i) => columns.map(c => c[i]));

/**
 * The fewest columns (the widest, so the least wrapped) that show the whole help in `height`
 * rows. When no layout fits, one column: the help then scrolls, its lines in reading order.
 */
export function helpLayout(sections: readonly HelpSection[], width: number, height: number): HelpLayout {
	const widthOf = (count: number) => Math.floor((width - GAP * (count - 1)) / count);
	for (let count = 1; count === 1 || widthOf(count) >= MIN_COLUMN; count++) {
		const columnWidth = widthOf(count);
		const columns = pack(
			sections.map(s => sectionCells(s, columnWidth)),
			count,
			height,
		);
		if (columns) return {columnWidth, rows: rowsOf(columns)};
	}
	return {columnWidth: width, rows: sections.flatMap(s => sectionCells(s, width)).map(c => [c])};
}
