import {Box, Text} from 'ink';
import {memo, type ReactNode} from 'react';
import {InkTable, type ScalarDict} from './ink-table.js';

const Header = ({children}: {children?: ReactNode}) => <Text bold>{children}</Text>;
const Skeleton = ({children}: {children?: ReactNode}) => <Text color="gray">{children}</Text>;

/** ink-table draws a separator under every row: header, heading, 2 lines per row, footer. */
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
 * Drawn again only when a cell changed: ink-table hashes every row on every render.
 */
function DetailTable<T extends Record<string, string>>({rows, columns, width}: Props<T>) {
	const data = fitTableData(rows, columns, width) as unknown as ScalarDict[];
	return (
		<Box height={tableHeight(rows.length)} flexShrink={0} flexDirection="column">
			<InkTable data={data} columns={[...columns]} padding={PADDING} header={Header} skeleton={Skeleton} />
		</Box>
	);
}

export default memo(DetailTable, sameTable) as typeof DetailTable;
