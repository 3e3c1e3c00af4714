import type {Command} from 'commander';
import {action, examples} from '../action.js';
import type {Io} from '../context.js';
import {EXIT} from '../errors.js';
import {count} from '../parse.js';

export function registerAudit(program: Command, io: Io) {
	const audit = program.command('audit').description('the tamper-evident audit trail');

	const list = audit
		.command('list')
		.description('list audit events, oldest first')
		.option('--deployment <id>', 'only the events of one deployment (and its lease and intent)')
		.option('--subject <id>', 'only events about this id')
		.option('--limit <n>', 'only the last n events', count())
		.action(
			action<{deployment?: string; subject?: string; limit?: number}>(io, async (cli, _args, o) => {
				const events = await (await cli.store()).audit({
					...(o.deployment ? {deploymentId: o.deployment} : {}),
					...(o.subject ? {subject: o.subject} : {}),
					...(o.limit !== undefined ? {limit: o.limit} : {}),
				});
				const time = cli.time;
				cli.emit({events}, shown =>
					shown.events.map(e => `${String(e.seq).padStart(6)}  ${time(e.at)}  ${e.actor.padEnd(20)} ${e.kind.padEnd(26)} ${e.subject.padEnd(22)} ${e.reason}`).join('\n'),
				);
			}),
		);
	examples(list, 'calyx audit list --deployment DEP-20261126-002', 'calyx audit list --limit 20 --json');

	const verify = audit
		.command('verify')
		.description('verify the whole hash chain and the key registry it derives: exit 0 intact, 1 with the first bad line or key and why')
		.action(
			action(io, async cli => {
				const report = await (await cli.store()).verifyAudit();
				const keys = report.registry;
				const registryText = keys && keys.differences.length > 0 ? `\nKEY REGISTRY DIFFERS FROM THE AUDIT TRAIL:\n${keys.differences.map(d => `  ${d.keyId}: ${d.problem}`).join('\n')}` : '';
				cli.emit(report, () =>
					(report.ok
						? `audit trail intact: ${report.count} events, chain verified${keys ? `; ${keys.keys} keys match the trail's signed statements` : ''}`
						: report.headUnchecked
							? `AUDIT HEAD NOT CHECKED: the chain links through ${report.count} events, but the head state.json records could not be read, so a truncated or rewritten tail would go unseen: ${report.headUnchecked}`
							: report.firstBad
								? `AUDIT TRAIL BROKEN at line ${report.firstBad.line}${report.firstBad.seq !== undefined ? ` (seq ${report.firstBad.seq})` : ''}: ${report.firstBad.reason}`
								: `audit chain intact: ${report.count} events`) + registryText,
				);
				if (report.quarantined.length > 0 && !cli.json) cli.err(`quarantined torn tails: ${report.quarantined.join(', ')}`);
				return report.ok ? EXIT.ok : EXIT.refused;
			}),
		);
	examples(verify, 'calyx audit verify || page-oncall "calyx audit trail broken"');
}
