import type {Command} from 'commander';
import {statusWord} from '../../core/view/words.js';
import {action, examples} from '../action.js';
import type {Cli, Io} from '../context.js';
import {EXIT} from '../errors.js';
import {duration} from '../parse.js';
import {Checkpoints} from '../../drivers/checkpoints.js';
import {startEngineLoop} from '../../drivers/engine-loop.js';
import {engineCycle, type CycleAction} from '../../drivers/engine-cycle.js';

const NOTABLE = new Set<CycleAction['action']>(['promoted', 'completed', 'awaiting_promotion', 'holding', 'halted', 'rolled_back', 'rollback_failed']);

/** One engine action as a log line, stamped with the time it is printed (Cli.stamp). */
const actionLine = (a: CycleAction, stamp: string) => `${stamp}  ${a.id}  ${statusWord(a.action)} at ${a.percent}%  ${a.detail}`;

async function once(cli: Cli): Promise<number> {
	const store = await cli.store();
	const leadership = await store.lead();
	try {
		if (leadership.role !== 'leader') {
			cli.emit({ok: false, role: 'follower', actions: []}, () => `follower: another engine leads ${cli.dataDir}; this tick did nothing`);
			return EXIT.refused;
		}
		// One whole cycle: the targets' pending work, samples, the tick, and what the tick decided.
		const {actions, reconciled} = await engineCycle(store, {dataDir: cli.dataDir, now: () => cli.clock.now()}, {clock: cli.clock});
		// A one-shot leader (cron) signs the audit head as a running one does on its first tick.
		await new Checkpoints(store, cli.clock).afterTick();
		const applied = reconciled.map(r => ({id: r.work.id, op: r.work.op, percent: r.work.percent, report: r.command.type, ...(r.settled ? {settled: r.settled} : {})}));
		cli.emit({ok: true, role: 'leader', actions, applied}, () =>
			[...applied.map(a => `${cli.stamp()}  ${a.id}  target ${a.report.replace('target.', '')} (${a.op} ${a.percent}%)`), ...(actions.length === 0 ? ['tick: no live deployments'] : actions.map(a => actionLine(a, cli.stamp())))].join('\n'),
		);
		return EXIT.ok;
	} finally {
		await leadership.release();
	}
}

async function loop(cli: Cli, intervalMs: number): Promise<number> {
	const store = await cli.store();
	// A line per change of a deployment's state, not per tick: a canary waiting for an operator says so once.
	const last = new Map<string, string>();
	const changes: CycleAction[] = [];
	const onTick = (actions: CycleAction[]) => {
		for (const a of actions.filter(x => NOTABLE.has(x.action))) {
			const key = `${a.action}@${a.percent}`;
			if (last.get(a.id) === key) continue;
			last.set(a.id, key);
			changes.push(a);
			if (!cli.json) cli.out(actionLine(a, cli.stamp()));
		}
	};
	const engine = await startEngineLoop(store, {
		intervalMs,
		clock: cli.clock,
		onTick,
		onError: error => cli.err(`calyx engine: tick failed: ${error instanceof Error ? error.message : String(error)}`),
	});
	const say = (role: string) => {
		if (cli.json) return;
		cli.out(role === 'leader' ? `leader: driving ${cli.dataDir} every ${intervalMs} ms` : `follower: another engine leads ${cli.dataDir}; waiting to take over`);
	};
	say(engine.role);
	const unsubscribe = engine.onRoleChange(say);
	await new Promise<void>(resolve => {
		const stop = () => resolve();
		process.once('SIGINT', stop);
		process.once('SIGTERM', stop);
	});
	unsubscribe();
	const role = engine.role;
	await engine.stop();
	// Under --json the whole run is one document, printed when the engine stops.
	cli.emit({ok: true, role, actions: changes}, () => 'engine stopped');
	return EXIT.ok;
}

export function registerEngine(program: Command, io: Io) {
	const cmd = program
		.command('engine')
		.description('the headless engine: drives the targets, records samples, evaluates gates, promotes, halts, rolls back (one leader per data directory)')
		.option('--interval <duration>', 'time between ticks (default 1s)', duration)
		.option('--once', 'run one cycle and exit: apply what is pending, sample, tick (at most one tier), apply what it decided')
		.action(
			action<{interval?: number; once?: boolean}>(io, async (cli, _args, o) => (o.once ? once(cli) : loop(cli, Math.max(100, o.interval ?? 1000)))),
		);
	examples(cmd, 'calyx engine', 'calyx engine --interval 5s', 'calyx engine --once --json');
}
