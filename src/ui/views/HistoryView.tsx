import {Box, Text} from 'ink';
import {displayText} from '../../core/text.js';
import Line from '../components/Line.js';
import Toned from '../components/Toned.js';
import type {HistoryLine} from '../model/history-lines.js';

/** Rows the history's title takes above its lines. */
export const HISTORY_TITLE_ROWS = 1;

/** Lines the history can scroll by in a pane of `height` rows. */
export const historyMax = (lines: number, height: number) => Math.max(0, lines - (height - HISTORY_TITLE_ROWS));

/** A service's history over the list (H): one line per deployment, the why under it; Esc goes back. */
export default function HistoryView({service, lines, offset, height}: {service: string; lines: readonly HistoryLine[]; offset: number; height: number}) {
	const room = Math.max(0, height - HISTORY_TITLE_ROWS);
	const at = Math.min(offset, historyMax(lines.length, height));
	return (
		<Box flexDirection="column">
			<Line>
				<Text bold>History of {displayText(service, 128)}</Text>
				<Text color="gray"> · newest first · Esc back</Text>
			</Line>
			{lines.slice(at, at + room).map(l => (
				<Line key={l.key}>
					<Toned tone={l.tone ?? 'plain'}>{l.text}</Toned>
				</Line>
			))}
		</Box>
	);
}
