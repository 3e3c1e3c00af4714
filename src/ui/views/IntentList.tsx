import {Box, Text} from 'ink';
import {useMemo} from 'react';
import type {Intent} from '../../core/index.js';
import DenseTable, {MARKER_WIDTH, type TableRow} from '../components/DenseTable.js';
import Line from '../components/Line.js';
import {fitColumns, rowsAboveSummary, type Column} from '../model/columns.js';
import {versions} from '../model/format.js';
import type {Tone} from '../theme.js';

const COLUMNS: readonly Column[] = [
	{id: 'id', title: 'INTENT', min: 16, max: 18, priority: 1},
	{id: 'service', title: 'SERVICE', min: 8, max: 20, priority: 3},
	{id: 'versions', title: 'FROM → TO', min: 13, max: 24, priority: 4},
	{id: 'status', title: 'STATUS', min: 22, priority: 2},
	{id: 'criticality', title: 'CRIT.', min: 6, priority: 6},
	{id: 'title', title: 'TITLE', min: 10, max: 60, priority: 5},
];

const STATUS_TONE: Record<Intent['status'], Tone> = {
	draft: 'warning',
	approved_pending_human: 'info',
	leased: 'info',
	deploying: 'ok',
	deployed: 'muted',
	rolled_back: 'muted',
};

const intentRow = (i: Intent): TableRow => ({
	key: i.id,
	cells: {
		id: {text: i.id},
		service: {text: i.service},
		versions: {text: versions(i.fromVersion, i.toVersion), tone: 'muted'},
		status: {text: i.status, tone: STATUS_TONE[i.status]},
		criticality: {text: i.criticality, tone: i.criticality === 'high' ? 'warning' : 'plain'},
		title: {text: i.title, tone: 'muted'},
	},
});

/** Rows left for the list itself when the pane has `height` lines below the column header. */
export const intentRowsFor = (height: number) => rowsAboveSummary(height, 1);

interface Props {
	intents: readonly Intent[];
	selected: number;
	top: number;
	width: number;
	height: number;
	filtered: boolean;
	/** What the selected intent waits for. */
	next?: string;
}

/** Intents, newest first, with their status; under them what the selected one waits for. */
export default function IntentList({intents, selected, top, width, height, filtered, next}: Props) {
	const columns = useMemo(() => fitColumns(COLUMNS, width - MARKER_WIDTH), [width]);
	const rowsHeight = intentRowsFor(height);
	const rows = intents.slice(top, top + rowsHeight).map(intentRow);
	return (
		<Box flexDirection="column">
			<DenseTable
				columns={columns}
				rows={rows}
				selected={selected - top}
				height={rowsHeight}
				empty={filtered ? 'no intent matches the filter (Esc clears it)' : 'no intent yet: calyx intent create --service … --to …'}
			/>
			{rowsHeight < height && next ? (
				<Line>
					<Text color="gray">next: </Text>
					<Text>{next}</Text>
				</Line>
			) : null}
		</Box>
	);
}
