import type {Command} from 'commander';
import {action, examples} from '../action.js';
import type {Io} from '../context.js';
import {EXIT, unknownId} from '../errors.js';
import {count} from '../parse.js';
import {collect} from '../statement.js';
import {checkpointLine, verifyText} from '../render/anchor.js';
import {withoutSecrets} from '../render/metrics.js';

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
				const store = await cli.store();
				// Its story begins before it: who proposed and approved the intent, who signed the lease.
				const found = o.deployment === undefined ? undefined : await store.deployment(o.deployment);
				if (o.deployment !== undefined && !found) throw unknownId('deployment', o.deployment, '--deployment', 'calyx canary list --all');
				const events = await store.audit({
					...(found ? {deploymentId: found.deployment.id, related: [found.deployment.leaseId, found.deployment.intentId]} : {}),
					...(o.subject ? {subject: o.subject} : {}),
					...(o.limit !== undefined ? {limit: o.limit} : {}),
				});
				const time = cli.time;
				// A service.applied event carries the signed statement, and in it the Prometheus source's header values: hidden.
				cli.emit(withoutSecrets({events}), shown =>
					shown.events.map(e => `${String(e.seq).padStart(6)}  ${time(e.at)}  ${e.actor.padEnd(20)} ${e.kind.padEnd(26)} ${e.subject.padEnd(22)} ${e.reason}`).join('\n'),
				);
			}),
		);
	examples(list, 'calyx audit list --deployment DEP-20261126-002', 'calyx audit list --limit 20 --json');

	const verify = audit
		.command('verify')
		.description("verify the whole hash chain, every head this user's calyx witnessed or checkpointed, and the key registry the chain derives: exit 0 intact, 1 with the first bad line, contradicted head or key")
		.option('--witness <file>', 'also check against this file: a shipped checkpoint, a syslog extract, another witness log (repeatable)', collect, [])
		.action(
			action<{witness: string[]}>(io, async (cli, _args, o) => {
				const report = await (await cli.store()).verifyAudit({witnesses: o.witness});
				cli.emit(report, () => verifyText(report));
				if (report.quarantined.length > 0 && !cli.json) cli.err(`quarantined torn tails: ${report.quarantined.join(', ')}`);
				for (const u of report.witnesses?.unreadable ?? []) cli.err(`calyx: --witness ${u.file}: ${u.reason}`);
				return report.ok ? EXIT.ok : EXIT.refused;
			}),
		);
	examples(verify, 'calyx audit verify || page-oncall "calyx audit trail broken"', 'calyx audit verify --witness /var/log/calyx-checkpoints.log');

	const checkpoint = audit
		.command('checkpoint')
		.description('sign the audit head now (once it verifies) with this user\'s checkpoint key, for shipping elsewhere (syslog, a ticket)')
		.action(
			action(io, async cli => {
				const signed = await (await cli.store()).checkpoint({clock: cli.clock});
				cli.emit(signed, () => checkpointLine(signed));
			}),
		);
	examples(checkpoint, 'calyx audit checkpoint | logger -t calyx', 'calyx audit checkpoint --json > head.json && calyx audit verify --witness head.json');
}
