import {Box, Text} from 'ink';
import type {ReactNode} from 'react';
import {displayText} from '../../core/text.js';
import Line from '../components/Line.js';
import TextField from '../components/TextField.js';
import Toned from '../components/Toned.js';
import {typeIdPrompt, type Dialog} from '../model/dialog.js';
import type {Tone} from '../theme.js';

interface Props {
	title: string;
	tone: Tone;
	dialog: Dialog;
	/** What the operator is about to do, one element per line, most important first. */
	facts: ReactNode[];
	verb: string;
	height: number;
	/** What changed since the dialog opened (see review.ts): its Enter will be refused. */
	changed?: readonly string[];
}

function prompt(d: Dialog, verb: string, changed: readonly string[]): ReactNode[] {
	const lines: ReactNode[] = [];
	if (d.submitting) lines.push(<Toned tone="info">… submitting</Toned>);
	else if (d.step === 'confirm') {
		lines.push(<Text>Press <Text bold>y</Text> then <Text bold>Enter</Text> to {verb}; any other key cancels.</Text>);
		lines.push(d.input === 'y' ? <Text bold>y — Enter to {verb}</Text> : <Text color="gray">(nothing typed)</Text>);
	} else if (d.step === 'typeId') {
		lines.push(<Text color="gray">{typeIdPrompt(d.target)}, then Enter; Esc cancels</Text>);
		lines.push(<TextField label="confirm:" value={d.input} />);
	} else {
		lines.push(<Text color="gray">why? (recorded in the audit trail) Enter submits; Esc cancels</Text>);
		lines.push(<TextField label="reason:" value={d.input} />);
	}
	if (d.error) lines.push(<Toned tone="critical">✗ {displayText(d.error, 1000)}</Toned>);
	else if (changed.length > 0 && !d.submitting) {
		lines.push(<Toned tone="warning">⚠ changed since it opened: {changed.join('; ')}: Enter will be refused (Esc, then reopen)</Toned>);
	}
	return lines;
}

/**
 * A modal over the main pane: a title, the facts (cut from the end when the terminal is short),
 * and the prompt, which always shows.
 */
export default function DialogFrame({title, tone, dialog, facts, verb, height, changed = []}: Props) {
	const tail = prompt(dialog, verb, changed);
	const room = Math.max(0, height - 2 - 1 - tail.length);
	const lines = [...facts.slice(0, room), ...tail];
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
