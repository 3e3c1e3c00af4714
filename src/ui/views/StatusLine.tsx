import {Box, Text} from 'ink';
import Toned from '../components/Toned.js';
import type {Status} from '../model/console-state.js';

const TONE = {ok: 'ok', error: 'critical', info: 'info'} as const;
const MARK = {ok: '✓', error: '✗', info: '·'} as const;

/**
 * The outcome of the last action, or why the data could not be read. Nothing here changes unless
 * something happened: a leader ticking every second must not redraw this line every second.
 */
export default function StatusLine({status, pending, readError}: {status?: Status; pending?: string; readError?: string}) {
	return (
		<Box height={1} overflow="hidden">
			<Text wrap="truncate-end">
				{pending ? (
					<Toned tone="info">… {pending}</Toned>
				) : readError ? (
					<Toned tone="critical">✗ cannot read the store: {readError}</Toned>
				) : status ? (
					<Toned tone={TONE[status.tone]}>
						{MARK[status.tone]} {status.text}
					</Toned>
				) : (
					' '
				)}
			</Text>
		</Box>
	);
}
