import {Box, Text} from 'ink';
import {useMemo} from 'react';
import type {LeaseView} from '../../core/index.js';
import DenseTable, {MARKER_WIDTH, type TableRow} from '../components/DenseTable.js';
import Line from '../components/Line.js';
import {fitColumns, rowsAboveSummary, type Column} from '../model/columns.js';
import {coarseDuration, versions, withinDuration} from '../model/format.js';
import {NEXT} from '../model/outcome.js';

const COLUMNS: readonly Column[] = [
	{id: 'id', title: 'LEASE', min: 21, max: 24, priority: 1},
	{id: 'service', title: 'SERVICE', min: 8, max: 20, priority: 4},
	{id: 'versions', title: 'FROM → TO', min: 13, max: 24, priority: 6},
	{id: 'risk', title: 'RISK', min: 10, max: 14, priority: 3},
	{id: 'signers', title: 'SIGNED', min: 16, priority: 2},
	{id: 'expires', title: 'EXPIRES IN', min: 10, priority: 5},
];

const RISK_TONE = {low: 'ok', medium: 'warning', high: 'critical'} as const;

/** The lease's expiry, or the second key's deadline when that comes first (`2nd 12m`: the column is narrow). */
function expiresCell(l: LeaseView) {
	const second = l.secondKey && l.secondKey.leftMs < l.expiresInMs ? l.secondKey.leftMs : undefined;
	const left = second ?? l.expiresInMs;
	const text = `${second === undefined ? '' : '2nd '}${coarseDuration(Math.max(0, left))}`;
	return {text, tone: left < 5 * 60_000 ? ('warning' as const) : ('plain' as const)};
}

function leaseRow(l: LeaseView, canStart: boolean): TableRow {
	// Each role with its own mark, so "agent ✓ human —" never reads as two signatures.
	const marks = (['human', 'agent'] as const).map(r => `${r} ${l.missing.includes(r) ? '—' : '✓'}`).join('  ');
	const signed = l.missing.length > 0 ? marks : canStart ? 'signed: s starts' : 'signed';
	return {
		key: l.id,
		cells: {
			id: {text: l.id},
			service: {text: l.intent?.service ?? '?'},
			versions: {text: l.intent ? versions(l.intent.fromVersion, l.intent.toVersion) : '?', tone: 'muted'},
			risk: {text: `${l.risk.score} ${l.risk.level}${l.risk.acknowledged ? ' ack' : ''}`, tone: RISK_TONE[l.risk.level]},
			signers: {text: signed, tone: l.missing.length > 0 ? 'plain' : 'ok'},
			expires: expiresCell(l),
		},
	};
}

/** The keys a lease still waits for, then any other reason it does not verify (a revoked signer, expiry). */
function stillNeeded(l: LeaseView, canStart: boolean): string {
	// Once one key signed, the other has until the approval deadline: the time left is said with it.
	const within = l.secondKey ? ` within ${withinDuration(Math.max(0, l.secondKey.leftMs))} (else the lease lapses)` : '';
	const keys = l.missing.map(r => `${r === 'agent' ? 'an agent key' : 'a human key'}${within}`);
	const other = l.reasons.filter(r => !r.code.startsWith('MISSING_')).map(r => r.message);
	return [keys.join(' and '), ...other].filter(Boolean).join('; ') || (canStart ? `nothing: ${NEXT.signed}` : 'nothing: it verifies');
}

/** Lines the selected lease's summary takes under the list. */
const SUMMARY_LINES = 2;

/** Rows left for the list itself when the pane has `height` lines below the column header. */
export const leaseRowsFor = (height: number) => rowsAboveSummary(height, SUMMARY_LINES);

interface Props {
	leases: readonly LeaseView[];
	selected: number;
	top: number;
	width: number;
	height: number;
	filtered: boolean;
	/** Whether this session has the start key (read-only mode does not). */
	canStart: boolean;
}

/** Leases waiting for a key or signed and not started, and under them the selected one's digest and what it still needs. */
export default function LeaseList({leases, selected, top, width, height, filtered, canStart}: Props) {
	const columns = useMemo(() => fitColumns(COLUMNS, width - MARKER_WIDTH), [width]);
	const current = leases[selected];
	const rowsHeight = leaseRowsFor(height);
	const summary = rowsHeight < height;
	const rows = leases.slice(top, top + rowsHeight).map(l => leaseRow(l, canStart));
	return (
		<Box flexDirection="column">
			<DenseTable
				columns={columns}
				rows={rows}
				selected={selected - top}
				height={rowsHeight}
				empty={filtered ? 'no lease matches the filter (Esc clears it)' : 'no lease is waiting for a key or a start'}
			/>
			{summary && current ? (
				<>
					<Line>
						<Text color="gray">digest </Text>
						<Text>{current.digest}</Text>
					</Line>
					<Line>
						<Text color="gray">still needed: </Text>
						<Text>{stillNeeded(current, canStart)}</Text>
					</Line>
				</>
			) : null}
		</Box>
	);
}
