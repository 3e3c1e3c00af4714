import {ms} from '../../core/clock.js';
import {formatDuration} from '../../core/duration.js';
import type {MetricGate} from '../../core/gate.js';
import {escapeControls} from '../../core/text.js';
import type {DeploymentView} from '../../core/view/deployment.js';
import type {MetricsSourceKind, Sample} from '../../core/model/index.js';
import type {ShowTime} from '../../core/time.js';
import {METRICS} from '../../core/model/metrics.js';
import {statusText, tierTrack} from './status.js';
import {counted} from './plan.js';
import {table, type Paint} from './table.js';

export {statusText, tierTrack} from './status.js';

/** A progress bar for one tier's bake time. */
export function bakeBar(view: DeploymentView, width = 20): string {
	const bake = view.gate?.bake;
	if (!bake) return '';
	const share = bake.requiredMs === 0 ? 1 : Math.min(1, bake.elapsedMs / bake.requiredMs);
	const filled = Math.round(share * width);
	return `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${bake.leftMs > 0 ? `${formatDuration(bake.leftMs)} left` : 'baked'}`;
}

const num = (n: number) => `${Number(n.toFixed(2))}`;

/** A sample as a log line: the four by name, the definition's own metrics, TES Δ's two readings when it has them. */
function sampleLine(s: Sample, time: ShowTime): string {
	const values = [...METRICS.flatMap(m => (s[m] === undefined ? [] : [`${m}=${s[m]}`])), ...Object.entries(s.custom ?? {}).map(([k, v]) => `${k}=${v}`)];
	const tes = s.tes ? ` (TES canary ${num(s.tes.canary)} / stable ${num(s.tes.stable)})` : '';
	return `${time(s.at)}  ${values.join(' ')}${tes}`;
}

const SOURCE_WORD: Record<MetricsSourceKind, string> = {prometheus: 'Prometheus', push: 'pushed', simulated: 'simulated'};
const LEVEL_WORD: Record<MetricGate['level'], string> = {ok: 'ok', warning: 'WARNING', critical: 'CRITICAL', inconclusive: 'INCONCLUSIVE', no_data: 'NO DATA'};
const LEVEL_COLOR = {ok: 'green', warning: 'yellow', critical: 'red', inconclusive: 'gray', no_data: 'yellow'} as const satisfies Record<MetricGate['level'], Parameters<Paint>[0]>;

/** `4s ago`; a reading stamped after this clock's now (a pusher's clock ahead) says so. */
function ageText(at: string | undefined, now: number): string {
	if (at === undefined) return '-';
	const age = now - ms(at);
	return age >= 0 ? `${formatDuration(age)} ago` : `${formatDuration(-age)} ahead of this clock`;
}

/**
 * One row per gate metric: where its value comes from, its level, the value the gate judged (the one
 * the explanation names, never a calmer latest beside it), how old the last reading is, and why.
 * The label and unit are the metric's own (a custom metric has no entry among the four).
 */
function metricRows(view: DeploymentView, paint: Paint, now: number): string[] {
	const metrics = view.gate?.metrics ?? [];
	const tes = view.lastSamples.findLast(s => s.tesDelta !== undefined)?.tes;
	const rows = metrics.map(m => {
		const judged = m.judged ? `${num(m.judged.value)}${m.spec.unit}` : '-';
		// A reading that came from elsewhere than the definition's source (a push into a Prometheus canary) says so.
		const elsewhere = m.feed?.at !== undefined && m.feed.source !== m.spec.source ? ` (${SOURCE_WORD[m.feed.source]})` : '';
		const pair = m.metric === 'tesDelta' && tes ? ` (canary ${num(tes.canary)} / stable ${num(tes.stable)})` : '';
		return [m.spec.label, SOURCE_WORD[m.spec.source], paint(LEVEL_COLOR[m.level], LEVEL_WORD[m.level]), judged, `${ageText(m.feed?.at, now)}${elsewhere}${pair}`, `${m.samples} (${m.minSamples} needed)`, m.explanation];
	});
	return table(['METRIC', 'SOURCE', 'LEVEL', 'JUDGED', 'LAST READING', 'SAMPLES', 'WHY'], rows)
		.split('\n')
		.map(l => `  ${l}`);
}

/** Which process leads the engine, as a person finds it: its pid on its box (boxes differ on a shared etcd store). */
export const leaderText = (holder: {pid: number; host: string} | null | undefined) => (holder ? `the engine of pid ${holder.pid} on ${escapeControls(holder.host)}` : 'another engine');

export function renderStatus(view: DeploymentView, paint: Paint, time: ShowTime, now: number): string {
	const lines = [
		`${paint('bold', view.id)}  ${view.service} ${view.from} → ${view.to}`,
		`status:   ${statusText(view.status, paint)} at ${view.percent}%    tiers: ${tierTrack(view)}`,
		`target:   ${view.target.kind}: ${view.target.state === 'failed' ? paint('red', view.targetLine) : view.targetLine}`,
	];
	if (view.target.error && view.target.state !== 'failed') lines.push(`          last error ${time(view.target.error.at)}: ${escapeControls(view.target.error.message)}`);
	if (view.gate) {
		lines.push(`tier:     ${bakeBar(view)}`);
		lines.push(`gate:     ${view.gate.verdict.toUpperCase()}: ${view.gate.summary}`);
		lines.push(...metricRows(view, paint, now));
	}
	if (view.hold) lines.push(`hold:     ${view.hold.reason} (since ${time(view.hold.since)})`);
	if (view.halt) lines.push(`halt:     ${paint('red', view.halt.trigger)}: ${view.halt.reason} (by ${view.halt.actor} at ${time(view.halt.at)})`);
	if (view.tierCosign) lines.push(...tierCosignLines(view.id, view.tierCosign, paint, time, now));
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

/** The promotion waiting for its two keys: what they sign, who has, and how long is left. */
function tierCosignLines(id: string, req: NonNullable<DeploymentView['tierCosign']>, paint: Paint, time: ShowTime, now: number): string[] {
	const signed = req.cosignatures.map(c => `${c.role}:${c.keyId}`);
	const missing = (['human', 'agent'] as const).filter(r => !req.cosignatures.some(c => c.role === r));
	return [
		`keys:     ${paint('blue', `promotion ${req.from}% → ${req.to}% needs two keys`)} (${req.id}); signed by ${signed.join(', ') || 'nobody yet'}; missing ${missing.join(' and ')}`,
		`          evidence: ${req.evidence.summary}; ${counted(req.evidence.samples, 'sample')} (sha256 ${req.evidence.samplesDigest.slice(0, 16)}), baked ${formatDuration(req.evidence.bakedMs)}`,
		`          asked ${time(req.requestedAt)}, expires ${time(req.expiresAt)} (${formatDuration(Math.max(0, ms(req.expiresAt) - now))} left): calyx canary cosign ${id} --key <key>`,
	];
}
