import {formatDuration, statusWord, type AuditEvent, type DeploymentView} from '../../core/index.js';
import DetailTable, {tableHeight} from '../components/DetailTable.js';
import type {Block} from '../model/blocks.js';
import {clockTime, tierSteps, versions} from '../model/format.js';
import {muted, span, titleText, toned} from '../model/styled.js';
import {STATUS_TONE, type Tone} from '../theme.js';
import {metricBlocks, type MetricInput} from './metric-blocks.js';

/** What the detail shows: the metrics section's input (see metric-blocks.tsx), and the audit events. */
export interface DetailInput extends MetricInput {
	events?: readonly AuditEvent[];
}

const line = (key: string, text: string): Block => ({key, height: 1, text});
const title = (key: string, text: string, note?: string): Block => ({key, height: 1, text: titleText(text, note)});
const label = (text: string) => muted(`${text} `);

const VERDICT_TONE: Record<string, Tone> = {pass: 'ok', hold: 'warning', halt: 'critical'};

function summary(v: DeploymentView): Block[] {
	const gate = v.gate;
	return [
		line('summary', `${span(v.id, {bold: true})}  ${v.service} ${versions(v.from, v.to)}  ${toned(STATUS_TONE[v.status], statusWord(v.status), true)}  tier ${tierSteps(v.tiers)} at ${v.percent}%`),
		line(
			'verdict',
			gate
				? `${label('gate')}${toned(VERDICT_TONE[gate.verdict]!, gate.verdict.toUpperCase(), true)} ${gate.summary.replace(/^gate \w+:\s*/i, '')}`
				: `${label('gate')}not evaluated: the canary is ${statusWord(v.status)}`,
		),
	];
}

function gateBlocks(v: DeploymentView): Block[] {
	const gate = v.gate;
	if (!gate) return [];
	const {bake} = gate;
	// Each metric by its label, as its line above names it, never by its key; counts and what is
	// needed in words (`TES 13 · CPU 13 (3 needed each)`: `13/3` read as a fraction).
	const mins = new Set(gate.metrics.map(m => m.minSamples));
	const samples =
		mins.size === 1
			? `${gate.metrics.map(m => `${m.spec.label} ${m.samples}`).join(' · ')} (${[...mins][0]} needed each)`
			: gate.metrics.map(m => `${m.spec.label} ${m.samples} (${m.minSamples} needed)`).join(' · ');
	const left = bake.leftMs > 0 ? ` (${formatDuration(bake.leftMs)} left)` : ' (done)';
	return [
		title('gate', 'Gate', 'why it holds, most serious first'),
		line('bake', `${label('bake')}${formatDuration(bake.elapsedMs)} of ${formatDuration(bake.requiredMs)}${left}`),
		line('samples', `${label('samples')}${samples}`),
		...(gate.reasons.length === 0 ? [line('reason-none', toned('ok', gate.summary))] : gate.reasons.map((r, i) => line(`reason-${i}`, `${label('why')}${r}`))),
	];
}

/** The promotion waiting for two keys: what they sign and who has, so the detail says why it does not move (`c` signs it). */
function keysBlocks(req: NonNullable<DeploymentView['tierCosign']>, now: number): Block[] {
	const signed = req.cosignatures.map(c => `${c.role}:${c.keyId}`).join(', ') || 'nobody yet';
	const missing = (['human', 'agent'] as const).filter(r => !req.cosignatures.some(c => c.role === r)).join(' and ');
	const left = formatDuration(Math.max(0, Date.parse(req.expiresAt) - now));
	const {evidence} = req;
	return [
		line('keys', `${label(`awaiting two keys for ${req.from}% → ${req.to}%`)}${toned('info', `signed by ${signed}; missing ${missing}; ${left} left (c signs)`)}`),
		line(
			'keys-evidence',
			`${label(`evidence ${req.id}`)}${evidence.samples} samples (sha256 ${evidence.samplesDigest.slice(0, 12)}), baked ${formatDuration(evidence.bakedMs)}; ${evidence.summary}`,
		),
	];
}

function records(v: DeploymentView, now: number): Block[] {
	const t = v.target;
	const tone = t.state === 'failed' ? 'critical' : t.state === 'applying' ? 'warning' : 'ok';
	const out: Block[] = [line('target', `${label(`target (${t.kind})`)}${toned(tone, v.targetLine)}`)];
	if (t.error && t.state !== 'failed') out.push(line('target-error', `${label(`last target error ${clockTime(t.error.at, now)}`)}${t.error.message}`));
	if (v.hold) out.push(line('hold', `${label(`hold since ${clockTime(v.hold.since, now)}`)}${toned('warning', v.hold.reason)}`));
	if (v.halt) out.push(line('halt', `${label(`halted (${v.halt.trigger}) by ${v.halt.actor} at ${clockTime(v.halt.at, now)}`)}${toned('critical', v.halt.reason)}`));
	if (v.tierCosign) out.push(...keysBlocks(v.tierCosign, now));
	if (v.rollback) {
		const r = v.rollback;
		const pending = !r.verified && !r.endedAt;
		const verdict = r.verified ? 'verified against the snapshot' : pending ? 'reverting: waiting for the target to read back' : `NOT VERIFIED${r.error ? `: ${r.error}` : ''}`;
		const tone = r.verified ? 'ok' : pending ? 'warning' : 'critical';
		out.push(line('rollback', `${label(`rollback (${r.trigger}) by ${r.actor} from ${r.step ?? '?'}`)}${toned(tone, verdict)}: ${r.reason}`));
	}
	const sanity = v.sanity.at(-1);
	if (sanity) out.push(line('sanity', `${label(`sanity at ${sanity.percent}%`)}${toned(sanity.ok ? 'ok' : 'critical', sanity.output)}`));
	return out;
}

function lease(v: DeploymentView, width: number, now: number): Block[] {
	const rows = v.lease.signers.map(s => ({role: s.role, key: s.keyId, 'signed at': clockTime(s.signedAt, now)}));
	return [
		title('lease', 'Lease', `${v.lease.id}${v.lease.expiresAt ? ` · expires ${clockTime(v.lease.expiresAt, now)}` : ''}`),
		{key: 'signers', height: tableHeight(rows.length), node: <DetailTable rows={rows} columns={['role', 'key', 'signed at']} width={width} />},
	];
}

function pack(v: DeploymentView): Block[] {
	return [
		title('pack', 'Rollback pack', v.pack.id),
		line('snapshot', `${label('snapshot sha256')}${v.pack.snapshotChecksum}`),
		line('reverse', `${label('reverse patch')}${v.pack.reverseOps} operations over ${v.pack.steps} steps`),
	];
}

function risk(v: DeploymentView, width: number): Block[] {
	if (!v.risk) return [];
	const rows = v.risk.factors.map(f => ({factor: f.name, points: String(f.points), detail: f.detail}));
	return [
		title('risk', 'Risk', `score ${v.risk.score} (${v.risk.level})${v.risk.acknowledged ? ', acknowledged by the signers' : ''}`),
		{key: 'factors', height: tableHeight(rows.length), node: <DetailTable rows={rows} columns={['factor', 'points', 'detail']} width={width} />},
	];
}

function audit(events: readonly AuditEvent[] | undefined, now: number): Block[] {
	const recent = [...(events ?? [])].reverse();
	return [
		title('audit', 'Recent audit events', 'newest first'),
		...(recent.length === 0
			? [line('audit-none', muted(events ? 'none yet' : 'loading…'))]
			: recent.map(e => line(`audit-${e.seq}`, `${label(clockTime(e.at, now))}${e.kind}${muted(` ${e.actor}`)} ${e.reason}`))),
	];
}

/** The detail of one deployment, top to bottom, as blocks of known height. */
export function detailBlocks(input: DetailInput): Block[] {
	const {view, width, now} = input;
	return [...summary(view), ...metricBlocks(input), ...gateBlocks(view), ...records(view, now), ...lease(view, width, now), ...pack(view), ...risk(view, width), ...audit(input.events, now)];
}
