import type {Intent, RiskFactor, RiskLevel, RiskPolicy, RiskScore} from './model/index.js';

const SIZE_STEPS: Array<[number, number]> = [
	[1000, 35],
	[500, 25],
	[200, 15],
	[50, 8],
];
const CRITICALITY_POINTS = {low: 0, medium: 15, high: 30} as const;

function sizeFactor(intent: Pick<Intent, 'files' | 'lines'>): RiskFactor {
	const linePoints = SIZE_STEPS.find(([limit]) => intent.lines >= limit)?.[1] ?? 0;
	const filePoints = intent.files >= 50 ? 10 : intent.files >= 20 ? 5 : 0;
	return {
		name: 'change size',
		points: linePoints + filePoints,
		detail: `${intent.lines} lines in ${intent.files} files`,
	};
}

const WEEKDAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];

/** The hour and weekday on the operators' wall clock: their IANA zone, else the policy's fixed offset. */
function wallClock(now: number, policy: RiskPolicy, timeZone: string | undefined): {hour: number; day: number; zone: string} {
	if (timeZone) {
		const parts = new Intl.DateTimeFormat('en-US', {timeZone, hourCycle: 'h23', hour: '2-digit', weekday: 'short'}).formatToParts(now);
		const hour = Number(parts.find(p => p.type === 'hour')!.value);
		return {hour, day: WEEKDAYS.indexOf(parts.find(p => p.type === 'weekday')!.value), zone: timeZone};
	}
	const local = new Date(now + policy.utcOffsetMinutes * 60_000);
	const offset = policy.utcOffsetMinutes;
	const zone = offset === 0 ? 'UTC' : `UTC${offset < 0 ? '-' : '+'}${String(Math.floor(Math.abs(offset) / 60)).padStart(2, '0')}:${String(Math.abs(offset) % 60).padStart(2, '0')}`;
	return {hour: local.getUTCHours(), day: local.getUTCDay(), zone};
}

function windowFactor(now: number, policy: RiskPolicy, timeZone: string | undefined): RiskFactor {
	const {hour, day, zone} = wallClock(now, policy, timeZone);
	const weekend = day === 0 || day === 6;
	const {nightStartHour: start, nightEndHour: end} = policy;
	const night = start > end ? hour >= start || hour < end : hour >= start && hour < end;
	const points = (weekend ? 15 : 0) + (night ? 15 : 0);
	const when = [weekend ? 'weekend' : 'weekday', night ? 'night' : 'working hours'].join(', ');
	return {name: 'deploy window', points, detail: `${when} (${String(hour).padStart(2, '0')}:00 ${zone})`};
}

/** A retry of a change that was rolled back carries that rollback with it, however long ago. */
function rollbackFactor(recentRollbacks: number, policy: RiskPolicy, retryOf: string | undefined): RiskFactor {
	const recent = `${recentRollbacks} of this service in the last ${policy.recentRollbackDays} days`;
	return {
		name: 'recent rollbacks',
		points: Math.min(20, recentRollbacks * 10) + (retryOf ? 10 : 0),
		detail: retryOf ? `${recent}; a retry of ${retryOf}, which was rolled back` : recent,
	};
}

export const riskLevel = (score: number): RiskLevel => (score >= 60 ? 'high' : score >= 30 ? 'medium' : 'low');

const LEVEL_ORDER: Record<RiskLevel, number> = {low: 0, medium: 1, high: 2};
export const atLeast = (level: RiskLevel, floor: RiskLevel) => LEVEL_ORDER[level] >= LEVEL_ORDER[floor];

/** The seed's CP15: a 0–100 score with the factors that produced it. */
export function scoreRisk(
	intent: Pick<Intent, 'files' | 'lines' | 'criticality'> & {retryOf?: string | undefined},
	ctx: {now: number; recentRollbacks: number; policy: RiskPolicy; timeZone?: string},
): RiskScore {
	const factors: RiskFactor[] = [
		sizeFactor(intent),
		{name: 'criticality', points: CRITICALITY_POINTS[intent.criticality], detail: `${intent.criticality}-criticality service`},
		windowFactor(ctx.now, ctx.policy, ctx.timeZone),
		rollbackFactor(ctx.recentRollbacks, ctx.policy, intent.retryOf),
	];
	const score = Math.min(100, factors.reduce((sum, f) => sum + f.points, 0));
	return {score, level: riskLevel(score), factors};
}

/** Whether a risk may deploy under the policy, given what the signers acknowledged. */
export function riskWithinPolicy(risk: RiskScore, acknowledged: boolean, policy: RiskPolicy): {ok: boolean; reason: string} {
	if (risk.score > policy.maxScore) {
		return {ok: false, reason: `risk ${risk.score} exceeds the policy maximum ${policy.maxScore}`};
	}
	if (atLeast(risk.level, policy.ackRequiredAt) && !acknowledged) {
		return {ok: false, reason: `risk is ${risk.level} (${risk.score}): the lease must acknowledge it (--ack-risk)`};
	}
	return {ok: true, reason: `risk ${risk.level} (${risk.score}) within policy${acknowledged ? ', acknowledged' : ''}`};
}
