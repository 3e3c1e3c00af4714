import {Box, Text} from 'ink';
import {memo, type ReactNode} from 'react';
import Line from './Line.js';
import {sameNode} from './same-node.js';
import {visibleBlocks, type Block} from '../model/blocks.js';

/**
 * One block at its full height, clipped to the rows shown: squeezed, a table would drop rows from
 * its middle. The clip is vertical only: every block is as wide as the pane, which is as wide as
 * the terminal, and the screen writer cuts each line at the terminal's edge anyway; a horizontal
 * clip made ink slice every line of a table cell by cell on every frame. A block whose content is
 * the same as in the frame before is not rendered again (see sameNode): in a live detail, only the
 * rows whose figures moved are.
 */
const ShownBlock = memo(
	function ShownBlock({node, height, rows}: {node: ReactNode; height: number; rows: number}) {
		return (
			<Box flexDirection="column" height={rows} flexShrink={0} overflowY="hidden">
				<Box flexDirection="column" height={height} flexShrink={0}>
					{node}
				</Box>
			</Box>
		);
	},
	(a, b) => a.height === b.height && a.rows === b.rows && sameNode(a.node, b.node),
);

/** Blocks scrolled within a height, with a hint on its last line while anything is cut off below. */
export default function BlockScroll({blocks, offset, height}: {blocks: readonly Block[]; offset: number; height: number}) {
	const {visible, more} = visibleBlocks(blocks, offset, height);
	return (
		<Box flexDirection="column" height={height} overflow="hidden">
			{visible.map(({block, rows}) => (
				<ShownBlock key={block.key} node={block.node} height={block.height} rows={rows} />
			))}
			{more ? (
				<>
					<Box flexGrow={1} />
					<Line>
						<Text color="gray">↓ more below (j/↓ scrolls, G to the end)</Text>
					</Line>
				</>
			) : null}
		</Box>
	);
}
