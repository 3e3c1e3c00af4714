import {Option, type Command} from 'commander';
import type {Intent} from '../../core/model/index.js';
import {DEFAULT_APPROVAL_REASON, requestFields, signApproval, signProposal} from '../../core/approval.js';
import type {CommandOf} from '../../core/engine/commands.js';
import {unknownId} from '../errors.js';
import type {ShowTime} from '../../core/time.js';
import {statusWord} from '../../core/view/words.js';
import {action, examples} from '../action.js';
import type {Cli, Io} from '../context.js';
import {registerRetry} from './intent-retry.js';
import {count, text} from '../parse.js';
import {runningVersionOf} from '../target.js';
import {table} from '../render/table.js';

type CreateRequest = Omit<CommandOf<'intent.create'>, 'type' | 'actor'>;
type CreateOpts = {service: string; to: string; from?: string; title?: string; files?: number; lines?: number; criticality?: Intent['criticality']};

const intentText = (i: Intent, time: ShowTime) =>
	[
		`${i.id}  ${i.title}`,
		`service:     ${i.service} ${i.fromVersion} → ${i.toVersion} (${i.criticality} criticality)`,
		`change:      ${i.lines} lines in ${i.files} files`,
		`status:      ${statusWord(i.status)}`,
		`created:     ${time(i.createdAt)} by ${i.createdBy}`,
		...(i.proposal ? [`proposed by: ${i.proposal.owner} (key ${i.proposal.keyId}, signed)`] : []),
		...(i.approvedAt ? [`approved:    ${time(i.approvedAt)} by ${i.approvedBy}${i.approval ? ` (key ${i.approval.keyId}, signed)` : ''}`] : []),
		...(i.leaseId ? [`lease:       ${i.leaseId}`] : []),
		...(i.deploymentId ? [`deployment:  ${i.deploymentId}`] : []),
		...(i.retryOf ? [`retry of:    ${i.retryOf} (rolled back)`] : []),
	].join('\n');

export function registerIntent(program: Command, io: Io) {
	const intent = program.command('intent').description('deployment intents: what is to change, and its approval');

	const create = intent
		.command('create')
		.description('describe a change to deploy (starts as a draft)')
		.requiredOption('--service <name>', 'the service to change', text('id'))
		.requiredOption('--to <version>', 'the version to deploy', text('version'))
		.option('--from <version>', 'the version running now (default: what its last completed deployment or its target says)', text('version'))
		.option('--title <text>', 'a one-line title', text('text'))
		.option('--files <n>', 'files changed', count())
		.option('--lines <n>', 'lines changed', count())
		.addOption(new Option('--criticality <level>', 'how critical the service is').choices(['low', 'medium', 'high']))
		.option('--key <file>', 'the proposer\'s key, which signs the request (default: CALYX_KEY)')
		.action(
			action<CreateOpts & {key?: string}>(io, async (cli, _args, o) => {
				const request = requestFields({
					service: o.service,
					toVersion: o.to,
					fromVersion: o.from ?? (await runningVersionOf(cli, o.service)),
					...(o.title ? {title: o.title} : {}),
					...(o.files !== undefined ? {files: o.files} : {}),
					...(o.lines !== undefined ? {lines: o.lines} : {}),
					...(o.criticality ? {criticality: o.criticality} : {}),
				}) as CreateRequest;
				const key = cli.optionalKey(o.key);
				const signed = key ? {keyId: key.id, signature: signProposal(request, key.id, key.privateKey)} : {};
				// Signed with a key, the act is that key's: the trail names it, not the shell's user.
				const {result} = await cli.run<Intent>({type: 'intent.create', ...request, ...signed, ...(key ? {actor: `${key.role}:${key.id}`} : {})});
				cli.emit(result, r => `created ${r.id} (draft): ${r.title}\nnext: calyx intent approve ${r.id}`);
			}),
		);
	examples(create, 'calyx intent create --service checkout --to 1.5.0 --lines 120 --files 4 --criticality high');

	const approve = intent
		.command('approve <id>')
		.description('approve a draft: it then waits for a lease signed by a human and an agent key')
		.option('--reason <text>', 'why (recorded in the audit trail, and signed)', text('text'))
		.option('--key <file>', 'your human key, which signs the approval (default: CALYX_KEY)')
		.action(
			action<{reason?: string; key?: string}>(io, async (cli, [id], o) => {
				const key = cli.key(o.key);
				const intent = (await (await cli.store()).read()).intents.find(i => i.id === id);
				if (!intent) throw unknownId('intent', id);
				// Signed as the engine keeps it (trimmed): the signature must cover the recorded reason.
				const reason = o.reason?.trim();
				const signature = signApproval(intent, key.id, reason ?? DEFAULT_APPROVAL_REASON, key.privateKey);
				const {result} = await cli.run<{id: string; status: string}>({type: 'intent.approve', actor: `${key.role}:${key.id}`, id: id!, keyId: key.id, signature, ...(reason !== undefined ? {reason} : {})});
				cli.emit(result, r => `${r.id} is ${statusWord(r.status)}\nnext: calyx lease issue ${r.id}`);
			}),
		);
	examples(approve, 'calyx intent approve INT-20261126-001', 'calyx intent approve INT-20261126-001 --reason "reviewed in CHG-4411"');

	const list = intent
		.command('list')
		.description('list intents')
		.action(
			action(io, async cli => {
				const {intents} = await (await cli.store()).read();
				cli.emit({intents}, shown =>
					table(
						['ID', 'SERVICE', 'CHANGE', 'STATUS', 'TITLE'],
						shown.intents.map(i => [i.id, i.service, `${i.fromVersion} → ${i.toVersion}`, statusWord(i.status), i.title]),
					),
				);
			}),
		);
	examples(list, 'calyx intent list', 'calyx intent list --json');

	const show = intent
		.command('show <id>')
		.description('show one intent')
		.action(
			action(io, async (cli, [id]) => {
				cli.emit(await findIntent(cli, id!), shown => intentText(shown, cli.time));
			}),
		);
	examples(show, 'calyx intent show INT-20261126-001');
	registerRetry(intent, io);
}

/** An intent by id, open or archived with its deployment; unknown is a usage error. */
export async function findIntent(cli: Cli, id: string): Promise<Intent> {
	const store = await cli.store();
	const live = (await store.read()).intents.find(i => i.id === id);
	const archived = live ? undefined : (await store.archived(id))?.intent;
	const found = live ?? (archived?.id === id ? archived : undefined);
	if (!found) throw unknownId('intent', id);
	return found;
}
