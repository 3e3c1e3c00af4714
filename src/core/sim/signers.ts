import {DEFAULT_APPROVAL_REASON, requestFields, signApproval, signProposal, type IntentRequest} from '../approval.js';
import type {Command, CommandOf} from '../engine/commands.js';
import type {Intent, Role} from '../model/index.js';
import {registration, signStatement} from '../statements.js';
import {trustFrom, type Trust} from '../trust.js';

export interface KeyPair {
	publicKey: string;
	privateKey: string;
}

export interface Holder extends KeyPair {
	id: string;
	role: Role;
	owner: string;
}

/**
 * Signed commands built the way an operator's tools build them, for the drill, the demo and the
 * tests: a trust over the given admins, registrations they sign, proposals and approvals signed
 * by the holder's own key. Pure: the caller supplies the keys and the time.
 */
export class Signers {
	readonly trust: Trust;
	constructor(
		readonly admins: KeyPair[],
		opts: {threshold?: number; demo?: boolean; separationOfDuties?: boolean; source?: string} = {},
	) {
		this.trust = trustFrom(
			{
				v: 1,
				kind: 'calyx.trust',
				demo: opts.demo ?? false,
				threshold: opts.threshold ?? 1,
				admins: admins.map((a, i) => ({id: `admin-${i + 1}`, publicKey: a.publicKey})),
				separationOfDuties: opts.separationOfDuties ?? true,
			},
			opts.source ?? 'test trust',
		);
	}

	register(holder: Holder, at: string, admins: KeyPair[] = this.admins): CommandOf<'key.register'> & {actor: string} {
		const statement = registration({keyId: holder.id, role: holder.role, owner: holder.owner, publicKey: holder.publicKey, at});
		return {type: 'key.register', actor: 'admin', statement: signStatement(statement, admins)};
	}

	/** `intent.create` signed by the proposer. */
	propose(request: IntentRequest & Partial<Omit<CommandOf<'intent.create'>, 'type'>>, by: Holder): Command {
		const fields = requestFields(request);
		return {...request, type: 'intent.create', actor: request.actor ?? `${by.role}:${by.id}`, keyId: by.id, signature: signProposal(fields, by.id, by.privateKey)} as Command;
	}

	/** `intent.approve` signed by a human key. */
	approve(intent: Intent, by: Holder, reason?: string, actor = `${by.role}:${by.id}`): Command {
		const signature = signApproval(intent, by.id, reason ?? DEFAULT_APPROVAL_REASON, by.privateKey);
		return {type: 'intent.approve', actor, id: intent.id, keyId: by.id, signature, ...(reason !== undefined ? {reason} : {})};
	}
}
