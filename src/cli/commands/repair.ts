import type {Command} from 'commander';
import {action, examples} from '../action.js';
import type {Io} from '../context.js';

/**
 * Reads never write, so what a crash left (a torn log tail, an uncommitted mutation's lines, a
 * dead writer's temp file or lock, a cut-short backup rotation) waits for the next write, or for
 * this command, which says first what it does. Each repair is an audit event.
 */
export function registerRepair(program: Command, io: Io) {
	const cmd = program
		.command('repair')
		.description('repair what a crash left in the data directory (torn tails, uncommitted lines, temp files, dead locks), audited')
		.option('--dry-run', 'say what would be done, write nothing')
		.action(
			action(io, async (cli, _args, opts: {dryRun?: boolean}) => {
				const report = await (await cli.store()).repair({dryRun: opts.dryRun === true});
				cli.emit({ok: true, ...report}, () => {
					const left = report.left.length > 0 ? ['left as they are:', ...report.left.map(l => `  - ${l}`)] : [];
					if (report.actions.length === 0) return ['nothing to repair', ...left].join('\n');
					const head = opts.dryRun ? 'would repair (run without --dry-run to do it):' : 'repaired (see `calyx audit list --limit 5`):';
					return [head, ...report.actions.map(a => `  - ${a}`), ...left].join('\n');
				});
			}),
		);
	examples(cmd, 'calyx repair --dry-run', 'calyx repair');
}
