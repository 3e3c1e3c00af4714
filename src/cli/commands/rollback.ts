import type {Command} from 'commander';
import type {RollbackRecord} from '../../core/model/index.js';
import {action, examples} from '../action.js';
import type {Io} from '../context.js';
import {EXIT} from '../errors.js';
import {text} from '../parse.js';

export function registerRollback(program: Command, io: Io) {
	const cmd = program
		.command('rollback <id>')
		.description('roll a deployment back with its rollback pack, then verify the target against the snapshot')
		.requiredOption('--reason <text>', 'why (recorded in the audit trail)', text('text'))
		.action(
			action<{reason: string}>(io, async (cli, [id], o) => {
				const {result} = await cli.run<{id: string; status: string; verified: boolean; rollback: RollbackRecord}>({
					type: 'rollback',
					id: id!,
					reason: o.reason,
				});
				cli.emit({ok: result.verified, ...result}, ({rollback: r}) =>
					result.verified
						? `rolled back ${result.id}: verified, target matches the snapshot (${r.expectedChecksum.slice(0, 16)})`
						: `ROLLBACK FAILED for ${result.id}: ${r.error ?? `target ${r.actualChecksum?.slice(0, 16)} ≠ snapshot ${r.expectedChecksum.slice(0, 16)}`}\nthe deployment is rollback failed: repair the target by hand, then run calyx rollback again`,
				);
				return result.verified ? EXIT.ok : EXIT.refused;
			}),
		);
	examples(cmd, 'calyx rollback DEP-20261126-002 --reason "error rate above 2% at 25%"');
}
