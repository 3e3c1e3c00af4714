import {formatDuration, leaseView, METRIC_INFO, METRICS, type KeyRecord, type LeaseView, type Role, type State} from '../../core/index.js';
import {bodyWindow, type DialogBody} from './dialog-scroll.js';
import {versions} from './format.js';
import {safeText} from './safe-text.js';
import {wrapContent, type ContentLine, type Row} from './wrap.js';

/**
 * Everything a cosigner signs, as labelled lines: the intent as the lease digest covers it
 * (`intentContent`: id, service, versions, title, files, lines, criticality), the whole plan
 * (tiers, bake, minimum samples, auto-promote, auto-rollback, every threshold), the risk and its
 * acknowledgement (in the signed payload), the digest and expiry, the signers so far, and what
 * comes after this signature. Untrusted text is escaped (safeText); nothing is cut: the dialog
 * wraps and scrolls it.
 */

const yesNo = (b: boolean) => (b ? 'yes' : 'no');
const RISK_TONE = {high: 'critical', medium: 'warning', low: 'ok'} as const;

/** The key to name in a hint: the one registered, unrevoked key of the role, else a placeholder. */
export function keyFor(role: Role, keys: readonly KeyRecord[]): string {
	const live = keys.filter(k => k.role === role && !k.revokedAt);
	return live.length === 1 ? live[0]!.id : `<${role} key>`;
}

/**
 * What the operator does once a signature is in, given the roles still missing after it. Short
 * enough that the status line shows the whole command at 80 columns.
 */
export function nextAfterCosign(leaseId: string, missing: readonly Role[], keys: readonly KeyRecord[]): string {
	if (missing.length === 0) return `both keys signed: calyx canary start ${leaseId}`;
	const role = missing[0]!;
	return `${missing.join(' and ')} key next: CALYX_KEY=${keyFor(role, keys)} calyx lease sign ${leaseId}`;
}

function thresholdLines(plan: LeaseView['plan']): ContentLine[] {
	return METRICS.map(m => {
		const {label, direction, unit} = METRIC_INFO[m];
		const cmp = direction === 'below' ? '<' : '>';
		const band = plan.thresholds[m];
		return {label: 'threshold', text: `${label}: warning ${cmp} ${band.warning}${unit} · critical ${cmp} ${band.critical}${unit}`};
	});
}

export function cosignLines(lease: LeaseView, signer: {role: Role; id: string} | undefined, keys: readonly KeyRecord[]): ContentLine[] {
	const {intent, risk, plan} = lease;
	const intentLines: ContentLine[] = intent
		? [
				{label: 'intent', text: `${intent.id} · ${safeText(intent.service)} ${versions(safeText(intent.fromVersion), safeText(intent.toVersion))} · ${intent.criticality} criticality`},
				{label: 'title', text: safeText(intent.title)},
				{label: 'change', text: `${intent.files} files, ${intent.lines} lines`},
			]
		: [{label: 'intent', text: 'missing: the lease cannot verify', tone: 'critical'}];
	const after = signer && lease.missing.includes(signer.role) ? lease.missing.filter(r => r !== signer.role) : lease.missing;
	return [
		{label: 'you sign as', text: signer ? `${signer.role}:${signer.id}` : 'no key loaded'},
		...intentLines,
		{
			label: 'plan',
			text: `tiers ${plan.tiers.join('›')} · bake ${formatDuration(plan.bakeMs)} · min ${plan.minSamples} samples · auto-promote ${yesNo(plan.autoPromote)} · auto-rollback ${yesNo(plan.autoRollback)}`,
		},
		...thresholdLines(plan),
		{label: 'risk', text: `${risk.score} (${risk.level}), ${risk.acknowledged ? 'acknowledged' : 'not acknowledged'}`, tone: RISK_TONE[risk.level]},
		...risk.factors.map(f => ({label: 'factor', text: `${safeText(f.name)} +${f.points}: ${safeText(f.detail)}`})),
		{label: 'digest', text: lease.digest},
		{label: 'issued', text: lease.issuedAt},
		{label: 'expires', text: `${lease.expiresAt} (in ${formatDuration(Math.max(0, lease.expiresInMs))})`},
		{label: 'signed', text: lease.signers.map(s => `${s.role}:${safeText(s.keyId)}`).join(', ') || 'nobody yet'},
		{label: 'missing', text: lease.missing.join(', ') || 'none'},
		{label: 'then', text: nextAfterCosign(lease.id, after, keys), tone: 'info'},
	];
}

/** The cosign dialog's content as laid out for the screen: its rows and the window they scroll in. */
export interface DialogContent {
	rows: readonly Row[];
	body: DialogBody;
}

/** The content of a cosign dialog on `leaseId` in a pane, or undefined when the lease is gone. */
export function cosignContent(
	state: State,
	leaseId: string,
	now: number,
	signer: {role: Role; id: string} | undefined,
	pane: {pane: number; columns: number},
): DialogContent | undefined {
	const lease = state.leases.find(l => l.id === leaseId);
	if (!lease) return undefined;
	const window = bodyWindow(pane.pane, pane.columns);
	const rows = wrapContent(cosignLines(leaseView(state, lease, now), signer, state.keys), window.width);
	return {rows, body: {target: leaseId, rows: rows.length, ...window}};
}
