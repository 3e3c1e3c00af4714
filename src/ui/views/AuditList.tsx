import {useMemo} from 'react';
import type {AuditEvent} from '../../core/index.js';
import DenseTable, {MARKER_WIDTH, type TableRow} from '../components/DenseTable.js';
import {fitColumns, type Column} from '../model/columns.js';
import {columnTime, zoneNow} from '../model/format.js';

const COLUMNS: readonly Column[] = [
	{id: 'seq', title: 'SEQ', min: 5, max: 7, priority: 6},
	// The title names the zone (TIME (UTC)); a cell is `14:03:12` today, `11-30 14:03` before.
	{id: 'time', title: 'TIME', min: 11, priority: 1},
	// Who did it is what an audit trail is kept for: the actor widens before any other column
	// (e.g. "operator:rosalind-the-night-shift"), while at 80 columns it keeps its old minimum.
	{id: 'actor', title: 'ACTOR', min: 12, max: 24, priority: 5, grow: 0},
	// The reason is what an operator reads the trail for: at 80 columns it gets more room than the
	// event kind and the subject, which are recognisable from their first characters.
	{id: 'kind', title: 'EVENT', min: 15, max: 26, priority: 2},
	{id: 'subject', title: 'SUBJECT', min: 16, max: 24, priority: 3},
	{id: 'reason', title: 'REASON', min: 20, max: 400, priority: 4},
];

const KIND_TONE = (kind: string) =>
	/halted|failed|refused|rollback_failed/.test(kind) ? 'critical' : /holding|rolling_back/.test(kind) ? 'warning' : 'plain';

function auditRow(e: AuditEvent, now: number): TableRow {
	return {
		key: String(e.seq),
		cells: {
			seq: {text: String(e.seq), tone: 'muted'},
			time: {text: columnTime(e.at, now)},
			actor: {text: e.actor, tone: 'muted'},
			kind: {text: e.kind, tone: KIND_TONE(e.kind)},
			subject: {text: e.subject},
			reason: {text: e.reason},
		},
	};
}

interface Props {
	events: readonly AuditEvent[];
	selected: number;
	top: number;
	width: number;
	height: number;
	loading: boolean;
	filtered: boolean;
	/** The console's clock: today's events show the time, older ones the date too. */
	now: number;
}

/** The audit trail, newest first (Enter shows an event whole: AuditEventView). */
export default function AuditList({events, selected, top, width, height, loading, filtered, now}: Props) {
	const zone = zoneNow(now);
	const columns = useMemo(() => fitColumns(COLUMNS, width - MARKER_WIDTH).map(c => (c.id === 'time' ? {...c, title: `TIME (${zone})`} : c)), [width, zone]);
	const rows = events.slice(top, top + height).map(e => auditRow(e, now));
	const empty = loading ? 'reading the audit trail…' : filtered ? 'no event matches the filter (Esc clears it)' : 'the audit trail is empty';
	return <DenseTable columns={columns} rows={rows} selected={selected - top} height={height} empty={empty} />;
}
