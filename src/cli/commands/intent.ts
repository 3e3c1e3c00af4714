import {Option, type Command} from 'commander';
import type {Intent} from '../../core/model/index.js';
import type {ShowTime} from '../../core/time.js';
import {statusWord} from '../../core/view/words.js';
import {action, examples} from '../action.js';
import type {Io} from '../context.js';
import {count, text} from '../parse.js';
import {table} from '../render/table.js';

type CreateOpts = {service: string; to: string; from?: string; title?: string; files?: number; lines?: number; criticality?: Intent['criticality']};

const intentText = (i: Intent, time: ShowTime) =>
	[
		`${i.id}  ${i.title}`,
		`service:     ${i.service} ${i.fromVersion} → ${i.toVersion} (${i.criticality} criticality)`,
		`change:      ${i.lines} lines in ${i.files} files`,
		`status:      ${statusWord(i.status)}`,
		`created:     ${time(i.createdAt)} by ${i.createdBy}`,
		...(i.approvedAt ? [`approved:    ${time(i.approvedAt)} by ${i.approvedBy}`] : []),
		...(i.leaseId ? [`lease:       ${i.leaseId}`] : []),
		...(i.deploymentId ? [`deployment:  ${i.deploymentId}`] : []),
	].join('\n');

export function registerIntent(program: Command, io: Io) {
	const intent = program.command('intent').description('deployment intents: what is to change, and its approval');

	const create = intent
		.command('create')
		.description('describe a change to deploy (starts as a draft)')
		.requiredOption('--service <name>', 'the service to change', text('id'))
		.requiredOption('--to <version>', 'the version to deploy', text('version'))
		.option('--from <version>', 'the version running now (default: what the target reports)', text('version'))
		.option('--title <text>', 'a one-line title', text('text'))
		.option('--files <n>', 'files changed', count())
		.option('--lines <n>', 'lines changed', count())
		.addOption(new Option('--criticality <level>', 'how critical the service is').choices(['low', 'medium', 'high']))
		.action(
			action<CreateOpts>(io, async (cli, _args, o) => {
				const {result} = await cli.run<Intent>({
					type: 'intent.create',
					service: o.service,
					toVersion: o.to,
					...(o.from ? {fromVersion: o.from} : {}),
					...(o.title ? {title: o.title} : {}),
					...(o.files !== undefined ? {files: o.files} : {}),
					...(o.lines !== undefined ? {lines: o.lines} : {}),
					...(o.criticality ? {criticality: o.criticality} : {}),
				});
				cli.emit(result, r => `created ${r.id} (draft): ${r.title}\nnext: calyx intent approve ${r.id}`);
			}),
		);
	examples(create, 'calyx intent create --service checkout --to 1.5.0 --lines 120 --files 4 --criticality high');

	const approve = intent
		.command('approve <id>')
		.description('approve a draft: it then waits for a lease signed by a human and an agent key')
		.option('--reason <text>', 'why (recorded in the audit trail)', text('text'))
		.action(
			action<{reason?: string}>(io, async (cli, [id], o) => {
				const {result} = await cli.run<{id: string; status: string}>({type: 'intent.approve', id: id!, ...(o.reason ? {reason: o.reason} : {})});
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
				const state = await (await cli.store()).read();
				const found = state.intents.find(i => i.id === id);
				if (!found) {
					const {usage} = await import('../errors.js');
					throw usage(`intent: unknown id ${id} (see calyx intent list)`, 'NOT_FOUND');
				}
				cli.emit(found, shown => intentText(shown, cli.time));
			}),
		);
	examples(show, 'calyx intent show INT-20261126-001');
}
