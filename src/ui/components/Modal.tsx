import {Box} from 'ink';
import type {ReactNode} from 'react';
import type {Tone} from '../theme.js';
import Line from './Line.js';
import Toned from './Toned.js';

/**
 * A modal over the main pane: a title, the facts (cut from the end when the terminal is short),
 * and the prompt, which always shows.
 */
export default function Modal({title, tone, facts, prompt, height}: {title: string; tone: Tone; facts: ReactNode[]; prompt: ReactNode[]; height: number}) {
	const room = Math.max(0, height - 2 - 1 - prompt.length);
	const lines = [...facts.slice(0, room), ...prompt];
	return (
		<Box flexDirection="column" borderStyle="single" height={height} overflow="hidden" paddingX={1}>
			<Line>
				<Toned tone={tone} bold>
					{title}
				</Toned>
			</Line>
			{lines.map((l, i) => (
				<Line key={i}>{l}</Line>
			))}
		</Box>
	);
}
