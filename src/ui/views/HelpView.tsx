import {Box, Text} from 'ink';
import Line from '../components/Line.js';
import type {Binding} from '../keymap.js';
import {helpColumns, helpLines} from './help-lines.js';

const KEYS_WIDTH = 7;

/** `?`: every key of this session, generated from the same table as the footer and the handler. */
export default function HelpView({table, width, height, readonly}: {table: readonly Binding[]; width: number; height: number; readonly: boolean}) {
	const columns = helpColumns(helpLines(table), height - 1);
	const colWidth = Math.floor(width / Math.max(1, columns.length));
	return (
		<Box flexDirection="column" height={height} overflow="hidden">
			<Line>
				<Text bold>Keys</Text>
				<Text color="gray">{readonly ? ' (read-only: no actions)' : ''} · Esc or ? closes</Text>
			</Line>
			<Box>
				{columns.map((col, i) => (
					<Box key={i} flexDirection="column" width={colWidth} flexShrink={0}>
						{col.map(l => (
							<Line key={l.key}>
								{l.heading ? (
									<Text bold underline>
										{l.heading}
									</Text>
								) : (
									<>
										<Text bold>{l.keys!.padEnd(KEYS_WIDTH)}</Text>
										<Text>{l.text}</Text>
									</>
								)}
							</Line>
						))}
					</Box>
				))}
			</Box>
		</Box>
	);
}
