import type {Command} from 'commander';
import {ACTIVE} from '../core/engine/transitions.js';
import type {GroupOutcome} from '../core/engine/group.js';
import {statusWord} from '../core/view/words.js';
import type {Cli} from './context.js';
import {EXIT, usage} from './errors.js';
import {settleDeployment, targetLine} from './target.js';

/** The selectors a group action takes beside a single id. */
export interface GroupOpts {
	service?: string;
	allLive?: boolean;
}

export const groupOptions = (cmd: Command, what: string) =>
	cmd
		.option('--service <names>', `${what} every live deployment of these services (comma-separated), as one group`)
		.option('--all-live', `${what} every live deployment, as one group`);

/** Which deployments a group names: one id, or those the selector picks. Undefined: a single id. */
export async function groupIds(cli: Cli, id: string | undefined, o: GroupOpts, eligible: (status: string) => boolean): Promise<string[] | undefined> {
	const selectors = [id !== undefined, o.service !== undefined, o.allLive === true].filter(Boolean).length;
	if (selectors !== 1) throw usage('give one of: a deployment id, --service <names>, --all-live');
	if (id !== undefined) return undefined;
	const services = o.service?.split(',').map(s => s.trim());
	if (services?.some(s => s === '')) throw usage('--service: a comma-separated list of service names, none empty');
	const state = await (await cli.store()).read();
	const ids = state.deployments.filter(d => eligible(d.status) && (!services || services.includes(d.service))).map(d => d.id);
	if (ids.length === 0) throw usage(`${services ? `--service ${services.join(',')}` : '--all-live'}: no live deployment matches`, 'NOT_FOUND');
	return ids;
}

export const isLive = (status: string) => ACTIVE.includes(status as (typeof ACTIVE)[number]);

/** Runs the group, carries each decision to its target, and says which were done and which not (exit 1 if any not). */
export async function runGroup(cli: Cli, action: 'halt' | 'rollback', ids: string[], reason: string): Promise<number> {
	const {result} = await cli.run<{group: string; outcomes: GroupOutcome[]}>({type: 'group', action, ids, reason});
	const shown: Array<GroupOutcome & {target?: string}> = [];
	for (const o of result.outcomes) {
		if (!o.ok) {
			shown.push({...o});
			continue;
		}
		const dep = await settleDeployment(cli, o.id);
		shown.push({...o, status: dep.status, target: targetLine(dep)});
	}
	const failed = shown.filter(o => !o.ok).length;
	cli.emit({ok: failed === 0, group: result.group, action, outcomes: shown}, view =>
		[
			`${action} ${view.group}: ${shown.length - failed} of ${shown.length} done`,
			...view.outcomes.map(o => (o.ok ? `  ✓ ${o.id}: now ${statusWord(o.status!)}; target: ${o.target ?? ''}` : `  ✗ ${o.id}: ${o.message}`)),
		].join('\n'),
	);
	return failed === 0 ? EXIT.ok : EXIT.refused;
}
