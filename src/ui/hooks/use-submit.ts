import {useEffect, useRef, type Dispatch} from 'react';
import {cosign, cosignTier, definitionFor, EngineError, signApproval, type Clock, type Deployment, type State} from '../../core/index.js';
import type {ConsoleTargets} from '../targets.js';
import type {LocalKey} from '../../store/keyring.js';
import type {Store} from '../../store/api.js';
import type {ConsoleLog} from '../log.js';
import type {ConsoleState, Msg} from '../model/console-state.js';
import type {Dialog} from '../model/dialog.js';
import {commandFor, errorOutcome, STALE, successOutcome, type Outcome} from '../model/outcome.js';
import {factChanges, reviewedFacts} from '../model/review.js';

export interface SubmitDeps {
	store: Store;
	clock: Clock;
	actor: string;
	identity?: LocalKey;
	log: ConsoleLog;
	/** Re-read the store after an action, whatever its outcome. */
	reload: () => void;
	/** Carries a deployment's new decision to its target (see targets.ts). */
	targets: ConsoleTargets;
}

/** The deployments a confirmed dialog's command decided about: their targets get the decision at once. */
function decidedAbout(dialog: Dialog, result: unknown): string[] {
	if (dialog.action === 'cosign' || dialog.action === 'approve') return [];
	if (dialog.action === 'start') return [(result as {id?: string} | undefined)?.id].filter(id => id !== undefined);
	if (dialog.action === 'group') return ((result as {outcomes?: Array<{id: string; ok: boolean}>} | undefined)?.outcomes ?? []).filter(o => o.ok).map(o => o.id);
	return [dialog.target];
}

/**
 * What the outcome says is what the target made of the decision: a rollback verified against what
 * the router read back, or not (yet); a start as it stands once its first tier was applied (a
 * failing sanity check halts it at once).
 */
function settledResult(dialog: Dialog, result: unknown, dep: Deployment | undefined): unknown {
	if (!dep) return result;
	if (dialog.action === 'start') return {...(result as object), status: dep.status, percent: dep.percent};
	if (dialog.action !== 'rollback' || !dep.rollback) return result;
	return {...(result as object), status: dep.status, verified: dep.rollback.verified, rollback: dep.rollback};
}

/**
 * Carries the decision to the target. The command is recorded whatever the target does: a target
 * that fails to answer leaves the outcome to the command's own result (a rollback then still
 * reverting), and the reconciler of the leading engine retries it.
 */
async function settleDecision(d: SubmitDeps, id: string | undefined): Promise<Deployment | undefined> {
	if (id === undefined) return undefined;
	try {
		return await d.targets.settle(id);
	} catch (error) {
		d.log.error('target settle', error);
		return undefined;
	}
}

function signatureFor(d: Dialog, state: State, identity: LocalKey | undefined) {
	if (d.action === 'approve') {
		const intent = state.intents.find(i => i.id === d.target);
		if (!identity) throw new Error('no signing key loaded: start the console with your human key to approve');
		if (!intent) throw new Error(`${d.target} is no longer in the store`);
		return {role: identity.role, keyId: identity.id, signature: signApproval(intent, identity.id, d.reason.trim(), identity.privateKey)};
	}
	if (d.action === 'tierCosign') return tierSignature(d, state, identity);
	if (d.action !== 'cosign') return undefined;
	if (!identity) throw new Error('no signing key loaded: start the console with your key to cosign');
	const lease = state.leases.find(l => l.id === d.target);
	const intent = lease && state.intents.find(i => i.id === lease.intentId);
	if (!lease || !intent) throw new Error(`${d.target} or its intent is no longer in the store`);
	// Over the service's definition as the store holds it now: the dialog showed it, and refuses if it changed since.
	const signature = cosign(lease, intent, identity.role, identity.id, identity.privateKey, definitionFor(state, intent.service));
	return {role: identity.role, keyId: identity.id, signature};
}

/**
 * One key's signature over the request the dialog showed. Its id names its content: while the
 * store holds that same id, signing the stored one signs what was shown; another id means the
 * evidence changed, and nothing is signed.
 */
function tierSignature(d: Dialog, state: State, identity: LocalKey | undefined) {
	if (!identity) throw new Error('no signing key loaded: start the console with your key to cosign');
	const dep = state.deployments.find(x => x.id === d.target);
	const req = dep?.tierCosign;
	if (!dep || !req) throw new Error(`${d.target} no longer waits for keys`);
	if (req.id !== d.request) throw new Error(`${STALE}: the request shown (${d.request}) is no longer the one asked for (${req.id})`);
	return {role: identity.role, keyId: identity.id, signature: cosignTier(dep, req, identity.role, identity.id, identity.privateKey)};
}

const CONFLICT_RETRIES = 3;

/**
 * Runs a confirmed dialog as one engine command, guarded against a stale view: the store is read
 * again, and if any fact the operator saw when the dialog opened (see `reviewedFacts`) no longer
 * holds, the action is refused with "state changed, review and retry" and what changed. Otherwise
 * the command carries `expectedRev` of that fresh read, so a write that slips in between is
 * refused by the engine, and the facts are checked again before another try.
 */
export function useSubmit(request: ConsoleState['request'], dispatch: Dispatch<Msg>, deps: SubmitDeps): void {
	const latest = useRef(deps);
	latest.current = deps;
	useEffect(() => {
		if (!request) return;
		const {seq, dialog} = request;
		const d = latest.current;
		const settle = (outcome: Outcome) => dispatch({type: 'settled', seq, outcome, at: d.clock.now()});
		const submit = async (): Promise<Outcome> => {
			const seen = dialog.reviewed;
			if (!seen) return {ok: false, text: 'nothing was reviewed: open the dialog again'};
			// A leader writes every second, so the write can lose a race with a tick that does not
			// touch what the operator confirmed: check the facts again and retry, a few times.
			for (let attempt = 0; attempt < CONFLICT_RETRIES; attempt++) {
				const fresh = await d.store.read();
				const changes = factChanges(seen, reviewedFacts(dialog, fresh, d.clock.now(), d.store.trust));
				if (changes.length > 0) {
					d.log.info('action stale', {action: dialog.action, target: dialog.target, rev: fresh.rev, changes});
					return {ok: false, text: `${STALE}: ${changes.join('; ')}`};
				}
				const command = commandFor(dialog, {actor: d.actor, expectedRev: fresh.rev}, signatureFor(dialog, fresh, d.identity));
				d.log.info('action', {type: command.type, target: dialog.target, actor: d.actor, expectedRev: fresh.rev, attempt});
				try {
					const r = await d.store.run(command, {clock: d.clock});
					const [first, ...others] = decidedAbout(dialog, r.result);
					const dep = await settleDecision(d, first);
					// A group's others are carried to their targets too (one at a time: a target call is bounded).
					for (const id of others) await settleDecision(d, id);
					return successOutcome(dialog, settledResult(dialog, r.result, dep), fresh.keys);
				} catch (error) {
					if (!(error instanceof EngineError && error.kind === 'conflict')) throw error;
				}
			}
			return {ok: false, text: STALE};
		};
		submit()
			.catch(errorOutcome)
			.then(outcome => {
				d.log.info('action outcome', {action: dialog.action, target: dialog.target, ok: outcome.ok, outcome: outcome.text});
				settle(outcome);
				d.reload();
			});
	}, [request?.seq]);
}
