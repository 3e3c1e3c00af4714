import {formatDuration} from '../../core/duration.js';
import {escapeControls} from '../../core/text.js';
import type {DeploymentView} from '../../core/view/deployment.js';
import type {Sample} from '../../core/model/index.js';
import type {ShowTime} from '../../core/time.js';
import {METRICS} from '../../core/model/metrics.js';
import {statusText, tierTrack} from './status.js';
import type {Paint} from './table.js';

export {statusText, tierTrack} from './status.js';

/** A progress bar for one tier's bake time. */
export function bakeBar(view: DeploymentView, width = 20): string {
	const bake = view.gate?.bake;
	if (!bake) return '';
	const share = bake.requiredMs === 0 ? 1 : Math.min(1, bake.elapsedMs / bake.requiredMs);
	const filled = Math.round(share * width);
	return `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${bake.leftMs > 0 ? `${formatDuration(bake.leftMs)} left` : 'baked'}`;
}

const sampleLine = (s: Sample, time: ShowTime) =>
	`${time(s.at)}  ${METRICS.map(m => (s[m] === undefined ? '' : `${m}=${s[m]}`)).filter(Boolean).join(' ')}`;

export function renderStatus(view: DeploymentView, paint: Paint, time: ShowTime): string {
	const lines = [
		`${paint('bold', view.id)}  ${view.service} ${view.from} → ${view.to}`,
		`status:   ${statusText(view.status, paint)} at ${view.percent}%    tiers: ${tierTrack(view)}`,
		`target:   ${view.target.kind}: ${view.target.state === 'failed' ? paint('red', view.targetLine) : view.targetLine}`,
	];
	if (view.target.error && view.target.state !== 'failed') lines.push(`          last error ${time(view.target.error.at)}: ${escapeControls(view.target.error.message)}`);
	if (view.gate) {
		lines.push(`tier:     ${bakeBar(view)}`);
		lines.push(`gate:     ${view.gate.verdict.toUpperCase()}: ${view.gate.summary}`);
		for (const m of view.gate.metrics) {
			const level = m.level === 'ok' ? 'ok' : m.level.toUpperCase();
			lines.push(`  ${m.metric.padEnd(10)} ${level.padEnd(12)} ${m.samples}/${m.minSamples} samples  ${m.explanation}`);
		}
	}
	if (view.hold) lines.push(`hold:     ${view.hold.reason} (since ${time(view.hold.since)})`);
	if (view.halt) lines.push(`halt:     ${paint('red', view.halt.trigger)}: ${view.halt.reason} (by ${view.halt.actor} at ${time(view.halt.at)})`);
	if (view.rollback) {
		const r = view.rollback;
		const verdict = r.verified ? paint('green', 'verified') : r.endedAt ? paint('red', 'NOT VERIFIED') : paint('yellow', 'reverting, not yet verified');
		lines.push(`rollback: ${r.trigger}, ${verdict}: ${r.reason}`);
		lines.push(`          step ${r.step}, snapshot ${r.expectedChecksum.slice(0, 16)}, target ${r.actualChecksum?.slice(0, 16) ?? '-'}${r.error ? `, error: ${r.error}` : ''}`);
	}
	lines.push(`lease:    ${view.lease.id} signed by ${view.lease.signers.map(s => `${s.role}:${s.keyId}`).join(', ') || 'nobody'}`);
	if (view.risk) lines.push(`risk:     ${view.risk.level} (${view.risk.score})${view.risk.acknowledged ? ', acknowledged' : ''}`);
	lines.push(`pack:     ${view.pack.id}, snapshot ${view.pack.snapshotChecksum.slice(0, 16)}, ${view.pack.steps} steps, ${view.pack.reverseOps} reverse ops`);
	if (view.lastSamples.length > 0) {
		lines.push(`samples:  ${view.sampleCount} in all; latest:`);
		for (const s of view.lastSamples) lines.push(`  ${sampleLine(s, time)}`);
	}
	return lines.join('\n');
}
