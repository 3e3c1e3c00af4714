import {Text} from 'ink';
import {lineWindow} from '../model/line-edit.js';

interface Props {
	/** Written as given, before the text (with its own trailing space if it wants one). */
	label: string;
	value: string;
	/** Where the cursor is, in code points (see line-edit.ts); at the end when left out. */
	cursor?: number;
	/** Columns for the label and the field together; the field scrolls to keep the cursor in them. */
	width: number;
}

/**
 * A one-line text entry: label, the text around the cursor and the cursor itself (an inverse cell
 * on the character it stands on). Put it in a Line.
 */
export default function TextField({label, value, cursor, width}: Props) {
	const at = cursor ?? [...value].length;
	const shown = lineWindow({text: value, cursor: at}, width - [...label].length);
	return (
		<Text>
			<Text bold>{label}</Text>
			<Text>{shown.before}</Text>
			<Text inverse>{shown.at || ' '}</Text>
			<Text>{shown.after}</Text>
		</Text>
	);
}
