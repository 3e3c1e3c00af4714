import {statusWord, type DeploymentView} from '../../core/index.js';
import type {TableRow} from '../components/DenseTable.js';
import type {Column} from '../model/columns.js';
import {coarseDuration, metricShort, tierSteps, versions} from '../model/format.js';
import {LEVEL_TONE, LEVEL_WORD, STATUS_TONE} from '../theme.js';

/**
 * Displayed left to right; on a narrow terminal the highest priority number drops first. The
 * service is what an operator reads a row by: it outlives the tier (down to 60 columns) and takes
 * spare width right after the id, so that at 80 columns a name is shown whole, not cut.
 */
export const DEPLOYMENT_COLUMNS: readonly Column[] = [
	{id: 'id', title: 'DEPLOYMENT', min: 16, max: 17, priority: 1},
	{id: 'service', title: 'SERVICE', min: 8, max: 20, priority: 4, grow: 1},
	{id: 'versions', title: 'FROM → TO', min: 13, max: 24, priority: 6},
	{id: 'status', title: 'STATUS', min: 18, priority: 2},
	// The worst level is the one warning the list gives (a CRIT): it outlives the tier and time left.
	// 16 columns hold a three-tier track with its longest word (`[5]›25›100 ready`).
	{id: 'tier', title: 'TIER · LEFT', min: 16, max: 20, priority: 5},
	{id: 'worst', title: 'WORST', min: 8, max: 10, priority: 3},
];

function timeLeft(v: DeploymentView): string {
	if (v.status === 'completed') return 'done';
	if (!v.gate) return '';
	if (v.gate.bake.leftMs > 0) return coarseDuration(v.gate.bake.leftMs);
	return v.gate.verdict === 'pass' ? 'ready' : 'hold';
}

/**
 * The worst level and the metric it is about (`WARN tes`; a custom metric by its label, cut to
 * the column: `WARN p99…`). No data counts as a warning in the worst level: when no metric warns,
 * the one without data is named (`NO DATA`: its word leaves no room for a name in the column; the
 * detail names it).
 */
function worstCell(v: DeploymentView) {
	const metrics = v.gate?.metrics ?? [];
	const metric = metrics.find(m => m.level === v.worst) ?? (v.worst === 'warning' ? metrics.find(m => m.level === 'no_data') : undefined);
	if (metric?.level === 'no_data') return {text: LEVEL_WORD.no_data, tone: LEVEL_TONE.no_data};
	const word = LEVEL_WORD[v.worst];
	return {text: metric && v.worst !== 'ok' ? `${word} ${metricShort(metric.spec, 5)}` : word, tone: LEVEL_TONE[v.worst]};
}

export function deploymentRow(v: DeploymentView): TableRow {
	return {
		key: v.id,
		cells: {
			id: {text: v.id},
			service: {text: v.service},
			versions: {text: versions(v.from, v.to), tone: 'muted'},
			status: {text: statusWord(v.status), tone: STATUS_TONE[v.status]},
			tier: {text: `${tierSteps(v.tiers)} ${timeLeft(v)}`.trimEnd()},
			worst: worstCell(v),
		},
	};
}
