import {ms} from '../../core/clock.js';
import {SEVERITY_OF, type State} from '../../core/model/index.js';
import {actions, type Notice} from './notice.js';

const ROLES = ['human', 'agent'] as const;
const missing = (signed: ReadonlyArray<{role: string}>) => ROLES.filter(r => !signed.some(s => s.role === r));
const minutes = (left: number) => `${Math.max(1, Math.ceil(left / 60_000))} min`;

/**
 * Second keys whose deadline is within `withinMs` of `now` and not past: a lease one key has signed
 * (it lapses at `secondKeyBy`, config approvalDeadlineMs), and a tier's request for two keys (it is
 * renewed, unsigned, at `expiresAt`). Nothing is recorded when a deadline comes near, so these are
 * read from the state; each is keyed by the deadline itself, so a renewed request warns again.
 */
export function nearDeadlines(state: State, now: number, withinMs: number): Notice[] {
	const near = (by: number) => now >= by - withinMs && now < by;
	const out: Notice[] = [];
	for (const lease of state.leases) {
		if (lease.cosignatures.length !== 1 || !lease.secondKeyBy || lease.lapsedAt || lease.voidedAt || lease.activatedAt) continue;
		const by = ms(lease.secondKeyBy);
		if (!near(by)) continue;
		const role = missing(lease.cosignatures)[0] ?? 'second';
		const service = state.intents.find(i => i.id === lease.intentId)?.service;
		out.push({
			event: 'deadline_near',
			severity: SEVERITY_OF.deadline_near,
			key: `lease:${lease.id}:${lease.secondKeyBy}`,
			subject: lease.id,
			...(service ? {service} : {}),
			at: lease.secondKeyBy,
			title: `${lease.id}: the ${role} key must sign within ${minutes(by - now)}, or the lease lapses`,
			why: `signed by ${lease.cosignatures.map(c => `${c.role}:${c.keyId}`).join(', ')}; the second key is due by ${lease.secondKeyBy}`,
			act: [`calyx lease show ${lease.id}`, `calyx lease sign ${lease.id} --key <${role} key>`],
		});
	}
	for (const dep of state.deployments) {
		const req = dep.tierCosign;
		if (dep.status !== 'awaiting_cosign' || !req || !near(ms(req.expiresAt))) continue;
		const left = missing(req.cosignatures);
		out.push({
			event: 'deadline_near',
			severity: SEVERITY_OF.deadline_near,
			key: `tier:${req.id}`,
			subject: dep.id,
			service: dep.service,
			at: req.expiresAt,
			title: `${dep.id}: the request for two keys (${req.from}% → ${req.to}%) expires within ${minutes(ms(req.expiresAt) - now)}`,
			why: `missing: ${left.join(' and ') || 'none'}; unsigned, it is asked again on the evidence of then`,
			act: actions('deadline_near', dep.id, {request: req.id}),
		});
	}
	return out;
}
