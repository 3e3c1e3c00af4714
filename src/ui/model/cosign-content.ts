import {definitionFor, displayDeep, displayText, formatDuration, leaseView, type KeyRecord, type LeaseView, type Role, type ServiceDefinition, type State, type Trust} from '../../core/index.js';
import {demandWords} from '../../core/risk-plan.js';
import {bodyWindow, type DialogBody} from './dialog-scroll.js';
import {metricsLines} from './metrics-lines.js';
import {clockTime, versions} from './format.js';
import {nextAfterCosign} from './outcome.js';
import {wrapContent, type ContentLine, type Row} from './wrap.js';

/**
 * Everything a cosigner signs, as labelled lines: the intent as the lease digest covers it
 * (`intentContent`: id, service, versions, title, files, lines, criticality), the service's
 * definition (target and settings, sanity checks per tier, its digest), the whole plan (tiers,
 * bake, minimum samples, auto-promote, auto-rollback), what the gate judges (metrics-lines.ts:
 * the metrics source and, per metric it judges, bands, budget, no-data policy, queries; header
 * names only, never a value), the risk and its
 * acknowledgement (in the signed payload), the digest and expiry, the signers so far, and what
 * comes after this signature. The lease view is computed from the state as stored, then escaped
 * (`displayDeep`, as every view on screen), and so is every line; nothing is cut: the dialog wraps
 * and scrolls it. Times are in the console's zone (`clockTime`).
 */

const yesNo = (b: boolean) => (b ? 'yes' : 'no');
const RISK_TONE = {high: 'critical', medium: 'warning', low: 'ok'} as const;

/** What the lease signs about the service: where its traffic goes and what checks each tier. */
function serviceLines(s: LeaseView['service']): ContentLine[] {
	if (!s) return [];
	if (!s.digest) return [{label: 'service', text: `${s.name}: ${s.target}`}];
	return [
		{label: 'service', text: `${s.name} on ${s.target}`},
		...s.sanity.map(text => ({label: 'sanity', text})),
		{label: 'definition', text: s.digest.slice(0, 12)},
		...(s.problem ? [{label: 'untrusted', text: s.problem, tone: 'critical' as const}] : []),
	];
}

/**
 * `definition` is the one the lease signs (the service's in force, as `cosign` signs it), raw: its
 * metrics are read by the gate's own `gateMetrics`, and every line is escaped below.
 */
export function cosignLines(
	lease: LeaseView,
	signer: {role: Role; id: string} | undefined,
	keys: readonly KeyRecord[],
	now: number,
	definition?: ServiceDefinition,
	/** What the policy demands at the lease's risk level. */
	demand?: string,
): ContentLine[] {
	const {intent, risk, plan} = lease;
	const intentLines: ContentLine[] = intent
		? [
				{label: 'intent', text: `${intent.id} · ${intent.service} ${versions(intent.fromVersion, intent.toVersion)} · ${intent.criticality} criticality`},
				{label: 'title', text: intent.title},
				{label: 'change', text: `${intent.files} files, ${intent.lines} lines`},
			]
		: [{label: 'intent', text: 'missing: the lease cannot verify', tone: 'critical'}];
	const after = signer && lease.missing.includes(signer.role) ? lease.missing.filter(r => r !== signer.role) : lease.missing;
	const lines: ContentLine[] = [
		{label: 'you sign as', text: signer ? `${signer.role}:${signer.id}` : 'no key loaded'},
		...intentLines,
		...serviceLines(lease.service),
		{
			label: 'plan',
			text: `tiers ${plan.tiers.join('›')} · bake ${formatDuration(plan.bakeMs)} · min ${plan.minSamples} samples · auto-promote ${yesNo(plan.autoPromote)} · auto-rollback ${yesNo(plan.autoRollback)}`,
		},
		...metricsLines(plan, definition),
		// With what the policy demands of a plan at this level (config risk.plans): the plan above meets it, or lease issue had refused it.
		{label: 'risk', text: `${risk.score} (${risk.level}), ${risk.acknowledged ? 'acknowledged' : 'not acknowledged'}${demand ? ` · demands ${demand}` : ''}`, tone: RISK_TONE[risk.level]},
		...risk.factors.map(f => ({label: 'factor', text: `${f.name} +${f.points}: ${f.detail}`})),
		{label: 'digest', text: lease.digest},
		{label: 'issued', text: clockTime(lease.issuedAt, now)},
		{label: 'expires', text: `${clockTime(lease.expiresAt, now)} (in ${formatDuration(Math.max(0, lease.expiresInMs))})`},
		{label: 'signed', text: lease.signers.map(s => `${s.role}:${s.keyId}`).join(', ') || 'nobody yet'},
		// Once one key signed, the other has until the approval deadline (lease.secondKey).
		{label: 'missing', text: `${lease.missing.join(', ') || 'none'}${lease.secondKey ? ` (by ${clockTime(lease.secondKey.by, now)}, in ${formatDuration(Math.max(0, lease.secondKey.leftMs))}, else the lease lapses)` : ''}`},
		{label: 'then', text: nextAfterCosign(lease.id, after, keys), tone: 'info'},
	];
	// The signer's and the registered keys' ids are not in the view: escape the lines as shown.
	return lines.map(l => ({...l, text: displayText(l.text)}));
}

/** The cosign dialog's content as laid out for the screen: its rows and the window they scroll in. */
export interface DialogContent {
	rows: readonly Row[];
	body: DialogBody;
	/**
	 * Evidence beside what is signed, on fixed rows under the window (the replay of the plan): it
	 * arrives after the dialog opened, and must not move the rows being read nor their count.
	 */
	beside?: readonly Row[];
}

/** Rows kept under a lease cosign's window for its replay line, when the store can replay. */
const BESIDE_ROWS = 2;

/** `text` as at most `n` labelled rows of `width`, the last one cut with … when it goes on. */
function fixedRows(label: string, text: string, width: number, n: number): Row[] {
	const rows = wrapContent([{label, text: displayText(text)}], width);
	if (rows.length <= n) return [...rows, ...Array.from({length: n - rows.length}, () => ({label: '', text: ''}))];
	const last = rows[n - 1]!;
	return [...rows.slice(0, n - 1), {...last, text: `${[...last.text].slice(0, -1).join('')}…`}];
}

/** The content of a cosign dialog on `leaseId` in a pane, or undefined when the lease is gone. */
export function cosignContent(
	state: State,
	leaseId: string,
	now: number,
	signer: {role: Role; id: string} | undefined,
	pane: {pane: number; columns: number},
	trust: Trust,
	replayed?: string,
): DialogContent | undefined {
	const lease = state.leases.find(l => l.id === leaseId);
	if (!lease) return undefined;
	const full = bodyWindow(pane.pane, pane.columns);
	const window = replayed === undefined ? full : {...full, height: Math.max(1, full.height - BESIDE_ROWS)};
	const intent = state.intents.find(i => i.id === lease.intentId);
	const definition = intent && definitionFor(state, intent.service);
	const demand = demandWords(state.config.risk.plans[lease.risk.level]);
	const rows = wrapContent(cosignLines(displayDeep(leaseView(state, lease, now, trust)), signer, state.keys, now, definition, demand), window.width);
	// Its label in the body's label column: the rows read as one table.
	const label = 'replayed'.padEnd(rows[0]?.label.length ?? 0);
	const beside = replayed === undefined ? undefined : fixedRows(label, replayed, window.width, Math.min(BESIDE_ROWS, full.height - window.height));
	return {rows, body: {target: leaseId, rows: rows.length, ...window}, ...(beside ? {beside} : {})};
}
