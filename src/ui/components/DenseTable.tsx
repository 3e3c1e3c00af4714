import {Box, Text} from 'ink';
import {memo} from 'react';
import {GAP, type FittedColumn} from '../model/columns.js';
import {MARKER_WIDTH, tableLine, type TableRow} from '../model/table-line.js';

export {MARKED, MARKER_WIDTH, type Cell, type TableRow} from '../model/table-line.js';

interface RowProps {
	columns: readonly FittedColumn[];
	row: TableRow;
	selected: boolean;
	marked: boolean;
}

const sameRow = (a: RowProps, b: RowProps) =>
	a.columns === b.columns &&
	a.selected === b.selected &&
	a.marked === b.marked &&
	a.row.key === b.row.key &&
	a.columns.every(c => a.row.cells[c.id]?.text === b.row.cells[c.id]?.text && a.row.cells[c.id]?.tone === b.row.cells[c.id]?.tone);

/**
 * One line as one Text of one styled string (see tableLine): a 40-row list stays at 40 layout
 * nodes instead of 300 (ink measures and lays out every box on every frame), and the console can
 * paint the same line itself. The whole line is cut at the terminal's edge by ink's truncation,
 * which measures wide characters properly. Clipped only vertically, as a Line is (see Line.tsx).
 */
const Row = memo(function Row({columns, row, selected, marked}: RowProps) {
	return (
		<Box height={1} overflowY="hidden">
			<Text wrap="truncate-end">{tableLine(columns, row, selected, marked)}</Text>
		</Box>
	);
}, sameRow);

interface Props {
	columns: readonly FittedColumn[];
	/** The rows in the window, top first (the caller windows them: only those are built). */
	rows: readonly TableRow[];
	/** The selected row within the window (−1 or beyond: none). */
	selected: number;
	/** Lines for the rows, below the column header. */
	height: number;
	empty: string;
	/** Row keys marked (for a group action). */
	marked?: ReadonlySet<string>;
}

/**
 * A dense list: one line per row, a column header, the selection marked with `›` (visible
 * without colour), and only the rows that fit rendered at all.
 */
export default function DenseTable({columns, rows, selected, height, empty, marked}: Props) {
	const visible = rows.slice(0, height);
	return (
		<Box flexDirection="column">
			<Box height={1} overflowY="hidden">
				<Box width={MARKER_WIDTH} flexShrink={0} />
				{columns.map((c, i) => (
					<Box key={c.id} width={c.width} marginLeft={i === 0 ? 0 : GAP} flexShrink={0}>
						<Text wrap="truncate-end" color="gray">
							{c.title}
						</Text>
					</Box>
				))}
			</Box>
			{visible.length === 0 ? (
				<Text color="gray">{empty}</Text>
			) : (
				visible.map((row, i) => <Row key={row.key} columns={columns} row={row} selected={i === selected} marked={marked?.has(row.key) ?? false} />)
			)}
		</Box>
	);
}
