import {deploymentView, displayDeep, displayText, formatDuration, ms, statusWord, type DeploymentView, type KeyRecord, type Role, type State} from '../../core/index.js';
import type {Availability} from '../../core/view/actions.js';
import type {DialogContent} from './cosign-content.js';
import {bodyWindow} from './dialog-scroll.js';
import {clockTime, versions} from './format.js';
import {keyFor} from './outcome.js';
import {wrapContent, type ContentLine} from './wrap.js';

/**
 * Per-tier keys in the console: a deployment in `awaiting_cosign` waits for a human and an agent
 * key over one request (core/tier-keys.ts). The dialog shows that request whole — the step, the
 * gate's evidence (verdict, how many samples and the sha256 of the window judged, the bake), who
 * signed, what is missing, the time left — and signs exactly it: the request id goes with the
 * signature, so a request renewed since (new evidence) is refused, never signed unseen.
 */

type Request = NonNullable<DeploymentView['tierCosign']>;

const missingOf = (req: Request): Role[] => (['human', 'agent'] as const).filter(r => !req.cosignatures.some(c => c.role === r));

/** Whether a key of `role` could sign the promotion this deployment waits for now. */
export function tierCosignAvailability(v: DeploymentView, role: Role | undefined): Availability {
	const req = v.tierCosign;
	if (v.status !== 'awaiting_cosign' || !req) return {ok: false, why: `${v.id} is ${statusWord(v.status)}: no promotion waits for keys`};
	if (!role) return {ok: false, why: 'no signing key loaded: start the console with your key to cosign'};
	const by = req.cosignatures.find(c => c.role === role);
	if (by) return {ok: false, why: `the ${role} signature for ${req.from}% → ${req.to}% is already there (by ${by.keyId})`};
	return {ok: true, why: `adds the ${role} signature to ${req.from}% → ${req.to}%`};
}

/** What comes after this signature: the promotion, or the other key (by the command that adds it). */
function then(v: DeploymentView, req: Request, after: readonly Role[], keys: readonly KeyRecord[]): string {
	if (after.length === 0) return `both keys signed: the engine promotes to ${req.to}% if the gate still passes`;
	const role = after[0]!;
	return `${after.join(' and ')} key next: CALYX_KEY=${keyFor(role, keys)} calyx canary cosign ${v.id} --request ${req.id}`;
}

/** The request as labelled lines, escaped as shown. */
export function tierCosignLines(v: DeploymentView, signer: {role: Role; id: string} | undefined, keys: readonly KeyRecord[], now: number): ContentLine[] {
	const req = v.tierCosign;
	if (!req) return [{label: 'request', text: `${v.id} is ${statusWord(v.status)}: no promotion waits for keys`, tone: 'critical'}];
	const missing = missingOf(req);
	const after = signer ? missing.filter(r => r !== signer.role) : missing;
	const left = ms(req.expiresAt) - now;
	const {evidence} = req;
	const lines: ContentLine[] = [
		{label: 'you sign as', text: signer ? `${signer.role}:${signer.id}` : 'no key loaded'},
		{label: 'deployment', text: `${v.id} · ${v.service} ${versions(v.from, v.to)} · lease ${v.lease.id}`},
		{label: 'step', text: `${req.from}% → ${req.to}% (tier ${req.tier + 1} of ${v.tiers.length})`},
		{label: 'request', text: req.id},
		{label: 'gate', text: evidence.summary},
		{label: 'samples', text: `${evidence.samples} judged · sha256 ${evidence.samplesDigest.slice(0, 16)}…`},
		{label: 'bake', text: formatDuration(evidence.bakedMs)},
		{label: 'asked', text: clockTime(req.requestedAt, now)},
		{label: 'expires', text: `${clockTime(req.expiresAt, now)} (in ${formatDuration(Math.max(0, left))})`, ...(left < 5 * 60_000 ? {tone: 'warning' as const} : {})},
		{label: 'signed', text: req.cosignatures.map(c => `${c.role}:${c.keyId}`).join(', ') || 'nobody yet'},
		{label: 'missing', text: missing.join(' and ') || 'none'},
		{label: 'then', text: then(v, req, after, keys), tone: 'info'},
	];
	return lines.map(l => ({...l, text: displayText(l.text)}));
}

/** The tier cosign dialog's content on deployment `id` in a pane, or undefined when it is gone. */
export function tierCosignContent(state: State, id: string, now: number, signer: {role: Role; id: string} | undefined, pane: {pane: number; columns: number}): DialogContent | undefined {
	const dep = state.deployments.find(d => d.id === id);
	if (!dep) return undefined;
	const window = bodyWindow(pane.pane, pane.columns);
	const rows = wrapContent(tierCosignLines(displayDeep(deploymentView(state, dep, now)), signer, state.keys, now), window.width);
	return {rows, body: {target: id, rows: rows.length, ...window}};
}
