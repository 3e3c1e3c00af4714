import {displayText, statusWord} from '../../core/index.js';
import type {HistoryRow} from '../../core/view/history.js';
import type {Tone} from '../theme.js';
import {clockTime, versions} from './format.js';

/** One line of the history view: a deployment's outcome, or the why under it. */
export interface HistoryLine {
	key: string;
	text: string;
	tone?: Tone;
}

const OUTCOME_TONE: Partial<Record<HistoryRow['status'], Tone>> = {completed: 'ok', rolled_back: 'critical', rollback_failed: 'critical', halted: 'warning'};

/** Why it stopped, in the words `calyx history` uses; empty when it did not. */
function why(r: HistoryRow): string {
	if (r.rollback) return `rollback (${r.rollback.trigger}${r.rollback.verified ? ', verified' : ''}): ${r.rollback.reason}`;
	if (r.halt) return `halt (${r.halt.trigger}): ${r.halt.reason}`;
	return '';
}

/**
 * A service's deployments, newest first, as lines: outcome, how far it got, who signed, and why it
 * halted or was rolled back on the line under it. Reasons are free text: escaped as shown.
 */
export function historyLines(h: {rows?: readonly HistoryRow[]; older?: boolean; error?: string} | undefined, now: number): HistoryLine[] {
	if (!h) return [{key: 'reading', text: 'reading the history…', tone: 'muted'}];
	if (h.error) return [{key: 'error', text: `cannot read the history: ${displayText(h.error, 1000)}`, tone: 'critical'}];
	const rows = h.rows ?? [];
	if (rows.length === 0) return [{key: 'none', text: 'no deployment of this service on record', tone: 'muted'}];
	const lines = rows.flatMap(r => {
		const change = `${versions(r.from, r.to)}${r.retryOf ? ` (retry of ${r.retryOf})` : ''}`;
		const when = clockTime(r.endedAt ?? r.createdAt, now);
		// The id, change, outcome and reach on one line, who signed and why on lines of their own: a row cut at the edge would hide them.
		const head: HistoryLine = {
			key: r.id,
			text: displayText(`${r.id}  ${change}  ${statusWord(r.status)}  reached ${r.reached}% of ${r.tiers.join('/')}  ${r.endedAt ? 'ended' : 'started'} ${when}`),
			...(OUTCOME_TONE[r.status] ? {tone: OUTCOME_TONE[r.status]} : {}),
		};
		const signed: HistoryLine = {key: `${r.id}:signed`, text: `    signed ${displayText(r.signers.join(', ') || '-')}`, tone: 'muted'};
		const reason = why(r);
		return reason ? [head, signed, {key: `${r.id}:why`, text: `    why: ${displayText(reason)}`, tone: 'muted' as const}] : [head, signed];
	});
	return h.older ? [...lines, {key: 'older', text: `older deployments not shown: calyx history <service> --limit <n>`, tone: 'muted'}] : lines;
}
