import type {Trust} from './trust.js';
import {verifyLease} from './lease.js';
import type {DeploymentStatus, Intent, Lease, RiskScore, State} from './model/index.js';

/** A service with a deployment in one of these is not free: two canaries would fight over its traffic. */
const OCCUPYING: readonly DeploymentStatus[] = ['running', 'holding', 'awaiting_promotion', 'halted', 'rolling_back', 'rollback_failed'];
import {riskWithinPolicy} from './risk.js';
import type {Target} from './target.js';
import {statusWord} from './view/words.js';

export interface Precheck {
	name: 'intent status' | 'service free' | 'resource load' | 'lease verified' | 'risk within policy' | 'target version';
	ok: boolean;
	detail: string;
}

/**
 * Stage 0. Runs every check and reports each, so a refused start names everything that is
 * wrong at once instead of making the operator fix one thing per attempt.
 */
export function runPrechecks(
	state: State,
	lease: Lease,
	intent: Intent,
	ctx: {target: Target; now: number; risk: RiskScore; trust: Trust},
): {ok: boolean; checks: Precheck[]} {
	const statusOk = intent.status === 'approved_pending_human' || (intent.status === 'leased' && intent.leaseId === lease.id);
	// Read the service first: a simulated target learns an unseen service at the intent's from-version.
	const running = ctx.target.versionOf(ctx.target.readState(intent.service, intent.fromVersion));
	const load = ctx.target.resourceLoad(intent.service);
	const max = state.config.maxResourceLoad;
	const verification = verifyLease(state, ctx.trust, lease, ctx.now);
	const policy = riskWithinPolicy(ctx.risk, lease.risk.acknowledged, state.config.risk);
	const occupant = state.deployments.find(d => d.service === intent.service && OCCUPYING.includes(d.status));
	const checks: Precheck[] = [
		{
			name: 'intent status',
			ok: statusOk,
			detail: statusOk
				? `${intent.id} is ${statusWord(intent.status)}`
				: intent.status === 'leased'
					? `${intent.id} is leased under ${intent.leaseId}, not this lease`
					: `${intent.id} is ${statusWord(intent.status)}, not approved pending human`,
		},
		{
			name: 'service free',
			ok: !occupant,
			detail: occupant
				? `${occupant.id} is ${statusWord(occupant.status)} on ${intent.service}: finish, roll back or repair it first`
				: `no other deployment is live on ${intent.service}`,
		},
		{name: 'resource load', ok: load < max, detail: `load ${load}% ${load < max ? '<' : '≥'} ${max}%`},
		{
			name: 'lease verified',
			ok: verification.ok,
			detail: verification.ok
				? `two keys verified: ${verification.valid.map(v => `${v.role}:${v.keyId}`).join(', ')}`
				: verification.reasons.map(r => `${r.code}: ${r.message}`).join('; '),
		},
		{name: 'risk within policy', ok: policy.ok, detail: policy.reason},
		{
			name: 'target version',
			ok: running === intent.fromVersion,
			detail:
				running === intent.fromVersion
					? `target runs ${running}`
					: `target runs ${running ?? 'nothing'}, the intent expects ${intent.fromVersion}`,
		},
	];
	return {ok: checks.every(c => c.ok), checks};
}
