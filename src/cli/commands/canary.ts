import {InvalidArgumentError, Option, type Command} from 'commander';
import {DEPLOYMENT_STATUSES, statusWord} from '../../core/view/words.js';
import {action, examples} from '../action.js';
import type {Cli, Io} from '../context.js';
import {usage} from '../errors.js';
import {count, text} from '../parse.js';
import {ENDED_SHOWN} from '../../store/archive-tail.js';
import {storePaths} from '../../store/paths.js';
import {renderList} from '../render/list.js';
import {registerStatus} from './canary-status.js';
import {groupIds, groupOptions, isLive, runGroup, type GroupOpts} from '../group.js';
import {registerCosign} from './canary-cosign.js';
import {readingForLease, settleDeployment, targetLine} from '../target.js';
import {targetView} from '../../core/view/target.js';
import {filteredList, serviceFilter, sinceFilter, statusFilter, type ListFilter, type Parsed} from '../list-filter.js';

/** A list filter's parser as commander wants it: the value, or an error that commander prefixes with the flag. */
const filterOption =
	<T>(parse: (text: string) => Parsed<T>) =>
	(text: string): T => {
		const parsed = parse(text);
		if ('problem' in parsed) throw new InvalidArgumentError(parsed.problem);
		return parsed.value;
	};

/** Past this, --all says what is meant. */
const MAX_ENDED = 1_000_000;

/**
 * Runs one deployment command, carries what it decided to the target, and prints the outcome the
 * same way for every verb: the status as recorded after the target answered, and the target's line.
 */
async function act(cli: Cli, verb: string, cmd: Parameters<Cli['run']>[0]) {
	const {result} = await cli.run<{id: string; status: string; percent?: number; from?: number; to?: number}>(cmd);
	const dep = await settleDeployment(cli, result.id);
	const out = {...result, status: dep.status, target: targetView(dep)};
	cli.emit({ok: true, ...out}, () => `${verb} ${result.id}: now ${statusWord(dep.status)}${result.percent !== undefined || result.to !== undefined ? ` at ${result.to ?? result.percent}%` : ''}\n  target: ${targetLine(dep)}`);
}

export function registerCanary(program: Command, io: Io) {
	const canary = program.command('canary').description('canary deployments: start, watch, promote, halt, resume');

	const start = canary
		.command('start <leaseId>')
		.description('read the target, run the pre-checks, make the rollback pack, apply the first tier; prints the deployment id')
		.action(
			action(io, async (cli, [leaseId]) => {
				const reading = await readingForLease(cli, leaseId!);
				const {result} = await cli.run<{id: string; status: string; percent: number; checks: Array<{name: string; detail: string}>}>({
					type: 'canary.start',
					leaseId: leaseId!,
					...(reading ? {reading} : {}),
				} as Parameters<Cli['run']>[0]);
				const dep = await settleDeployment(cli, result.id);
				cli.emit({ok: true, ...result, status: dep.status, target: targetView(dep)}, () =>
					[result.id, ...result.checks.map(c => `  ✓ ${c.name}: ${c.detail}`), `  ${statusWord(dep.status)} at ${result.percent}%`, `  target: ${targetLine(dep)}`].join('\n'),
				);
			}),
		);
	examples(start, 'calyx canary start LEASE-20261126-101500', 'DEP=$(calyx canary start LEASE-20261126-101500 | head -1)');

	const list = canary
		.command('list')
		.description(`list deployments: the live ones, and the last ${ENDED_SHOWN} that ended unless told otherwise; filters keep the rows that pass all of them`)
		.option('--ended <n>', `how many of the deployments that ended to show, newest last (default ${ENDED_SHOWN}; counted after the filters)`, count(MAX_ENDED))
		.option('--all', 'every deployment that ever ended (reads the whole archive index)')
		.option('--service <names>', 'only these services (a,b)', filterOption(serviceFilter))
		// The codes as choices for help and shell completion; the parser also takes words and lists.
		.addOption(new Option('--status <statuses>', 'only these statuses, as codes or words (several as a,b)').choices(DEPLOYMENT_STATUSES).argParser(filterOption(statusFilter)))
		.option('--since <when>', 'only deployments that changed since then: a duration back from now (30m, 6h, 2d) or an ISO 8601 time', text('id'))
		.action(
			action(io, async (cli, _args, opts: {ended?: number; all?: boolean; service?: string[]; status?: ListFilter['statuses']; since?: string}) => {
				if (opts.all && opts.ended !== undefined) throw usage('--ended and --all: give one of them (--all shows every ended deployment)');
				// Read on the command's clock, so "since 1h" means the same hour as the rest of the command.
				const since = opts.since === undefined ? undefined : sinceFilter(opts.since, cli.clock.now());
				if (since && 'problem' in since) throw usage(`--since: ${since.problem}`);
				const filter: ListFilter = {...(opts.service ? {services: opts.service} : {}), ...(opts.status ? {statuses: opts.status} : {}), ...(since ? {since: since.value} : {})};
				// Usually answered before the program loads (quick-list.ts); here when the index is stale or missing.
				const store = await cli.store();
				const live = await store.listDeployments({archived: false});
				const source = store.endedTail ? {endedTail: store.endedTail.bind(store)} : storePaths(store.dir).archiveIndex;
				const shown = await filteredList(live, source, opts.all ? 'all' : (opts.ended ?? ENDED_SHOWN), filter);
				cli.outPainted(renderList(shown, {json: cli.json, color: cli.color}));
			}),
		);
	examples(
		list,
		'calyx canary list',
		'calyx canary list --ended 200',
		'calyx canary list --service checkout --status halted,"rolled back" --since 2d',
		'calyx canary list --all --json | jq ".deployments[] | select(.status==\\"holding\\")"',
	);

	registerStatus(canary, io);
	registerCosign(canary, io);

	const promote = canary
		.command('promote <id>')
		.description('move to the next tier, only through the gate; --force --reason may pass a warning hold, never a critical')
		.option('--reason <text>', 'why (required with --force)', text('text'))
		.option('--force', 'pass a hold (warning, too few samples, bake time); never a critical')
		.action(
			action<{reason?: string; force?: boolean}>(io, async (cli, [id], o) => {
				if (o.force && !o.reason) throw usage('--reason: a forced promotion needs a reason');
				await act(cli, 'promoted', {type: 'canary.promote', id: id!, ...(o.force ? {force: true} : {}), ...(o.reason ? {reason: o.reason} : {})});
			}),
		);
	examples(promote, 'calyx canary promote DEP-20261126-001', 'calyx canary promote DEP-20261126-001 --force --reason "TES dip is the known cache warm-up"');

	const halt = groupOptions(
		canary
			.command('halt [id]')
			.description('stop the canary where it is (traffic stays at the current tier) until resumed or rolled back; several at once with --service or --all-live')
			.requiredOption('--reason <text>', 'why (recorded in the audit trail)', text('text')),
		'halt',
	).action(
		action<{reason: string} & GroupOpts>(io, async (cli, [id], o) => {
			const ids = await groupIds(cli, id, o, isLive);
			if (ids) return runGroup(cli, 'halt', ids, o.reason);
			await act(cli, 'halted', {type: 'canary.halt', id: id!, reason: o.reason});
		}),
	);
	examples(halt, 'calyx canary halt DEP-20261126-001 --reason "pager: checkout latency"', 'calyx canary halt --service checkout,payments --reason "incident 4411"', 'calyx canary halt --all-live --reason "freeze"');

	const resume = canary
		.command('resume <id>')
		.description('resume a halted canary; the tier bakes again from the start')
		.requiredOption('--reason <text>', 'why (recorded in the audit trail)', text('text'))
		.action(
			action<{reason: string}>(io, async (cli, [id], o) => {
				await act(cli, 'resumed', {type: 'canary.resume', id: id!, reason: o.reason});
			}),
		);
	examples(resume, 'calyx canary resume DEP-20261126-001 --reason "latency was the CDN, not us"');
}
