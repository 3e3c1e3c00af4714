import {Box, Text} from 'ink';
import Line from '../components/Line.js';
import {visibleBlocks, type Block} from '../model/blocks.js';

/** The detail of the selected deployment, scrolled by blocks within its height. */
export default function DeploymentDetail({blocks, offset, height}: {blocks: readonly Block[]; offset: number; height: number}) {
	const {visible, more} = visibleBlocks(blocks, offset, height);
	return (
		<Box flexDirection="column" height={height} overflow="hidden">
			{visible.map(b => (
				<Box key={b.key} flexDirection="column" height={b.height} flexShrink={0}>
					{b.node}
				</Box>
			))}
			{more ? (
				<Line>
					<Text color="gray">↓ more below (j/↓ scrolls, G to the end)</Text>
				</Line>
			) : null}
		</Box>
	);
}
