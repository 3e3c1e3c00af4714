import type {Command} from 'commander';
import {cosignTier} from '../../core/tier-keys.js';
import {statusWord} from '../../core/view/words.js';
import {action, examples} from '../action.js';
import type {Io} from '../context.js';
import {usage} from '../errors.js';
import {text} from '../parse.js';

type Opts = {key?: string; request?: string};

/**
 * `canary cosign`: one key's signature on the promotion a deployment waits for (per-tier keys).
 * It signs the request as the document holds it now; `--request` makes it sign only the one the
 * signer reviewed (from `canary status`), so evidence that changed since is never signed unseen.
 */
export function registerCosign(canary: Command, io: Io) {
	const cmd = canary
		.command('cosign <id>')
		.description('sign, with your key, the promotion into a tier the plan keys: the step and the gate evidence shown by canary status')
		.option('--key <file>', 'private key file or id (default: CALYX_KEY)')
		.option('--request <id>', 'sign only this request (TK-…, as canary status shows it); refused if the evidence changed since', text('id'))
		.action(
			action<Opts>(io, async (cli, [id], o) => {
				const key = cli.key(o.key);
				const store = await cli.store();
				const dep = (await store.read()).deployments.find(d => d.id === id);
				if (!dep) throw usage(`id: ${id} is not a live deployment (see calyx canary list)`, 'NOT_FOUND');
				const req = dep.tierCosign;
				if (dep.status !== 'awaiting_cosign' || !req) throw usage(`id: ${dep.id} is ${statusWord(dep.status)}: no promotion waits for keys`, 'NOT_AWAITING_COSIGN');
				if (o.request !== undefined && o.request !== req.id) {
					throw usage(`--request: ${o.request} is not the promotion asked for now (${req.id}: ${req.from}% → ${req.to}% on "${req.evidence.summary}"): review it with calyx canary status ${dep.id}`, 'STALE_REQUEST');
				}
				const {result} = await cli.run<{promoted: boolean; status: string; missing: string[]; to?: number}>({
					type: 'tier.cosign',
					actor: `${key.role}:${key.id}`,
					id: dep.id,
					requestId: req.id,
					role: key.role,
					keyId: key.id,
					signature: cosignTier(dep, req, key.role, key.id, key.privateKey),
				});
				cli.emit({ok: true, id: dep.id, request: req.id, from: req.from, to: req.to, evidence: req.evidence, role: key.role, keyId: key.id, ...result}, shown =>
					[
						`signed ${shown.request} (${shown.id} ${shown.from}% → ${shown.to}%) as ${shown.role}:${shown.keyId}, on: ${shown.evidence.summary}`,
						result.promoted
							? `both keys signed: promoted to ${result.to}%`
							: result.missing.length > 0
								? `still missing the ${result.missing.join(' and ')} key`
								: `not promoted: ${dep.id} is now ${statusWord(result.status)} (the gate no longer passes; the keys will be asked again)`,
					].join('\n'),
				);
			}),
		);
	examples(cmd, 'calyx canary cosign DEP-20261126-001 --key alice', 'CALYX_KEY=ci-bot calyx canary cosign DEP-20261126-001 --request TK-3f2a9c0d1e4b5a6c');
}
