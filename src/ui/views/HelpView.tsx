import {Box, Text} from 'ink';
import BlockScroll from '../components/BlockScroll.js';
import Line from '../components/Line.js';
import type {Binding} from '../keymap.js';
import type {Block} from '../model/blocks.js';
import {GAP, helpLayout, helpSections, KEYS_WIDTH, type HelpCell, type HelpRow} from './help-lines.js';

function Cell({cell}: {cell?: HelpCell}) {
	if (!cell) return null;
	if (cell.heading) {
		return (
			<Text bold underline wrap="truncate-end">
				{cell.heading}
			</Text>
		);
	}
	return (
		<Text wrap="truncate-end">
			<Text bold>{(cell.keys ?? '').padEnd(KEYS_WIDTH)}</Text>
			{cell.text}
		</Text>
	);
}

/**
 * The help's rows as one-line blocks, laid out for the rows below its title: scrolled like the
 * detail when even the tightest layout is taller (the key handler needs how far, so the console builds them).
 */
export function helpBlocks(table: readonly Binding[], width: number, height: number): Block[] {
	const {columnWidth, rows} = helpLayout(helpSections(table), width, height);
	const row = (cells: HelpRow) => (
		<Box key={cells.map(c => c?.key ?? '').join('|')} height={1} overflow="hidden">
			{cells.map((cell, i) => (
				<Box key={i} width={columnWidth} marginRight={i < cells.length - 1 ? GAP : 0} flexShrink={0} overflow="hidden">
					<Cell cell={cell} />
				</Box>
			))}
		</Box>
	);
	// A wrapped description scrolls as one, and a heading with the key under it.
	const joinsAbove = (i: number) => i > 0 && (rows[i - 1]!.some(c => c?.heading) || rows[i]!.some(c => c && !c.heading && c.keys === undefined));
	const groups: HelpRow[][] = [];
	rows.forEach((cells, i) => (joinsAbove(i) ? groups.at(-1)!.push(cells) : groups.push([cells])));
	return groups.map(lines => ({
		key: lines.map(cells => cells.map(c => c?.key ?? '').join('|')).join('/'),
		height: lines.length,
		whole: true,
		node: <Box flexDirection="column">{lines.map(row)}</Box>,
	}));
}

/** Rows of the pane the help's keys get: the first shows what the help is and how it closes. */
export const helpRows = (pane: number) => Math.max(0, pane - 1);

/** `?`: every key of this session, generated from the same table as the footer and the handler. */
export default function HelpView({blocks, offset, height, readonly}: {blocks: readonly Block[]; offset: number; height: number; readonly: boolean}) {
	return (
		<Box flexDirection="column" height={height} overflow="hidden">
			<Line>
				<Text bold>Keys</Text>
				<Text color="gray">{readonly ? ' (read-only: no actions)' : ''} · Esc or ? closes</Text>
			</Line>
			<BlockScroll blocks={blocks} offset={offset} height={helpRows(height)} />
		</Box>
	);
}
