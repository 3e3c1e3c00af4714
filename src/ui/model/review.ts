import {ACTIVE, deploymentView, startPreview, type State} from '../../core/index.js';
import type {Dialog} from './dialog.js';

/**
 * The facts an operator confirmed in a dialog, as a comparable string. A leader ticking every
 * second bumps the revision with every sample, so "the revision moved" alone would refuse most
 * confirmations for no reason. What matters is whether what the operator reviewed still holds,
 * and that depends on the action: a promotion rests on the gate (verdict, metric levels, bake
 * done); a halt, resume or rollback on where the canary is (status, tier); a cosign on the
 * lease's content, expiry and signers; a start on those and its pre-checks; an approval on the
 * intent. Bake countdowns and fresh in-band samples change none.
 */
export function reviewedFacts(d: Dialog, state: State, now: number): string {
	if (d.action === 'approve') {
		const intent = state.intents.find(i => i.id === d.target);
		return intent ? JSON.stringify(intent) : 'gone';
	}
	if (d.action === 'cosign' || d.action === 'start') {
		const lease = state.leases.find(l => l.id === d.target);
		if (!lease) return 'gone';
		return JSON.stringify({
			digest: lease.digest,
			expiresAt: lease.expiresAt,
			signers: lease.cosignatures.map(c => `${c.role}:${c.keyId}`),
			deploymentId: lease.deploymentId ?? null,
			intent: state.intents.find(i => i.id === lease.intentId) ?? null,
			// A start also rests on the pre-checks the dialog showed passing.
			checks: d.action === 'start' ? startPreview(state, lease, now).checks.map(c => `${c.name}: ${c.ok}`) : null,
		});
	}
	const dep = state.deployments.find(x => x.id === d.target);
	if (!dep) return 'gone';
	// Running, holding and awaiting promotion are one phase to a halt or a rollback: still live.
	const where = {phase: ACTIVE.includes(dep.status) ? 'live' : dep.status, tier: dep.tierIndex, percent: dep.percent, halt: dep.halt?.reason ?? null};
	if (d.action !== 'promote' && d.action !== 'forcePromote') return JSON.stringify(where);
	const gate = deploymentView(state, dep, now).gate;
	return JSON.stringify({
		...where,
		status: dep.status,
		verdict: gate?.verdict ?? null,
		levels: gate?.metrics.map(m => m.level) ?? null,
		baked: gate ? gate.bake.leftMs === 0 : null,
	});
}
