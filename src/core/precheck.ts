import type {Trust} from './trust.js';
import {verifyLease} from './lease.js';
import {driftedSettings} from './config-record.js';
import type {DeploymentStatus, Intent, Lease, RiskScore, State} from './model/index.js';

/** A service with a deployment in one of these is not free: two canaries would fight over its traffic. */
const OCCUPYING: readonly DeploymentStatus[] = ['running', 'holding', 'awaiting_promotion', 'awaiting_cosign', 'halted', 'rolling_back', 'rollback_failed'];
import {riskWithinPolicy} from './risk.js';
import {planWithinRisk} from './risk-plan.js';
import {runningVersion, type TargetReading} from './target.js';
import {statusWord} from './view/words.js';
import {serviceInForce} from './service.js';
import {gateMetrics} from './metric-specs.js';
import {pollQuery, queryVariables} from './metrics-work.js';

export interface Precheck {
	name: 'intent status' | 'service free' | 'resource load' | 'lease verified' | 'risk within policy' | 'plan fits risk' | 'configuration recorded' | 'target version' | 'target at rest' | 'metrics source';
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
	ctx: {reading: TargetReading | undefined; now: number; risk: RiskScore; trust: Trust},
): {ok: boolean; checks: Precheck[]} {
	const statusOk = intent.status === 'approved_pending_human' || (intent.status === 'leased' && intent.leaseId === lease.id);
	const {reading} = ctx;
	const max = state.config.maxResourceLoad;
	const verification = verifyLease(state, ctx.trust, lease, ctx.now);
	const policy = riskWithinPolicy(ctx.risk, lease.risk.acknowledged, state.config.risk);
	// Scored again now: a lease issued by day at low risk may start at night at high risk, and its plan must fit that.
	const fit = planWithinRisk(lease.plan, ctx.risk, state.config.risk);
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
		loadCheck(reading, max),
		{
			name: 'lease verified',
			ok: verification.ok,
			detail: verification.ok
				? `two keys verified: ${verification.valid.map(v => `${v.role}:${v.keyId}`).join(', ')}`
				: verification.reasons.map(r => `${r.code}: ${r.message}`).join('; '),
		},
		{name: 'risk within policy', ok: policy.ok, detail: policy.reason},
		{name: 'plan fits risk', ok: fit.ok, detail: fit.reason},
		configCheck(ctx.trust),
		...targetChecks(reading, intent),
		...metricsCheck(state, ctx.trust, intent, lease, reading),
	];
	return {ok: checks.every(c => c.ok), checks};
}

/** The load limit and the risk policy above are the configuration's: checked against what the trail recorded of it. */
function configCheck(trust: Trust): Precheck {
	const drift = trust.configDrift;
	if (!drift) return {name: 'configuration recorded', ok: true, detail: 'the configuration is as the audit trail last recorded it'};
	return {name: 'configuration recorded', ok: false, detail: `${driftedSettings(drift)}: calyx config set records ${drift.differences.length === 1 ? 'it' : 'them'}`};
}

/** The detail of a target check run without a reading (a console shows it while it reads). */
export const UNREAD_TARGET = 'reading the target…';
const UNREAD = UNREAD_TARGET;

function loadCheck(reading: TargetReading | undefined, max: number): Precheck {
	if (!reading) return {name: 'resource load', ok: false, detail: UNREAD};
	const {load} = reading;
	// A router knows weights, not capacity: its load comes with a metrics source (Prometheus), not before.
	if (load === undefined) return {name: 'resource load', ok: true, detail: `the ${reading.kind} target reports no load: not checked`};
	return {name: 'resource load', ok: load < max, detail: `load ${load}% ${load < max ? '<' : '≥'} ${max}%`};
}

/**
 * A service whose gate reads Prometheus starts only when its Prometheus answers: a canary judged by
 * a source that is down would hold on "no data" from its first tier.
 */
function metricsCheck(state: State, trust: Trust, intent: Intent, lease: Lease, reading: TargetReading | undefined): Precheck[] {
	const inForce = serviceInForce(state, trust, intent.service);
	const definition = 'record' in inForce ? inForce.record.definition : undefined;
	const spec = definition?.metrics;
	if (!definition || spec?.source !== 'prometheus') return [];
	// A version that cannot go into a query would take traffic with a gate that can never read it.
	const vars = queryVariables({service: intent.service, fromVersion: intent.fromVersion, toVersion: intent.toVersion}, spec);
	const unfilled = gateMetrics({plan: lease.plan, definition})
		.map(m => pollQuery(m, vars))
		.find(q => q.problem !== undefined);
	if (unfilled) return [{name: 'metrics source', ok: false, detail: `the ${unfilled.label} query cannot be made for this intent: ${unfilled.problem}`}];
	if (!reading) return [{name: 'metrics source', ok: false, detail: UNREAD}];
	const probe = reading.metrics;
	if (!probe) return [{name: 'metrics source', ok: false, detail: `Prometheus at ${spec.prometheus?.address} was not probed`}];
	return [{name: 'metrics source', ok: probe.ok, detail: probe.detail}];
}

/** The target runs the intent's from-version (where it reports versions) and sends the canary nothing yet. */
function targetChecks(reading: TargetReading | undefined, intent: Intent): Precheck[] {
	// Both checks are listed unread too: a screen (and its review of what it showed) sees the same seven checks either way.
	if (!reading) return [{name: 'target version', ok: false, detail: UNREAD}, {name: 'target at rest', ok: false, detail: UNREAD}];
	const running = runningVersion(reading.split);
	const reportsVersions = reading.split.stable.version !== undefined || reading.split.canary.version !== undefined;
	const share = Math.round(reading.split.percent * 100) / 100;
	return [
		{
			name: 'target version',
			ok: !reportsVersions || running === intent.fromVersion,
			detail: !reportsVersions
				? `the ${reading.kind} target reports no versions: the intent says ${intent.fromVersion}`
				: running === intent.fromVersion
					? `target runs ${running}`
					: `target runs ${running ?? 'a split of two versions'}, the intent expects ${intent.fromVersion}`,
		},
		{
			name: 'target at rest',
			ok: share === 0,
			detail: share === 0 ? 'the canary side gets no traffic' : `the target sends ${share}% to the canary side already: finish or undo that first`,
		},
	];
}
