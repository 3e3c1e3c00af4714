import {Box, Text} from 'ink';
import type {ReactNode} from 'react';

/** Exactly one terminal row: longer content is cut at the edge, never wrapped into the budget. */
export default function Line({children}: {children?: ReactNode}) {
	return (
		<Box height={1} overflow="hidden">
			<Text wrap="truncate-end">{children ?? ' '}</Text>
		</Box>
	);
}
