import {Box, Text} from 'ink';
import type {AuditEvent} from '../../core/index.js';
import Line from '../components/Line.js';
import {clockTime, shortSum} from '../model/format.js';

const FIELD = 9;

function Field({label, children}: {label: string; children: string}) {
	return (
		<Box>
			<Box width={FIELD} flexShrink={0}>
				<Text color="gray">{label}</Text>
			</Box>
			<Text wrap="wrap">{children}</Text>
		</Box>
	);
}

/**
 * One audit event whole: who, what, on what, why and its data, wrapped rather than cut, since a
 * list row at 80 columns shows a dozen characters of the reason. Esc goes back to the list.
 */
export default function AuditEventView({event, height, now}: {event: AuditEvent; height: number; now: number}) {
	const data = Object.keys(event.data).length === 0 ? '(none)' : JSON.stringify(event.data, null, 2);
	return (
		<Box flexDirection="column" height={height} overflow="hidden">
			<Line>
				<Text bold>
					Audit event #{event.seq} · {event.kind}
				</Text>
				<Text color="gray"> (Esc back)</Text>
			</Line>
			<Field label="at">{`${clockTime(event.at, now)} (${event.at})`}</Field>
			<Field label="actor">{event.actor}</Field>
			<Field label="subject">{event.subject}</Field>
			<Field label="reason">{event.reason || '(none)'}</Field>
			<Field label="hash">{shortSum(event.hash, 16)}</Field>
			<Field label="data">{data}</Field>
		</Box>
	);
}
