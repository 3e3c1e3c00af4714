import {ACTIVE, deploymentView, leaseDigest, METRIC_INFO, type Level, type State} from '../../core/index.js';
import type {Dialog} from './dialog.js';
import {safeText} from './safe-text.js';

/**
 * The facts an operator reviews in a dialog, by name, in the words the screen uses. They are
 * taken when the dialog opens (what the operator saw) and compared with a fresh read at submit:
 * any difference refuses the action and says what changed.
 *
 * A leader ticking every second bumps the revision with every sample, so "the revision moved"
 * alone would refuse most confirmations for no reason. What matters is whether what the operator
 * reviewed still holds, and that depends on the action: a promotion rests on the gate (verdict,
 * metric levels, bake done); a halt, resume or rollback on where the canary is (status, tier); a
 * cosign on the lease's content, expiry and signers. Bake countdowns and in-band samples change none.
 */
export type ReviewedFacts = Readonly<Record<string, string>>;

const LEVEL_WORD: Record<Level | 'inconclusive', string> = {ok: 'ok', warning: 'WARN', critical: 'CRIT', inconclusive: 'too few samples'};

function leaseFacts(target: string, state: State): ReviewedFacts | undefined {
	const lease = state.leases.find(l => l.id === target);
	if (!lease) return undefined;
	const intent = state.intents.find(i => i.id === lease.intentId);
	return {
		digest: lease.digest,
		// What the signature will cover: the intent and plan as they are now (their digest).
		content: intent ? leaseDigest(intent, lease.plan) : 'intent missing',
		expires: lease.expiresAt,
		risk: `${lease.risk.score} ${lease.risk.level}${lease.risk.acknowledged ? ' acknowledged' : ''}`,
		signers: lease.cosignatures.map(c => `${c.role}:${c.keyId}`).join(', ') || 'none',
		started: lease.deploymentId ?? 'no',
	};
}

export function reviewedFacts(d: Pick<Dialog, 'action' | 'target'>, state: State, now: number): ReviewedFacts | undefined {
	if (d.action === 'cosign') return leaseFacts(d.target, state);
	const dep = state.deployments.find(x => x.id === d.target);
	if (!dep) return undefined;
	const promotion = d.action === 'promote' || d.action === 'forcePromote';
	const tier = `${dep.percent}%`;
	const halt = dep.halt?.reason ?? 'none';
	// Running, holding and awaiting promotion are one phase to a halt or a rollback: still live.
	if (!promotion) return {status: ACTIVE.includes(dep.status) ? 'live' : dep.status, tier, halt};
	// The order is the order a refusal names the changes in: the status line is one row, and the
	// gate verdict and status mostly follow from the metric levels before them.
	const gate = deploymentView(state, dep, now).gate;
	const levels = Object.fromEntries((gate?.metrics ?? []).map(m => [METRIC_INFO[m.metric].label, LEVEL_WORD[m.level]]));
	return {
		tier,
		...levels,
		gate: gate?.verdict.toUpperCase() ?? 'none',
		bake: gate ? (gate.bake.leftMs === 0 ? 'done' : 'baking') : 'none',
		status: dep.status,
		halt,
	};
}

// A value shown in a one-line status: untrusted text (a halt reason) escaped and kept short.
const shown = (v: string) => safeText(v, 32);

/** What differs between the facts reviewed and the facts now, as `tier 5% → 25%`; empty when nothing does. */
export function factChanges(before: ReviewedFacts, after: ReviewedFacts | undefined): string[] {
	if (!after) return ['no longer in the store'];
	const names = [...new Set([...Object.keys(before), ...Object.keys(after)])];
	return names.filter(n => before[n] !== after[n]).map(n => `${n} ${shown(before[n] ?? 'none')} → ${shown(after[n] ?? 'none')}`);
}
