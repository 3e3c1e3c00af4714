import type {Command} from 'commander';
import {requestFields, signProposal} from '../../core/approval.js';
import type {Intent} from '../../core/model/index.js';
import {statusWord} from '../../core/view/words.js';
import {action, examples} from '../action.js';
import type {Io} from '../context.js';
import {usage} from '../errors.js';
import {findIntent} from './intent.js';

/**
 * `intent retry`: the same change again after a rollback, as a fresh intent linked to the old one.
 * It goes through the whole pipeline anew (approval, lease, two keys); the link is signed with the
 * request, and the risk score counts the rollback it follows.
 */
export function registerRetry(intent: Command, io: Io) {
	const cmd = intent
		.command('retry <id>')
		.description('open a fresh intent for a change that was rolled back, linked to it (it needs its own approval, lease and keys)')
		.option('--key <file>', 'the proposer\'s key, which signs the request (default: CALYX_KEY)')
		.action(
			action<{key?: string}>(io, async (cli, [id], o) => {
				const old = await findIntent(cli, id!);
				if (old.status !== 'rolled_back') throw usage(`id: ${old.id} is ${statusWord(old.status)}: only a rolled-back change is retried`, 'NOT_RETRYABLE');
				const request = requestFields({service: old.service, fromVersion: old.fromVersion, toVersion: old.toVersion, title: old.title, files: old.files, lines: old.lines, criticality: old.criticality, retryOf: old.id});
				const key = cli.optionalKey(o.key);
				const signed = key ? {keyId: key.id, signature: signProposal(request, key.id, key.privateKey)} : {};
				const {result} = await cli.run<Intent>({type: 'intent.create', ...request, criticality: old.criticality, ...signed});
				cli.emit(result, r => `created ${r.id} (draft), a retry of ${r.retryOf}: ${r.title}\nnext: calyx intent approve ${r.id}`);
			}),
		);
	examples(cmd, 'CALYX_KEY=ci-bot calyx intent retry INT-20261126-001');
}
