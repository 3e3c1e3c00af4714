import {ACTIVE, currentLeaseDigest, deploymentView, escapeControls, startPreview, statusWord, type Deployment, type MetricGate, type State, type TargetReading, type Trust} from '../../core/index.js';
import type {Dialog} from './dialog.js';

/**
 * The facts an operator reviews in a dialog, by name, in the words the screen uses. They are
 * taken when the dialog opens (what the operator saw) and compared with a fresh read at submit:
 * any difference refuses the action and says what changed.
 *
 * A leader ticking every second bumps the revision with every sample, so "the revision moved"
 * alone would refuse most confirmations for no reason. What matters is whether what the operator
 * reviewed still holds, and that depends on the action: a promotion rests on the gate (verdict,
 * metric levels, bake done); a halt, resume or rollback on where the canary is (status, tier); a
 * cosign on the lease's content, expiry and signers; a start on those and the verdict of each
 * pre-check the dialog showed; an approval on the intent. Bake countdowns and in-band samples
 * change none.
 *
 * The values are taken from the state as stored (a digest covers the exact text) and escaped only
 * when a change is said (`factChanges`).
 */
export type ReviewedFacts = Readonly<Record<string, string>>;

const LEVEL_WORD: Record<MetricGate['level'], string> = {ok: 'ok', warning: 'WARN', critical: 'CRIT', inconclusive: 'too few samples', no_data: 'no data'};

const PROMOTION_FACTS = ['tier', 'gate', 'bake', 'status', 'halt'];

/**
 * Each metric's level by its label, as the screen names it. A custom metric's label is the
 * definition's: one that another fact or metric already uses is told apart by its key, so no fact
 * hides another.
 */
function metricLevels(metrics: readonly MetricGate[]): Record<string, string> {
	const out: Record<string, string> = {};
	for (const m of metrics) {
		const name = PROMOTION_FACTS.includes(m.spec.label) || m.spec.label in out ? `${m.spec.label} (${m.metric})` : m.spec.label;
		out[name] = LEVEL_WORD[m.level];
	}
	return out;
}

function leaseFacts(target: string, state: State, now: number, checks: boolean, trust: Trust, reading?: TargetReading): ReviewedFacts | undefined {
	const lease = state.leases.find(l => l.id === target);
	if (!lease) return undefined;
	const intent = state.intents.find(i => i.id === lease.intentId);
	// A start also rests on the pre-checks the dialog showed: each one's verdict, not its detail
	// (a load figure moves with every sample).
	const verdicts = checks ? Object.fromEntries(startPreview(state, lease, now, trust, reading).checks.map(c => [c.name, c.ok ? 'pass' : 'fail'])) : {};
	return {
		digest: lease.digest,
		// What the signature will cover: the intent, plan and service definition as they are now (their digest).
		content: intent ? currentLeaseDigest(state, intent, lease.plan) : 'intent missing',
		expires: lease.expiresAt,
		risk: `${lease.risk.score} ${lease.risk.level}${lease.risk.acknowledged ? ' acknowledged' : ''}`,
		signers: lease.cosignatures.map(c => `${c.role}:${c.keyId}`).join(', ') || 'none',
		started: lease.deploymentId ?? 'no',
		voided: lease.voidedAt ? `by ${lease.voidedBy ?? 'a newer lease'}` : 'no',
		...verdicts,
	};
}

function intentFacts(target: string, state: State): ReviewedFacts | undefined {
	const intent = state.intents.find(i => i.id === target);
	if (!intent) return undefined;
	return {
		status: statusWord(intent.status),
		change: `${intent.service} ${intent.fromVersion} → ${intent.toVersion}`,
		size: `${intent.files} files, ${intent.lines} lines`,
		criticality: intent.criticality,
		title: intent.title,
		created: `${intent.createdAt} by ${intent.createdBy}`,
	};
}

/**
 * A tier cosign rests on the request the dialog showed (its id names its step and evidence), who
 * had signed it, and that the deployment still waits for keys.
 */
function tierFacts(dep: Deployment): ReviewedFacts {
	const req = dep.tierCosign;
	return {
		status: statusWord(dep.status),
		request: req?.id ?? 'none',
		signers: req?.cosignatures.map(c => `${c.role}:${c.keyId}`).join(', ') || 'none',
	};
}

// Running, holding and awaiting promotion are one phase to a halt or a rollback: still live.
const phase = (dep: Deployment) => `${ACTIVE.includes(dep.status) ? 'live' : statusWord(dep.status)} at ${dep.percent}%`;

/** A group rests on where each of its deployments stood, by id: one gone or moved on refuses the whole group. */
function groupFacts(ids: readonly string[], state: State): ReviewedFacts | undefined {
	const facts: Record<string, string> = {};
	for (const id of ids) {
		const dep = state.deployments.find(x => x.id === id);
		facts[id] = dep ? phase(dep) : 'gone';
	}
	return ids.length > 0 ? facts : undefined;
}

export function reviewedFacts(d: Pick<Dialog, 'action' | 'target' | 'reading' | 'group'>, state: State, now: number, trust: Trust): ReviewedFacts | undefined {
	if (d.action === 'cosign' || d.action === 'start') return leaseFacts(d.target, state, now, d.action === 'start', trust, d.reading);
	if (d.action === 'approve') return intentFacts(d.target, state);
	if (d.action === 'group') return groupFacts(d.group?.ids ?? [], state);
	const dep = state.deployments.find(x => x.id === d.target);
	if (!dep) return undefined;
	if (d.action === 'tierCosign') return tierFacts(dep);
	const promotion = d.action === 'promote' || d.action === 'forcePromote';
	const tier = `${dep.percent}%`;
	const halt = dep.halt?.reason ?? 'none';
	if (!promotion) return {status: ACTIVE.includes(dep.status) ? 'live' : statusWord(dep.status), tier, halt};
	// The order is the order a refusal names the changes in: the status line is one row, and the
	// gate verdict and status mostly follow from the metric levels before them.
	const gate = deploymentView(state, dep, now).gate;
	const levels = metricLevels(gate?.metrics ?? []);
	return {
		tier,
		...levels,
		gate: gate?.verdict.toUpperCase() ?? 'none',
		bake: gate ? (gate.bake.leftMs === 0 ? 'done' : 'baking') : 'none',
		status: statusWord(dep.status),
		halt,
	};
}

const SHOWN_MAX = 32;

// A value shown in a one-line status: untrusted text (a halt reason, a title) escaped and kept short.
function shown(v: string): string {
	const chars = [...escapeControls(v)];
	return chars.length > SHOWN_MAX ? `${chars.slice(0, SHOWN_MAX - 1).join('')}…` : chars.join('');
}

/** What differs between the facts reviewed and the facts now, as `tier 5% → 25%`; empty when nothing does. */
export function factChanges(before: ReviewedFacts, after: ReviewedFacts | undefined): string[] {
	if (!after) return ['no longer in the store'];
	const names = [...new Set([...Object.keys(before), ...Object.keys(after)])];
	return names.filter(n => before[n] !== after[n]).map(n => `${n} ${shown(before[n] ?? 'none')} → ${shown(after[n] ?? 'none')}`);
}
