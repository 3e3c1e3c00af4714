import type {Command} from 'commander';
import {statusWord} from '../../core/view/words.js';
import {serviceHistory} from '../../store/service-history.js';
import {action, examples} from '../action.js';
import type {Io} from '../context.js';
import {count, SERVICE_NAME, SERVICE_NAME_RULE} from '../parse.js';
import {usage} from '../errors.js';
import {table} from '../render/table.js';

export function registerHistory(program: Command, io: Io) {
	const cmd = program
		.command('history <service>')
		.description('every deployment of a service, newest first: outcome, how far it got, who signed, why it halted or was rolled back')
		.option('--limit <n>', 'how many of those that ended to show (default 20)', count(100_000))
		.action(
			action<{limit?: number}>(io, async (cli, [service], o) => {
				if (!SERVICE_NAME.test(service!)) throw usage(`service: ${SERVICE_NAME_RULE}`);
				const store = await cli.store();
				const {rows, older} = await serviceHistory(await store.read(), store, service!, o.limit ?? 20);
				cli.emit({service, deployments: rows, older}, shown => {
					if (shown.deployments.length === 0) return `no deployment of ${shown.service} on record`;
					const lines = table(
						['ID', 'CHANGE', 'OUTCOME', 'REACHED', 'SIGNED BY', 'WHY'],
						shown.deployments.map(r => [
							r.id,
							`${r.from} → ${r.to}${r.retryOf ? ` (retry of ${r.retryOf})` : ''}`,
							statusWord(r.status),
							`${r.reached}% of ${r.tiers.join('/')}`,
							r.signers.join(', ') || '-',
							r.rollback ? `rollback (${r.rollback.trigger}${r.rollback.verified ? ', verified' : ''}): ${r.rollback.reason}` : r.halt ? `halt (${r.halt.trigger}): ${r.halt.reason}` : '',
						]),
					);
					return older ? `${lines}\n(older deployments not shown: --limit <n>)` : lines;
				});
			}),
		);
	examples(cmd, 'calyx history checkout', 'calyx history checkout --limit 100 --json');
}
