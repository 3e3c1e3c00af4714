import {Box, Text} from 'ink';
import {clipText, DISPLAY_MAX, safeJson, type AuditEvent} from '../../core/index.js';
import BlockScroll from '../components/BlockScroll.js';
import Line from '../components/Line.js';
import type {Block} from '../model/blocks.js';
import {shortSum} from '../model/format.js';
import {wrapRows} from '../model/wrap.js';

const FIELD = 9;

/** The rows under the title line: the pane's height less that line. */
export const eventRows = (height: number) => Math.max(0, height - 1);

/**
 * One audit event whole, as rows: a field's label on its first row, its value wrapped under
 * itself. The event is display text (see shownEvents): a reason hand-edited to a megabyte arrives
 * cut, and scrolls here row by row (j/k, g/G) instead of holding the console laying it out.
 */
export function eventBlocks(event: AuditEvent, width: number): Block[] {
	const data = Object.keys(event.data).length === 0 ? '(none)' : clipText(safeJson(event.data, 2), DISPLAY_MAX);
	const fields: Array<[string, string]> = [
		['at', event.at],
		['actor', event.actor],
		['subject', event.subject],
		['reason', event.reason || '(none)'],
		['hash', shortSum(event.hash, 16)],
		['data', data],
	];
	return fields.flatMap(([label, value]) =>
		wrapRows(value, width - FIELD).map((row, i) => ({
			key: `${label}-${i}`,
			height: 1,
			node: (
				<Line>
					<Text color="gray">{(i === 0 ? label : '').padEnd(FIELD)}</Text>
					{row}
				</Line>
			),
		})),
	);
}

/** The event's title, then its rows scrolled within the pane. Esc goes back to the list. */
export default function AuditEventView({event, blocks, offset, height}: {event: AuditEvent; blocks: readonly Block[]; offset: number; height: number}) {
	return (
		<Box flexDirection="column" height={height} overflow="hidden">
			<Line>
				<Text bold>
					Audit event #{event.seq} · {event.kind}
				</Text>
				<Text color="gray"> (Esc back)</Text>
			</Line>
			<BlockScroll blocks={blocks} offset={offset} height={eventRows(height)} />
		</Box>
	);
}
