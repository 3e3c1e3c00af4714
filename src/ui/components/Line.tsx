import {Box, Text} from 'ink';
import type {ReactNode} from 'react';

/**
 * Exactly one terminal row: longer content is cut at the edge, never wrapped into the budget.
 * The text cuts itself to the row's width; the box clips only below it. A horizontal clip would
 * cut nothing more, yet ink re-slices every clipped line cell by cell on every frame: on a full
 * screen that was a third of ink's work.
 */
export default function Line({children}: {children?: ReactNode}) {
	return (
		<Box height={1} overflowY="hidden">
			<Text wrap="truncate-end">{children ?? ' '}</Text>
		</Box>
	);
}
