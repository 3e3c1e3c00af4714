import {Box, Text} from 'ink';
import Line from './Line.js';
import {visibleBlocks, type Block} from '../model/blocks.js';

/** Blocks scrolled within a height, with a hint on its last line while anything is cut off below. */
export default function BlockScroll({blocks, offset, height}: {blocks: readonly Block[]; offset: number; height: number}) {
	const {visible, more} = visibleBlocks(blocks, offset, height);
	return (
		<Box flexDirection="column" height={height} overflow="hidden">
			{visible.map(({block, rows}) => (
				<Box key={block.key} flexDirection="column" height={rows} flexShrink={0} overflow="hidden">
					{/* Laid out at its full height and clipped: squeezed, a table would drop rows from its middle. */}
					<Box flexDirection="column" height={block.height} flexShrink={0}>
						{block.node}
					</Box>
				</Box>
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
