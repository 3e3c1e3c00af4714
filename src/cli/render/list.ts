import type {DeploymentSummary} from '../../core/view/summary.js';
import {escapeDeep, safeJson} from '../../core/text.js';
import {tierViews} from '../../core/view/tiers.js';
import {statusText, tierTrack} from './status.js';
import {painter, table} from './table.js';

/**
 * `canary list` as printed: the JSON document under --json, else a table. One place for both
 * paths (printed through `paintedText`). The document carries the revision it was read at, for a script's --expect-rev,
 * and says when ended deployments were left out (`olderEnded`), so a script never takes a short list for the whole.
 */
export function renderList(list: {rev: number; deployments: DeploymentSummary[]; olderEnded?: boolean}, opts: {json: boolean; color: boolean}): string {
	const older = list.olderEnded === true;
	if (opts.json) {
		const rows = list.deployments.map(d => ({id: d.id, service: d.service, from: d.from, to: d.to, status: d.status, percent: d.percent, worst: d.worst, updatedAt: d.updatedAt}));
		return safeJson({rev: list.rev, deployments: rows, olderEnded: older}, 2);
	}
	// Escaped before the columns are measured; the only escapes left are the painter's colours.
	const deployments = escapeDeep(list.deployments);
	const paint = painter(opts.color);
	const rows = table(
		['ID', 'SERVICE', 'CHANGE', 'STATUS', 'TIERS', 'WORST'],
		deployments.map(d => [d.id, d.service, `${d.from} → ${d.to}`, statusText(d.status, paint), tierTrack({tiers: tierViews(d)}), d.worst]),
	);
	return older ? `${rows}\n(older ended deployments not shown: --ended <n> for more, --all for every one)` : rows;
}
