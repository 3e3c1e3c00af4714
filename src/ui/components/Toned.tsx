import {Text} from 'ink';
import type {ReactNode} from 'react';
import {TONE_COLOR, type Tone} from '../theme.js';

/** Text in a semantic tone (a named ANSI colour, or none). */
export default function Toned({tone = 'plain', bold, children}: {tone?: Tone; bold?: boolean; children?: ReactNode}) {
	const color = TONE_COLOR[tone];
	return (
		<Text {...(color ? {color} : {})} {...(bold ? {bold} : {})}>
			{children}
		</Text>
	);
}
