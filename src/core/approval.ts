import {canonicalJson, sha256} from './canonical.js';
import {intentContent, signPayload} from './lease.js';
import type {Intent} from './model/index.js';

/**
 * What a proposer signs when creating an intent: the request as sent (the engine assigns the id
 * and may fill in the running version), so the signature binds what the proposer asked for.
 */
export interface IntentRequest {
	service: string;
	toVersion: string;
	fromVersion?: string;
	title?: string;
	files?: number;
	lines?: number;
	criticality?: string;
	retryOf?: string;
}

export const proposalPayload = (request: IntentRequest, keyId: string) =>
	canonicalJson({v: 1, kind: 'calyx.intent', keyId, request: requestFields(request)});

/** Only the request's own fields, undefined dropped: the bytes signed must be the bytes checked. */
export function requestFields(r: IntentRequest): IntentRequest {
	const out: Record<string, unknown> = {};
	for (const k of ['service', 'toVersion', 'fromVersion', 'title', 'files', 'lines', 'criticality', 'retryOf'] as const) {
		if (r[k] !== undefined) out[k] = r[k];
	}
	return out as unknown as IntentRequest;
}

/** What an approver signs: the intent's whole content (by digest), its id, and the reason given. */
export const approvalPayload = (intent: Intent, keyId: string, reason: string) =>
	canonicalJson({v: 1, kind: 'calyx.approval', intentId: intent.id, digest: sha256(canonicalJson(intentContent(intent))), keyId, reason});

export const signProposal = (request: IntentRequest, keyId: string, privateKeyPem: string) => signPayload(proposalPayload(request, keyId), privateKeyPem);

export const signApproval = (intent: Intent, keyId: string, reason: string, privateKeyPem: string) =>
	signPayload(approvalPayload(intent, keyId, reason), privateKeyPem);

export const DEFAULT_APPROVAL_REASON = 'approved, pending the human and agent keys';
