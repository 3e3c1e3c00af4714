import {Box, Text} from 'ink';
import {memo} from 'react';
import {displayText} from '../../core/text.js';
import Toned from '../components/Toned.js';
import {sameNode} from '../components/same-node.js';
import type {Status} from '../model/console-state.js';

// One line: what is past any terminal's width is cut anyway. Messages quote data, escaped here.
const LINE_MAX = 1000;
const TONE = {ok: 'ok', error: 'critical', info: 'info'} as const;
const MARK = {ok: '✓', error: '✗', info: '·'} as const;

/**
 * The outcome of the last action, or why the data could not be read. Nothing here changes unless
 * something happened: a leader ticking every second must not redraw this line every second.
 */
function StatusLine({status, pending, readError}: {status?: Status; pending?: string; readError?: string}) {
	return (
		<Box height={1} overflowY="hidden">
			<Text wrap="truncate-end">
				{pending ? (
					<Toned tone="info">… {displayText(pending, LINE_MAX)}</Toned>
				) : readError ? (
					<Toned tone="critical">✗ cannot read the store: {displayText(readError, LINE_MAX)}</Toned>
				) : status ? (
					<Toned tone={TONE[status.tone]}>
						{MARK[status.tone]} {displayText(status.text, LINE_MAX)}
					</Toned>
				) : (
					' '
				)}
			</Text>
		</Box>
	);
}

// Rendered again only when what it shows changed, not on every frame of the screen around it.
export default memo(StatusLine, sameNode);
