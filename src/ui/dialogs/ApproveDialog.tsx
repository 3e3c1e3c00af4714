import {Text} from 'ink';
import type {ReactNode} from 'react';
import {statusWord, type Intent} from '../../core/index.js';
import Toned from '../components/Toned.js';
import type {Dialog} from '../model/dialog.js';
import {clockTime, versions} from '../model/format.js';
import DialogFrame from './DialogFrame.js';

const label = (text: string) => <Text color="gray">{text} </Text>;

/** Approving a draft intent: what changes, and what an approval leads to; the reason goes to the audit trail. */
export default function ApproveDialog({dialog, intent, changed, height, width, now}: {dialog: Dialog; intent?: Intent; changed: readonly string[]; height: number; width: number; now: number}) {
	const facts: ReactNode[] = intent
		? [
				<Text>
					{label('change')}
					{intent.service} {versions(intent.fromVersion, intent.toVersion)} · {intent.lines} lines in {intent.files} files · {intent.criticality} criticality
				</Text>,
				<Text>{label('title')}{intent.title}</Text>,
				<Text>{label('created')}{clockTime(intent.createdAt, now)} by {intent.createdBy}</Text>,
				intent.status === 'draft' ? (
					<Text>then it waits for a lease signed by a human and an agent key</Text>
				) : (
					<Toned tone="critical">{intent.id} is {statusWord(intent.status)}: only a draft intent can be approved</Toned>
				),
			]
		: [<Toned tone="critical">{dialog.target} is no longer in the store</Toned>];
	return <DialogFrame title={`Approve ${dialog.target}`} tone="accent" dialog={dialog} facts={facts} verb="approve" height={height} changed={changed} width={width} />;
}
