import {Text} from 'ink';
import Line from '../components/Line.js';
import type {Hint} from '../keymap.js';

/** The keys that act here, generated from the keymap table. */
export default function Footer({hints}: {hints: readonly Hint[]}) {
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
