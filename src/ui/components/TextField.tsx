import {Text} from 'ink';

/** A one-line text entry: label, the text typed so far and a block cursor. Put it in a Line. */
export default function TextField({label, value}: {label: string; value: string}) {
	return (
		<Text>
			<Text bold>{label} </Text>
			<Text>{value}</Text>
			<Text inverse> </Text>
		</Text>
	);
}
