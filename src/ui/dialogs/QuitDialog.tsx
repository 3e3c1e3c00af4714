import {Text} from 'ink';
import Modal from '../components/Modal.js';
import Toned from '../components/Toned.js';
import {quitConsequence, type QuitQuestion} from '../model/quit.js';
import {wrapWords} from '../views/help-lines.js';

// The modal's border and padding on each side.
const FRAME = 4;

/** The question before quitting the console that drives live canaries: what happens to them. */
export default function QuitDialog({question, height, width}: {question: QuitQuestion; height: number; width: number}) {
	const {risk} = question;
	const tone = risk.takeover === 'follower' ? 'info' : 'warning';
	const facts = [
		<Text>This console leads the engine of this data directory.</Text>,
		...wrapWords(`Quitting: ${quitConsequence(risk)}.`, width - FRAME).map(line => <Toned tone={tone}>{line}</Toned>),
	];
	const prompt = [
		<Text>
			Press <Text bold>y</Text> then <Text bold>Enter</Text> to quit; any other key keeps the console running.
		</Text>,
		question.armed ? <Text bold>y — Enter to quit</Text> : <Text color="gray">(nothing typed)</Text>,
		...(question.error ? [<Toned tone="critical">✗ {question.error}</Toned>] : []),
	];
	return <Modal title="Quit the console?" tone={tone} facts={facts} prompt={prompt} height={height} />;
}
