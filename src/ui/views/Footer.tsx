import {Text} from 'ink';
import {memo} from 'react';
import Line from '../components/Line.js';
import {sameNode} from '../components/same-node.js';
import type {Hint} from '../keymap.js';

/** The keys that act here, generated from the keymap table. */
function Footer({hints}: {hints: readonly Hint[]}) {
	return (
		<Line>
			{hints.map((h, i) => (
				<Text key={h.keys}>
					{i > 0 ? '  ' : ''}
					<Text bold>{h.keys}</Text> <Text color="gray">{h.label}</Text>
				</Text>
			))}
		</Line>
	);
}

// Rendered again only when what it shows changed, not on every frame of the screen around it.
export default memo(Footer, sameNode);
