import {Box} from 'ink';
import {memo, type ReactNode} from 'react';
import Line from './Line.js';
import {sameNode} from './same-node.js';
import {visibleBlocks, type Block} from '../model/blocks.js';
import {fitText, muted} from '../model/styled.js';

/**
 * One block at its full height, clipped to the rows shown: squeezed, a table would drop rows from
 * its middle. The clip is vertical only: every block is as wide as the pane, which is as wide as
 * the terminal, and the screen writer cuts each line at the terminal's edge anyway; a horizontal
 * clip made ink slice every line of a table cell by cell on every frame. A block whose content is
 * the same as in the frame before is not rendered again (see sameNode): in a live detail, only the
 * rows whose figures moved are.
 */
const ShownBlock = memo(
	function ShownBlock({node, text, height, rows, width}: {node?: ReactNode; text?: string; height: number; rows: number; width: number}) {
		// A row given as text is drawn as the console paints it without ink (see live-detail.ts).
		if (text !== undefined) return <Line>{fitText(text, width)}</Line>;
		return (
			<Box flexDirection="column" height={rows} flexShrink={0} overflowY="hidden">
				<Box flexDirection="column" height={height} flexShrink={0}>
					{node}
				</Box>
			</Box>
		);
	},
	(a, b) => a.height === b.height && a.rows === b.rows && a.width === b.width && a.text === b.text && sameNode(a.node, b.node),
);

/** The hint on the pane's last line while blocks are cut off below. */
export const MORE_BELOW = muted('↓ more below (j/↓ scrolls, G to the end)');

/** Blocks scrolled within a height, with a hint on its last line while anything is cut off below. */
export default function BlockScroll({blocks, offset, height, width = Number.POSITIVE_INFINITY}: {blocks: readonly Block[]; offset: number; height: number; width?: number}) {
	const {visible, more} = visibleBlocks(blocks, offset, height);
	return (
		<Box flexDirection="column" height={height} overflow="hidden">
			{visible.map(({block, rows}) => (
				<ShownBlock key={block.key} node={block.node} text={block.text} height={block.height} rows={rows} width={width} />
			))}
			{more ? (
				<>
					<Box flexGrow={1} />
					<Line>{MORE_BELOW}</Line>
				</>
			) : null}
		</Box>
	);
}
