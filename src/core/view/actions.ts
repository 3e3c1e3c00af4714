import {TRANSITIONS} from '../engine/transitions.js';
import type {DeploymentView} from './deployment.js';
import type {Intent} from '../model/index.js';
import type {LeaseView} from './lease.js';
import {statusWord} from './words.js';

export type DeploymentAction = 'promote' | 'forcePromote' | 'halt' | 'resume' | 'rollback';

/** Whether an operator action can apply right now; when it cannot, why (in the engine's words). */
export interface Availability {
	ok: boolean;
	why: string;
}

const yes = (why: string): Availability => ({ok: true, why});
const no = (why: string): Availability => ({ok: false, why});

/**
 * What the engine would accept for a deployment as it stands, so a console can say "no" before
 * asking for a reason. The engine still decides: this mirrors its rules, it does not replace them.
 */
export function deploymentActions(view: DeploymentView): Record<DeploymentAction, Availability> {
	const {id, status, gate} = view;
	const inactive = (verb: string) => no(`${id} is ${statusWord(status)}: cannot ${verb}${status === 'halted' ? ': resume it first' : ''}`);
	let promote: Availability;
	let forcePromote: Availability;
	if (!view.active || !gate) {
		promote = inactive('promote');
		forcePromote = promote;
	} else if (gate.verdict === 'halt') {
		promote = no(`${gate.summary}: a critical is never promoted`);
		forcePromote = promote;
	} else if (gate.verdict === 'hold') {
		promote = no(`the gate holds (P promotes past it, with a reason): ${gate.reasons[0] ?? gate.summary}`);
		forcePromote = yes(`overrides: ${gate.reasons.join('; ')}`);
	} else {
		promote = yes(gate.summary);
		forcePromote = no('the gate is open: promote without force');
	}
	const canRollBack = TRANSITIONS[status].includes('rolling_back');
	return {
		promote,
		forcePromote,
		halt: view.active ? yes(`halts ${id} at ${view.percent}%`) : inactive('halt'),
		resume: status === 'halted' ? yes(`resumes ${id} at ${view.percent}%: the tier bakes again`) : no(`${id} is ${statusWord(status)}: only a halted deployment resumes`),
		rollback: canRollBack ? yes(`restores the snapshot of ${id}`) : no(`${id} is ${statusWord(status)}: nothing to roll back`),
	};
}

/** Whether a key of `role` could sign this lease now. */
export function cosignAvailability(lease: LeaseView, role: 'human' | 'agent'): Availability {
	if (lease.status === 'expired') return no(`lease expired at ${lease.expiresAt}`);
	if (lease.status === 'consumed') return no(`lease already started ${lease.deploymentId}`);
	if (!lease.missing.includes(role)) {
		const by = lease.signers.find(s => s.role === role)?.keyId;
		return no(`the ${role} signature is already there${by ? ` (by ${by})` : ''}`);
	}
	return yes(`adds the ${role} signature`);
}

const keyNames = (roles: readonly string[]) => roles.map(r => `the ${r} key`).join(' and ');

/**
 * Whether a start dialog may open on this lease: once both keys signed. Whether it may then be
 * confirmed is the pre-checks' answer (see startPreview), which the dialog shows check by check.
 */
export function startAvailability(lease: LeaseView): Availability {
	if (lease.status === 'expired') return no(`lease expired at ${lease.expiresAt}: issue a new lease for ${lease.intent?.id ?? 'its intent'}`);
	if (lease.status === 'consumed') return no(`lease already started ${lease.deploymentId}`);
	if (lease.missing.length > 0) return no(`${lease.id} still waits for ${keyNames(lease.missing)}: s starts once both keys signed`);
	return yes(`starts a canary from ${lease.id}`);
}

/** Whether an intent can be approved: only a draft is. */
/** An approval is signed by a human key: without one loaded, it is refused before any dialog opens. */
export function approveAvailability(intent: Intent, signerRole?: 'human' | 'agent'): Availability {
	if (intent.status !== 'draft') return no(`${intent.id} is ${intent.status}: only a draft intent can be approved`);
	if (signerRole !== 'human') return no(signerRole ? 'an approval is signed by a human key, and yours is an agent key' : 'no signing key loaded: start the console with your human key to approve');
	return yes(`approves ${intent.id}: it then waits for a lease`);
}
