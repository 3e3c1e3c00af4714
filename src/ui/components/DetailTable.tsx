import {Box, Text} from 'ink';
import {memo} from 'react';
import {tableLines, type TablePart} from '../model/table-lines.js';

const STYLE: Record<TablePart['role'], {color?: string; bold?: boolean}> = {border: {color: 'gray'}, heading: {bold: true}, cell: {}};

/** A separator under every row, as ink-table drew it: rule, heading, 2 lines per row, rule. */
export const tableHeight = (rows: number) => 2 * rows + 3;

const PADDING = 1;

/**
 * Cuts the widest column until the table fits `width`, so no cell ever wraps (a wrapped cell
 * would make the table taller than `tableHeight` says and break the height budget).
 */
export function fitTableData<T extends Record<string, string>>(rows: readonly T[], columns: readonly (keyof T & string)[], width: number): T[] {
	const widths = columns.map(c => Math.max(c.length, ...rows.map(r => r[c]!.length)));
	const frame = columns.length + 1 + columns.length * PADDING * 2;
	while (widths.reduce((a, b) => a + b, 0) + frame > width) {
		const widest = widths.indexOf(Math.max(...widths));
		if (widths[widest]! <= Math.max(3, columns[widest]!.length)) break;
		widths[widest]! -= 1;
	}
	return rows.map(r => {
		const out = {...r};
		columns.forEach((c, i) => {
			const v = r[c]!;
			(out as Record<string, string>)[c] = v.length > widths[i]! ? `${v.slice(0, widths[i]! - 1)}…` : v;
		});
		return out;
	});
}

interface Props<T extends Record<string, string>> {
	rows: readonly T[];
	columns: readonly (keyof T & string)[];
	width: number;
}

const sameTable = (a: Props<Record<string, string>>, b: Props<Record<string, string>>) =>
	a.width === b.width && JSON.stringify([a.columns, a.rows]) === JSON.stringify([b.columns, b.rows]);

/**
 * No clipping box of its own: ink's clip regions do not nest (the innermost one wins), so one here
 * would draw the table whole over the edge where the detail pane cuts it. The block clips it.
 * Each line is one text for ink to measure and write (see table-lines.ts); rendered again only
 * when a cell changed.
 */
function DetailTable<T extends Record<string, string>>({rows, columns, width}: Props<T>) {
	const lines = tableLines(fitTableData(rows, columns, width), columns);
	return (
		<Box height={tableHeight(rows.length)} flexShrink={0} flexDirection="column">
			{lines.map((parts, i) => (
				<Text key={i}>
					{parts.map((p, j) => (
						<Text key={j} {...STYLE[p.role]}>
							{p.text}
						</Text>
					))}
				</Text>
			))}
		</Box>
	);
}

export default memo(DetailTable, sameTable) as typeof DetailTable;
