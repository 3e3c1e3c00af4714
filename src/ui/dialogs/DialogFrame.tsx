import {Text} from 'ink';
import type {ReactNode} from 'react';
import {displayText} from '../../core/text.js';
import Modal from '../components/Modal.js';
import TextField from '../components/TextField.js';
import Toned from '../components/Toned.js';
import {typedPrompt, type Dialog} from '../model/dialog.js';
import type {Tone} from '../theme.js';

interface Props {
	title: string;
	tone: Tone;
	dialog: Dialog;
	/** What the operator is about to do, one element per line, most important first. */
	facts: ReactNode[];
	verb: string;
	height: number;
	/** The terminal's columns: a text field scrolls within what the frame leaves of them. */
	width: number;
	/** What changed since the dialog opened (see review.ts): its Enter will be refused. */
	changed?: readonly string[];
}

// The frame's border and padding on each side.
const FRAME = 4;

function prompt(d: Dialog, verb: string, width: number, changed: readonly string[]): ReactNode[] {
	const lines: ReactNode[] = [];
	if (d.submitting) lines.push(<Toned tone="info">… submitting</Toned>);
	else if (d.step === 'confirm') {
		lines.push(<Text>Press <Text bold>y</Text> then <Text bold>Enter</Text> to {verb}; any other key cancels.</Text>);
		lines.push(d.input === 'y' ? <Text bold>y — Enter to {verb}</Text> : <Text color="gray">(nothing typed)</Text>);
	} else if (d.step === 'typeId') {
		lines.push(<Text color="gray">{typedPrompt(d)}, then Enter; Esc cancels</Text>);
		lines.push(<TextField label="confirm: " value={d.input} cursor={d.cursor} width={width} />);
	} else {
		lines.push(<Text color="gray">why? (recorded in the audit trail) Enter submits; Esc cancels</Text>);
		lines.push(<TextField label="reason: " value={d.input} cursor={d.cursor} width={width} />);
	}
	if (d.error) lines.push(<Toned tone="critical">✗ {displayText(d.error, 1000)}</Toned>);
	else if (changed.length > 0 && !d.submitting) {
		lines.push(<Toned tone="warning">⚠ changed since it opened: {changed.join('; ')}: Enter will be refused (Esc, then reopen)</Toned>);
	}
	return lines;
}

/** An action's confirmation: its facts and the step's prompt, in a modal. */
export default function DialogFrame({title, tone, dialog, facts, verb, height, width, changed = []}: Props) {
	return <Modal title={title} tone={tone} facts={facts} prompt={prompt(dialog, verb, width - FRAME, changed)} height={height} />;
}
