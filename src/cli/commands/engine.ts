import {InvalidArgumentError, type Command} from 'commander';
import {statusWord} from '../../core/view/words.js';
import {action, examples} from '../action.js';
import type {Cli, Io} from '../context.js';
import {EXIT, usage} from '../errors.js';
import {duration} from '../parse.js';
import {leaderText} from '../render/deployment.js';
import {Checkpoints} from '../../drivers/checkpoints.js';
import {startEngineLoop} from '../../drivers/engine-loop.js';
import {assertMayLead} from '../engine-trust.js';
import {engineCycle, type CycleAction} from '../../drivers/engine-cycle.js';
import {LISTEN_FORMS, parseListen, type ListenAddress} from '../../drivers/exporter/address.js';
import type {Exporter, ExporterOptions} from '../../drivers/exporter/index.js';
import type {Notifier} from '../../drivers/notify/index.js';
import type {BatchStore} from '../../store/api.js';

const NOTABLE = new Set<CycleAction['action']>(['promoted', 'completed', 'awaiting_promotion', 'holding', 'halted', 'rolled_back', 'rollback_failed']);

/** One engine action as a log line, stamped with the time it is printed (Cli.stamp). */
const actionLine = (a: CycleAction, stamp: string) => `${stamp}  ${a.id}  ${statusWord(a.action)} at ${a.percent}%  ${a.detail}`;

async function once(cli: Cli): Promise<number> {
	const store = await cli.store();
	await assertMayLead(cli, store);
	const leadership = await store.lead();
	try {
		if (leadership.role !== 'leader') {
			const where = await cli.storeLabel();
			const holder = await store.engineLeader();
			cli.emit({ok: false, role: 'follower', actions: [], ...(holder ? {leader: holder} : {})}, shown => `follower: ${leaderText(shown.leader)} leads ${where}; this tick did nothing`);
			return EXIT.refused;
		}
		// One whole cycle: the targets' pending work, samples, the tick, and what the tick decided.
		const {actions, reconciled} = await engineCycle(store, {dataDir: store.dir, now: () => cli.clock.now()}, {clock: cli.clock});
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

/** `--metrics-listen` as commander takes it: a bad address is exit 2 naming the option. */
export function listenOption(text: string): ListenAddress {
	const parsed = parseListen(text);
	if ('problem' in parsed) throw new InvalidArgumentError(`${parsed.problem}.`);
	return parsed;
}

/**
 * The exporter, listening before any engine runs: a port in use is a usage error (exit 2) with
 * nothing started. Imported only when asked for, so that no other run loads prom-client.
 */
export async function metricsExporter(cli: Cli, store: BatchStore, listen: ListenAddress, whileFollowing: ExporterOptions['whileFollowing']): Promise<Exporter> {
	const {startExporter, ListenError} = await import('../../drivers/exporter/index.js');
	try {
		return await startExporter({listen, store, clock: cli.clock, whileFollowing});
	} catch (error) {
		if (error instanceof ListenError) throw usage(`--metrics-listen: ${error.message}`, 'LISTEN');
		throw error;
	}
}

/** The leader's notifications (config `notify`), with every running engine: without sinks it only follows the trail's head. */
export async function notifier(cli: Cli, store: BatchStore, report = (message: string) => cli.err(`calyx: ${message}`)): Promise<Notifier> {
	const {startNotifier} = await import('../../drivers/notify/index.js');
	return startNotifier({store, clock: cli.clock, env: cli.io.env, onError: report});
}

async function loop(cli: Cli, intervalMs: number, listen: ListenAddress | undefined): Promise<number> {
	const store = await cli.store();
	await assertMayLead(cli, store);
	const exporter = listen ? await metricsExporter(cli, store, listen, 'serve') : undefined;
	const notify = await notifier(cli, store);
	try {
		return await drive(cli, exporter?.engineStore ?? store, intervalMs, exporter, notify);
	} finally {
		// Deliveries still retrying end here, each recorded as failed: never dropped unsaid.
		await notify.close();
		await exporter?.close();
	}
}

/** Failures an engine does not retry: every tick after them would fail alike. */
const STOPS = new Set(['MOVED', 'TRUST_MISMATCH', 'TRUST_MISFIT']);

async function drive(cli: Cli, store: BatchStore, intervalMs: number, exporter: Exporter | undefined, notify: Notifier): Promise<number> {
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
	// Listening until the engine has stopped, not once: a signal that finds no listener kills the
	// engine mid-stop (so does one that finds only a library's, such as signal-exit, which re-raises
	// it). A second signal while it stops waits for the stop to finish.
	let stop: () => void = () => undefined;
	const stopped = new Promise<void>(resolve => (stop = resolve));
	let exit: number = EXIT.ok;
	const engine = await startEngineLoop(store, {
		intervalMs,
		clock: cli.clock,
		onTick: (actions, cycle) => {
			exporter?.ticked(cycle.durationMs);
			notify.ticked();
			onTick(actions);
			// A target that refused or failed is news as much as a promotion: a log that showed only those would mislead.
			for (const r of cycle.reconciled) {
				if (r.command.type === 'target.failed' && !cli.json) cli.out(`${cli.stamp()}  ${r.work.id}  target failed (${r.work.op} ${r.work.percent}%): ${r.command.message}`);
			}
		},
		onError: error => {
			const message = error instanceof Error ? error.message : String(error);
			if (!STOPS.has(String((error as {code?: unknown}).code))) return cli.err(`calyx engine: tick failed: ${message}`);
			// A migration sealed this store while the engine ran, or its trust moved on (a rebind): it stops and
			// lets go of the lead rather than fail every tick (an engine under the store's trust takes over).
			cli.err(`calyx engine: stopping: ${message}`);
			exit = EXIT.refused;
			stop();
		},
		// The etcd store's history upkeep (compaction, defragmentation), said as it is done.
		onMaintenance: actions => {
			if (!cli.json) for (const a of actions) cli.out(`${cli.stamp()}  store  ${a.kind}: ${a.detail}`);
		},
	});
	const where = await cli.storeLabel();
	const say = async (role: string) => {
		if (cli.json) return;
		// Stamped at the end (scripts match the start): when the lead changed hands is what a log is read for.
		const since = `(since ${cli.stamp()})`;
		if (role === 'leader') return cli.out(`leader: driving ${where} every ${intervalMs} ms ${since}`);
		const holder = await store.engineLeader().catch(() => undefined);
		cli.out(holder ? `follower: ${leaderText(holder)} leads ${where}; waiting to take over ${since}` : `follower: no engine leads ${where} now (does the store answer?); standing again ${since}`);
	};
	await say(engine.role);
	exporter?.follow(engine);
	notify.follow(engine);
	if (exporter && !cli.json) cli.out(`metrics: ${exporter.url}`);
	const unsubscribe = engine.onRoleChange(role => void say(role));
	process.on('SIGINT', stop);
	process.on('SIGTERM', stop);
	let role: string;
	try {
		await stopped;
		unsubscribe();
		role = engine.role;
		await engine.stop();
	} finally {
		process.off('SIGINT', stop);
		process.off('SIGTERM', stop);
	}
	// Under --json the whole run is one document, printed when the engine stops.
	cli.emit({ok: exit === EXIT.ok, role, actions: changes, ...(exporter ? {metrics: exporter.url} : {})}, () => 'engine stopped');
	return exit;
}

export function registerEngine(program: Command, io: Io) {
	const cmd = program
		.command('engine')
		.description('the headless engine: drives the targets, records samples, evaluates gates, promotes, halts, rolls back (one leader per store: a data directory, or an etcd store across boxes)')
		.option('--interval <duration>', 'time between ticks (default 1s)', duration)
		.option('--once', 'run one cycle and exit: apply what is pending, sample, tick (at most one tier), apply what it decided')
		.option('--metrics-listen <host:port>', `serve calyx's metrics at /metrics for Prometheus on this address (${LISTEN_FORMS}); none unless given`, listenOption)
		.action(
			action<{interval?: number; once?: boolean; metricsListen?: ListenAddress}>(io, async (cli, _args, o) => {
				if (o.once && o.metricsListen) throw usage('--metrics-listen serves a running engine: not with --once (a cron\'d cycle ends before anyone scrapes it)');
				return o.once ? once(cli) : loop(cli, Math.max(100, o.interval ?? 1000), o.metricsListen);
			}),
		);
	examples(cmd, 'calyx engine', 'calyx engine --interval 5s', 'calyx engine --metrics-listen 127.0.0.1:9464', 'calyx engine --once --json');
}
