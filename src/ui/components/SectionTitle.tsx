import {Text} from 'ink';
import Line from './Line.js';

export default function SectionTitle({title, note}: {title: string; note?: string}) {
	return (
		<Line>
			<Text bold underline>
				{title}
			</Text>
			{note ? <Text color="gray"> {note}</Text> : null}
		</Line>
	);
}
