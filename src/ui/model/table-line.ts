import {SELECTED, type Tone} from '../theme.js';
import {fitCell, GAP, type FittedColumn} from './columns.js';
import {span, toned} from './styled.js';

export interface Cell {
	text: string;
	tone?: Tone;
}

export interface TableRow {
	key: string;
	cells: Record<string, Cell>;
}

export const MARKER_WIDTH = 2;
/** A row marked for a group action: beside the selection mark, visible without colour. */
export const MARKED = '*';

/**
 * A list row as one styled line: the selection and group marks, then the cells padded and cut to
 * their columns, each in its tone, the whole line bold when selected. Ink draws it (DenseTable),
 * and the console paints it over ink's frame when only rows' text changed (see live-list.ts): the
 * same string either way. Cells count code points (ids, services and statuses are ASCII); the
 * line is cut at the terminal's edge by whoever draws it.
 */
export function tableLine(columns: readonly FittedColumn[], row: TableRow, selected: boolean, marked: boolean): string {
	let line = span(`${selected ? SELECTED : ' '}${marked ? MARKED : ' '}`, {bold: selected});
	columns.forEach((c, i) => {
		const cell = row.cells[c.id];
		const text = `${i === 0 ? '' : ' '.repeat(GAP)}${fitCell(cell?.text ?? '', c.width)}`;
		line += cell?.tone ? toned(cell.tone, text, selected) : span(text, {bold: selected});
	});
	return line;
}
