import type {Command} from 'commander';
import type {RollbackRecord} from '../../core/model/index.js';
import {action, examples} from '../action.js';
import type {Io} from '../context.js';
import {EXIT} from '../errors.js';
import {text} from '../parse.js';
import {settleDeployment, targetLine} from '../target.js';
import {groupIds, groupOptions, isLive, runGroup, type GroupOpts} from '../group.js';
import {targetView} from '../../core/view/target.js';

export function registerRollback(program: Command, io: Io) {
	const cmd = groupOptions(
		program
			.command('rollback [id]')
			.description('roll a deployment back with its rollback pack, then verify the target against the snapshot; several live ones at once with --service or --all-live')
			.requiredOption('--reason <text>', 'why (recorded in the audit trail)', text('text')),
		'roll back',
	)
		.action(
			action<{reason: string} & GroupOpts>(io, async (cli, [id], o) => {
				const ids = await groupIds(cli, id, o, status => isLive(status) || status === 'halted');
				if (ids) return runGroup(cli, 'rollback', ids, o.reason);
				const {result: decided} = await cli.run<{id: string}>({type: 'rollback', id: id!, reason: o.reason});
				// The revert is the target's: applied now, and verified against what the router reads back.
				const dep = await settleDeployment(cli, decided.id);
				const r: RollbackRecord = dep.rollback!;
				const result = {id: dep.id, status: dep.status, verified: r.verified, rollback: r, target: targetView(dep)};
				if (dep.status === 'rolling_back') {
					cli.emit({ok: false, ...result}, () => `rolling back ${dep.id}: ${targetLine(dep)}; the engine keeps trying, calyx canary status ${dep.id} shows the outcome`);
					return EXIT.refused;
				}
				cli.emit({ok: result.verified, ...result}, () =>
					result.verified
						? `rolled back ${result.id}: verified, target matches the snapshot (${r.expectedChecksum.slice(0, 16)})`
						: `ROLLBACK FAILED for ${result.id}: ${r.error ?? `target ${r.actualChecksum?.slice(0, 16)} ≠ snapshot ${r.expectedChecksum.slice(0, 16)}`}\nthe deployment is rollback failed: repair the target by hand, then run calyx rollback again`,
				);
				return result.verified ? EXIT.ok : EXIT.refused;
			}),
		);
	examples(cmd, 'calyx rollback DEP-20261126-002 --reason "error rate above 2% at 25%"', 'calyx rollback --service checkout,payments --reason "bad shared library"');
}
